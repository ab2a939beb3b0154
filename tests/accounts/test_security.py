"""The security baseline: passwords, lockout, sessions, response headers and private files."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import FileField
from django.db.models.fields.files import FieldFile
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.views.static import serve

import portal.settings as production_settings
from accounts.middleware import SESSION_LAST_SEEN, SESSION_STARTED
from accounts.models import User
from accounts.roles import Role
from core.files import SANDBOX_POLICY, private_file_response
from core.models import AuditEntry
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]
WRONG_PASSWORD = "not the right password at all"


def csrf_client() -> Client:
    """A client that, like a browser, must send the CSRF token with every POST."""
    client = Client(enforce_csrf_checks=True)
    # The token a browser would carry from the sign-in page: a cookie and the same value in the form.
    client.cookies[settings.CSRF_COOKIE_NAME] = _get_new_csrf_string()
    return client


def csrf_post(client: Client, url: str, data: dict, **extra):
    """POST with the CSRF token the client holds."""
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    return client.post(url, {**data, "csrfmiddlewaretoken": token}, **extra)


def sign_in(client: Client, email: str, password: str, *, next_url: str | None = None, **extra):
    """A real POST to the sign-in page (django-axes only counts attempts that carry a request)."""
    url = reverse("accounts:login")
    if next_url is not None:
        url = f"{url}?next={next_url}"
    return csrf_post(client, url, {"username": email, "password": password}, **extra)


def signed_in_user_id(client: Client):
    """The id of the user the client's session belongs to, or None."""
    return client.session.get("_auth_user_id")


# --- 1. Passwords ---------------------------------------------------------------------------


def test_production_settings_hash_passwords_with_argon2_first():
    # settings_test swaps in a fast hasher; the module production runs on must lead with argon2.
    assert production_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    hasher = import_string(production_settings.PASSWORD_HASHERS[0])()
    encoded = hasher.encode("a long enough passphrase", hasher.salt())
    assert encoded.startswith("argon2$") and hasher.verify("a long enough passphrase", encoded)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Sh0rt-pass!", "at least 12 characters"),
        ("qwerty123456", "too common"),
        ("1q2w3e4r5t6y", "too common"),
        ("837465928374", "entirely numeric"),
    ],
)
def test_weak_passwords_are_refused(password, message):
    with pytest.raises(ValidationError) as error:
        password_validation.validate_password(password)
    assert any(message in text for text in error.value.messages)


def test_a_long_uncommon_password_is_accepted():
    password_validation.validate_password("heron lantern quarry 42")


