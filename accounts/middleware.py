"""Sign-in protections: session lifetime, two-factor enforcement and the lockout key."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils import timezone

from accounts import access

SESSION_STARTED = "portal_started_at"
SESSION_LAST_SEEN = "portal_last_seen_at"
SESSION_EXPIRED_FLAG = "portal_expired"
# The last-seen time is written at most this often: one session UPDATE a minute, not one per page.
# The idle limit is measured from the last write, so it can end a session up to this much early.
SESSION_TOUCH_INTERVAL = timedelta(seconds=60)


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
            if not started:
                # A session from before these clocks existed: it starts now.
                _stamp(request.session, now)
            elif not last_seen or now - last_seen >= SESSION_TOUCH_INTERVAL:
                request.session[SESSION_LAST_SEEN] = now.isoformat()
        return self.get_response(request)


def start_session_clock(sender, request, user, **kwargs) -> None:
    """Start both clocks when the password is accepted (a user_logged_in receiver).

    Starting at sign-in rather than at the next page means the first redirect cannot be used to
    stretch the 12 hours, and the first page does not have to write the session again.
    """
    if request is not None and hasattr(request, "session"):
        _stamp(request.session, timezone.now())


def _stamp(session, now: datetime) -> None:
    session[SESSION_STARTED] = now.isoformat()
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
