"""Sign-in protections: session lifetime, two-factor enforcement and the lockout key."""

from datetime import datetime

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils import timezone

from accounts import access

SESSION_STARTED = "portal_started_at"
SESSION_LAST_SEEN = "portal_last_seen_at"
SESSION_EXPIRED_FLAG = "portal_expired"


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
                request.session[SESSION_EXPIRED_FLAG] = True
                return redirect_to_login(request.get_full_path())
            _stamp(request.session, now)
        response = self.get_response(request)
        # The sign-in request itself: the clock starts when the password is accepted, not at
        # the next page, so the 12 hours cannot be stretched by idling on the first redirect.
        if request.user.is_authenticated and SESSION_STARTED not in request.session:
            _stamp(request.session, timezone.now())
        return response


def _stamp(session, now: datetime) -> None:
    session.setdefault(SESSION_STARTED, now.isoformat())
    session[SESSION_LAST_SEEN] = now.isoformat()


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
            # redirect_to_login quotes the path, so a query string survives the round trip.
            return redirect_to_login(request.get_full_path(), login_url=reverse(target))
        return self.get_response(request)


def _open_paths() -> set[str]:
    return {
        reverse("accounts:two_factor_verify"),
        reverse("accounts:two_factor_setup"),
        reverse("accounts:logout"),
    }


def lockout_username(request, credentials: dict | None) -> str | None:
    """The account a sign-in attempt counts against (AXES_USERNAME_CALLABLE).

    Email addresses sign in whatever their case, so the lockout must count them the same way:
    otherwise "Head@School" and "head@school" would each get five guesses.
    """
    source = credentials if credentials else getattr(request, "data", request.POST)
    value = source.get(settings.AXES_USERNAME_FORM_FIELD)
    return str(value).strip().lower() if value else None
