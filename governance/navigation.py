"""The service navigation: the entries the apps registered (core.registries.navigation) that
this person may use, in order, with the current one marked."""

from django.urls import NoReverseMatch, reverse

from core import registries


def navigation_for(user, current_path: str) -> list[dict]:
    """The navigation entries this user may use, marking the current one."""
    items = []
    for entry in registries.navigation:
        if not entry.visible_to(user):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        current = current_path == url if url == "/" else current_path.startswith(url)
        items.append({"label": entry.label, "url": url, "current": current})
    return items