def test_password_reset_by_email_end_to_end(personas):
    user = personas.a[Role.STAFF]
    client = csrf_client()
    response = csrf_post(client, reverse("accounts:password_reset"), {"email": user.email.upper()})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    link = re.search(r"https?://[^/\s]+(/account/password/reset/[^\s]+/[^\s]+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body

    # The link swaps its token for a session value, then shows the new-password form.
    response = client.get(link.group(1))
    assert response.status_code == 302
    set_password_url = response["Location"]
    assert client.get(set_password_url).status_code == 200

    weak = csrf_post(client, set_password_url, {"new_password1": "password", "new_password2": "password"})
    assert weak.status_code == 200 and weak.context["form"].errors["new_password2"]

    new_password = "moorland kestrel ledger 7"
    response = csrf_post(
        client, set_password_url, {"new_password1": new_password, "new_password2": new_password}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_complete")
    user.refresh_from_db()
    assert check_password(new_password, user.password)

    # The link works once only.
    assert client.get(link.group(1)).context["validlink"] is False

    assert sign_in(csrf_client(), user.email, PASSWORD).status_code == 200
    fresh = csrf_client()
    assert sign_in(fresh, user.email, new_password).status_code == 302
    assert signed_in_user_id(fresh) == str(user.pk)


def test_password_reset_answers_the_same_for_an_unknown_email(personas):
    known = csrf_post(
        csrf_client(), reverse("accounts:password_reset"), {"email": personas.a[Role.STAFF].email}
    )
    unknown = csrf_post(csrf_client(), reverse("accounts:password_reset"), {"email": "nobody@test.example"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert [message.to for message in mail.outbox] == [[personas.a[Role.STAFF].email]]


# --- 2. Lockout -----------------------------------------------------------------------------


def test_sign_in_without_a_csrf_token_is_refused(personas):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("accounts:login"), {"username": personas.a[Role.STAFF].email, "password": PASSWORD}
    )
    assert response.status_code == 403
    assert signed_in_user_id(client) is None


def test_right_password_signs_in_and_honours_a_local_next(personas):
    client = csrf_client()
    response = sign_in(
        client, personas.a[Role.STAFF].email, PASSWORD, next_url=reverse("accounts:pupil_list")
    )
    assert response.status_code == 302 and response["Location"] == reverse("accounts:pupil_list")
    assert signed_in_user_id(client) == str(personas.a[Role.STAFF].pk)


def test_sign_in_does_not_follow_next_to_another_site(personas):
    response = sign_in(
        csrf_client(), personas.a[Role.STAFF].email, PASSWORD, next_url="https://evil.example/"
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")


def _failed_attempts(email: str, count: int) -> list[tuple[int, list[str]]]:
    """Sign in ``count`` times with a wrong password; each answer's status and form errors."""
    client = csrf_client()
    answers = []
    for _ in range(count):
        response = sign_in(client, email, WRONG_PASSWORD)
        form = (response.context or {}).get("form") if response.status_code == 200 else None
        answers.append((response.status_code, list(form.non_field_errors()) if form else []))
    return answers


def test_five_failures_lock_the_account_even_for_the_right_password(personas):
    user = personas.a[Role.STAFF]
    answers = _failed_attempts(user.email, settings.AXES_FAILURE_LIMIT)
    assert [status for status, _ in answers] == [200, 200, 200, 200, 429]
    assert answers[0][1] == ["Enter a correct email address and password."]

    client = csrf_client()
    response = sign_in(client, user.email, PASSWORD)
    assert response.status_code == settings.AXES_HTTP_RESPONSE_CODE == 429
    assert settings.AXES_LOCKOUT_TEMPLATE in [t.name for t in response.templates]
    assert signed_in_user_id(client) is None


def test_an_unknown_email_gets_exactly_the_same_answers(personas):
    known = _failed_attempts(personas.a[Role.STAFF].email, settings.AXES_FAILURE_LIMIT + 1)
    unknown = _failed_attempts("nobody-here@test.example", settings.AXES_FAILURE_LIMIT + 1)
    assert known == unknown
    assert [status for status, _ in unknown] == [200, 200, 200, 200, 429, 429]


def test_the_lockout_counts_an_address_whatever_its_case(personas):
    user = personas.a[Role.STAFF]
    for variant in (
        user.email.upper(),
        user.email.title(),
        f" {user.email}",
        user.email.swapcase(),
        user.email,
    ):
        sign_in(csrf_client(), variant, WRONG_PASSWORD)
    assert sign_in(csrf_client(), user.email.capitalize(), PASSWORD).status_code == 429
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {user.email}


def test_the_lock_ends_after_the_cool_off(personas):
    user = personas.a[Role.STAFF]
    _failed_attempts(user.email, settings.AXES_FAILURE_LIMIT)
    assert sign_in(csrf_client(), user.email, PASSWORD).status_code == 429

    # Just inside the cool-off the lock still holds.
    almost = timezone.now() - settings.AXES_COOLOFF_TIME + timedelta(minutes=1)
    AccessAttempt.objects.filter(username=user.email).update(attempt_time=almost)
    assert sign_in(csrf_client(), user.email, PASSWORD).status_code == 429

    over = timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=5)
    AccessAttempt.objects.filter(username=user.email).update(attempt_time=over)
    client = csrf_client()
    assert sign_in(client, user.email, PASSWORD).status_code == 302
    assert signed_in_user_id(client) == str(user.pk)


def test_a_success_before_the_limit_resets_the_count(personas):
    user = personas.a[Role.STAFF]
    assert [s for s, _ in _failed_attempts(user.email, settings.AXES_FAILURE_LIMIT - 1)] == [200] * 4
    assert sign_in(csrf_client(), user.email, PASSWORD).status_code == 302
    assert [s for s, _ in _failed_attempts(user.email, settings.AXES_FAILURE_LIMIT - 1)] == [200] * 4
    assert sign_in(csrf_client(), user.email, PASSWORD).status_code == 302


def test_an_inactive_account_gets_the_same_error_as_a_wrong_password(personas):
    user = personas.a[Role.STAFF]
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = sign_in(csrf_client(), user.email, PASSWORD)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["Enter a correct email address and password."]


def test_failed_sign_ins_are_in_the_audit_log(personas):
    user = personas.a[Role.STAFF]
    sign_in(csrf_client(), user.email, WRONG_PASSWORD, REMOTE_ADDR="198.51.100.7")
    sign_in(csrf_client(), "nobody-here@test.example", WRONG_PASSWORD)
    failed = AuditEntry.objects.filter(verb=AuditEntry.Verb.LOGIN_FAILED).order_by("id")
    known, unknown = list(failed)
    # A guess at a real account is filed under it and its trust, so the trust's log shows it.
    assert (known.object_type, known.object_id, known.trust_id) == (
        "accounts.user",
        str(user.pk),
        personas.trust.pk,
    )
    assert known.actor_id is None and known.ip_address == "198.51.100.7"
    assert known.path == reverse("accounts:login")
    assert WRONG_PASSWORD not in str(known.changes)
    assert (unknown.object_id, unknown.object_repr) == ("", "nobody-here@test.example")


# --- 4. Sessions ----------------------------------------------------------------------------


def _shift_session(client: Client, *, started: timedelta, last_seen: timedelta) -> None:
    """Move the session's clocks into the past."""
    session = client.session
    now = timezone.now()
    session[SESSION_STARTED] = (now - started).isoformat()
    session[SESSION_LAST_SEEN] = (now - last_seen).isoformat()
    session.save()


def test_sign_in_starts_the_session_clocks(personas):
    client = csrf_client()
    before = timezone.now()
    sign_in(client, personas.a[Role.STAFF].email, PASSWORD)
    started = client.session[SESSION_STARTED]
    assert before <= datetime.fromisoformat(started) <= timezone.now()
    assert client.session[SESSION_LAST_SEEN] == started


def test_a_session_idle_for_thirty_minutes_ends(personas, client_for):
    client = client_for(personas.a[Role.STAFF])
    home = reverse("accounts:pupil_list")
    _shift_session(client, started=timedelta(minutes=40), last_seen=timedelta(minutes=29))
    assert client.get(home).status_code == 200

    _shift_session(client, started=timedelta(minutes=40), last_seen=timedelta(minutes=31))
    response = client.get(home)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={home}"
    assert signed_in_user_id(client) is None
    assert client.session.get("portal_expired") is True
    # The sign-in page tells them why, once.
    assert client.get(response["Location"]).context["session_expired"] is True
    assert client.get(response["Location"]).context["session_expired"] is False
    # The old session is gone for good, not just this once.
    assert client.get(home).status_code == 302


def test_a_session_ends_after_twelve_hours_even_when_active(personas, client_for):
    client = client_for(personas.a[Role.STAFF])
    page = reverse("accounts:pupil_list")
    _shift_session(client, started=timedelta(hours=11, minutes=59), last_seen=timedelta(minutes=1))
    assert client.get(page).status_code == 200
    # Every request in the last hours keeps the idle clock fresh; the absolute limit still wins.
    _shift_session(client, started=timedelta(hours=12, minutes=1), last_seen=timedelta(seconds=10))
    response = client.get(page)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert signed_in_user_id(client) is None


def test_activity_moves_the_idle_clock_but_not_the_start(personas, client_for):
    client = client_for(personas.a[Role.STAFF])
    _shift_session(client, started=timedelta(hours=3), last_seen=timedelta(minutes=20))
    started = client.session[SESSION_STARTED]
    client.get(reverse("home"))
    assert client.session[SESSION_STARTED] == started
    assert timezone.now() - datetime.fromisoformat(client.session[SESSION_LAST_SEEN]) < timedelta(seconds=30)


def test_pages_within_a_minute_do_not_write_the_session(personas, client_for):
    client = client_for(personas.a[Role.STAFF])
    _shift_session(client, started=timedelta(hours=1), last_seen=timedelta(seconds=30))
    seen = client.session[SESSION_LAST_SEEN]
    client.get(reverse("home"))
    assert client.session[SESSION_LAST_SEEN] == seen
    _shift_session(client, started=timedelta(hours=1), last_seen=timedelta(seconds=61))
    seen = client.session[SESSION_LAST_SEEN]
    client.get(reverse("home"))
    assert client.session[SESSION_LAST_SEEN] != seen


def test_session_cookie_settings():
    assert settings.SESSION_COOKIE_HTTPONLY and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_AGE <= 12 * 60 * 60
    assert settings.SESSION_IDLE_TIMEOUT == timedelta(minutes=30)
    assert settings.SESSION_ABSOLUTE_TIMEOUT == timedelta(hours=12)


# --- 5. Headers and the deployment check ----------------------------------------------------


def test_security_headers_on_a_signed_in_page(personas, client_for):
    response = client_for(personas.a[Role.STAFF]).get(reverse("accounts:pupil_list"))
    assert response.status_code == 200
    csp = {
        part.strip().split(" ", 1)[0]: part.strip() for part in response["Content-Security-Policy"].split(";")
    }
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert csp["default-src"] == "default-src 'self'"
    assert csp["script-src"] == "script-src 'self'"
    assert csp["object-src"] == "object-src 'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert "no-store" in response["Cache-Control"]


def test_signed_out_pages_have_the_headers_too():
    response = Client().get(reverse("accounts:login"))
    assert response.status_code == 200
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def _production_env(**overrides) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PORTAL_", "CELERY_", "DATABASE_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
        DJANGO_ALLOWED_HOSTS="portal.example",
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal"),
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        PORTAL_VAR_DIR=str(settings.VAR_DIR),
    )
    env.update(overrides)
    return env


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_deploy_check_passes_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_deploy_check_fails_with_debug_on():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env(DJANGO_DEBUG="true"))
    assert result.returncode != 0
    assert "security.W018" in result.stderr


PRODUCTION_PROBE = """
import django
django.setup()
from django.conf import settings
from django.test import Client
client = Client(SERVER_NAME="portal.example")
plain = client.get("/account/sign-in/")
secure = client.get("/healthz", secure=True)
print(plain.status_code, plain.get("Location", ""))
print(secure.status_code, secure.get("Strict-Transport-Security", ""))
print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY)
"""


@pytest.mark.slow
def test_production_settings_send_hsts_and_secure_cookies():
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE],
        cwd=BASE_DIR,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    plain, secure, cookies = result.stdout.strip().splitlines()
    assert plain == "301 https://portal.example/account/sign-in/"
    status, hsts = secure.split(" ", 1)
    assert status == "200"
    assert hsts == "max-age=31536000; includeSubDomains; preload"
    assert cookies == "True True True"


