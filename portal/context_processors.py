"""Values every template may use: the trust's name and the signed-in user's navigation."""

from django.conf import settings

from governance.navigation import navigation_for


def portal(request) -> dict:
    user = getattr(request, "user", None)
    unread = 0
    nav = []
    if user is not None and user.is_authenticated:
        nav = navigation_for(user, request.path)
        unread = user.notifications.filter(read_at__isnull=True).count()
    return {"trust_name": settings.PORTAL_TRUST_NAME, "nav_items": nav, "unread_count": unread}
