"""Session lifetime and two-factor enforcement."""

from datetime import datetime

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from accounts import access

SESSION_STARTED = "portal_started_at"
SESSION_LAST_SEEN = "portal_last_seen_at"


class SessionLifetimeMiddleware:
    """Ends a session after 30 minutes idle or 12 hours in all, whichever comes first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = timezone.now()
            started = _read(request.session.get(SESSION_STARTED))
            last_seen = _read(request.session.get(SESSION_LAST_SEEN))
            expired = (started and now - started > settings.SESSION_ABSOLUTE_TIMEOUT) or (
                last_seen and now - last_seen > settings.SESSION_IDLE_TIMEOUT
            )
            if expired:
                logout(request)
                response = redirect_to_login(request.get_full_path())
                request.session["portal_expired"] = True
                return response
            if not started:
                request.session[SESSION_STARTED] = now.isoformat()
            request.session[SESSION_LAST_SEEN] = now.isoformat()
        return self.get_response(request)


def _read(value):
    return datetime.fromisoformat(value) if value else None


class TwoFactorRequiredMiddleware:
    """Sends a privileged user who has not passed two-factor to set it up or enter a code."""

    OPEN_PREFIXES = ("/static/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(self.OPEN_PREFIXES)
            and request.path not in _open_paths()
            and access.requires_two_factor(user)
        ):
            from django_otp import devices_for_user

            has_device = any(True for _ in devices_for_user(user, confirmed=True))
            target = "accounts:two_factor_verify" if has_device else "accounts:two_factor_setup"
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)


def _open_paths() -> set[str]:
    return {
        reverse("accounts:two_factor_verify"),
        reverse("accounts:two_factor_setup"),
        reverse("accounts:logout"),
    }