# --- 6. Private files -----------------------------------------------------------------------

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f80f0000010100005a4d6b8b0000000049454e44ae426082"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def stored():
    """Save bytes in the private storage and hand back a FieldFile; removed afterwards."""
    names = []

    def save(content: bytes, name: str = "evidence/upload.bin") -> FieldFile:
        saved = default_storage.save(name, ContentFile(content))
        names.append(saved)
        return FieldFile(None, FileField(storage=default_storage), saved)

    yield save
    for name in names:
        default_storage.delete(name)


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_private_file_is_an_attachment_with_strict_headers(stored):
    response = private_file_response(stored(PDF), download_name="Report 12.pdf")
    assert response["Content-Disposition"] == 'attachment; filename="Report 12.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Security-Policy"] == SANDBOX_POLICY
    assert response["Content-Security-Policy"].startswith("sandbox;")
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert _body(response) == PDF


@pytest.mark.parametrize(("content", "content_type"), [(PNG, "image/png"), (PDF, "application/pdf")])
def test_images_and_pdfs_may_be_shown_inline(stored, content, content_type):
    response = private_file_response(stored(content), download_name="screenshot", inline=True)
    assert response["Content-Disposition"] == 'inline; filename="screenshot"'
    assert response["Content-Type"] == content_type
    assert response["Content-Security-Policy"] == SANDBOX_POLICY


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"<html><script>alert(1)</script></html>", "page.html"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "image.svg"),
        # The bytes decide, not the name: HTML called .png is still not shown.
        (b"<html><script>alert(1)</script></html>", "photo.png"),
    ],
)
def test_anything_else_is_always_downloaded_and_never_active(stored, content, name):
    response = private_file_response(stored(content), download_name=name, inline=True)
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/octet-stream"


