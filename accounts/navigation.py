"""The navigation each person sees, from the actions the access table gives them."""

from django.urls import NoReverseMatch, reverse

from accounts import access
from accounts.roles import Action

# (label, url name, action needed or None for every signed-in person). A feature adds its entry here.
NAV_ITEMS: list[tuple[str, str, str | None]] = [
    ("Home", "home", None),
    ("Pupils", "accounts:pupil_list", Action.VIEW_PUPIL_DIRECTORY),
    ("Audit log", "governance:audit_log", Action.VIEW_AUDIT_LOG),
    ("Inbox", "governance:inbox", None),
]


def navigation_for(user, current_path: str) -> list[dict]:
    """The navigation entries this user may use, marking the current one."""
    items = []
    for label, url_name, action in NAV_ITEMS:
        if action is not None and not access.has_any(user, action):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        current = current_path == url if url == "/" else current_path.startswith(url)
        items.append({"label": label, "url": url, "current": current})
    return items