def test_the_download_name_cannot_break_the_header(stored):
    response = private_file_response(stored(PDF), download_name='../../etc/pass\r\nSet-Cookie: x=1".pdf')
    disposition = response["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition and "/" not in disposition
    assert disposition.startswith("attachment; filename=")
    assert "Set-Cookie" not in response


def test_unicode_download_names_are_encoded(stored):
    response = private_file_response(stored(PDF), download_name="Évidence – Siân.pdf")
    assert "filename*=utf-8''%C3%89vidence%20%E2%80%93%20Si%C3%A2n.pdf" in response["Content-Disposition"]


def _within(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def test_private_storage_is_outside_everything_served_as_static():
    location = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    assert settings.STORAGES["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    for served in [settings.STATIC_ROOT, *settings.STATICFILES_DIRS]:
        assert not _within(location, Path(served)) and not _within(Path(served), location)
    # The same holds for the production settings module, whatever the test overrides do.
    production_location = Path(production_settings.STORAGES["default"]["OPTIONS"]["location"])
    assert not _within(production_location, Path(production_settings.STATIC_ROOT))


def _all_patterns(resolver=None):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _all_patterns(entry)
        elif isinstance(entry, URLPattern):
            yield entry


def test_no_url_serves_the_private_storage(stored, client_for, personas):
    saved = stored(PNG, "evidence/secret.png")
    with pytest.raises(Resolver404):
        resolve(f"/media/{saved.name}")
    assert not [p for p in _all_patterns() if getattr(p.callback, "__wrapped__", p.callback) is serve]
    assert settings.MEDIA_URL in ("", "/")
    client = client_for(personas.a[Role.DSL])
    for prefix in ("/media/", "/static/", "/private/", "/"):
        assert client.get(f"{prefix}{saved.name}").status_code == 404
