"""Two-factor sign-in (TOTP) for privileged roles, the admin's own check, and signing out."""

from __future__ import annotations

import re
import uuid
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import TWO_FACTOR_ROLES, Role
from core.models import AuditEntry
from tests.accounts.test_security import csrf_client, csrf_post, sign_in, signed_in_user_id
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

VERIFY = "accounts:two_factor_verify"
SETUP = "accounts:two_factor_setup"
# Open before the second factor: the two-factor pages themselves, sign-out and the health checks
# (/healthz/deadlines gives counts only, for the monitoring that has no account).
OPEN_NAMES = {VERIFY, SETUP, "accounts:logout", "healthz", "healthz_deadlines"}
FILLERS = {"uuid": lambda: str(uuid.uuid4()), "int": lambda: "1", "slug": lambda: "x", "str": lambda: "x"}


def user_for(personas, role: str):
    """The persona holding a role (school roles from school A)."""
    return personas.trust_users.get(role) or personas.a[role]


def code_for(device: TOTPDevice) -> str:
    """The code an authenticator app shows now."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def wrong_code_for(device: TOTPDevice) -> str:
    """A code that is not right in any window the device accepts."""
    accepted = {
        totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift)
        for drift in range(-device.tolerance - 1, device.tolerance + 2)
    }
    return next(f"{n:06d}" for n in range(123456, 10**6) if n not in accepted)


def portal_pages(personas) -> list[str]:
    """Every page of the portal (Django admin aside), with made-up ids where a URL needs one."""
    pages = []

    def walk(resolver, prefix: str, namespace: str):
        for entry in resolver.url_patterns:
            route = str(entry.pattern)
            if isinstance(entry, URLResolver):
                if entry.namespace == "admin":
                    continue
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry, prefix + route, inner)
            elif isinstance(entry, URLPattern) and f"{namespace}{entry.name}" not in OPEN_NAMES:
                path = re.sub(r"<(?:(\w+):)?\w+>", lambda m: FILLERS[m.group(1) or "str"](), prefix + route)
                pages.append("/" + path)

    walk(get_resolver(), "", "")
    pages.append(reverse("accounts:pupil_detail", args=[personas.a.child.pk]))
    return pages


@pytest.mark.parametrize("role", sorted(TWO_FACTOR_ROLES))
def test_every_privileged_role_is_sent_to_two_factor_from_every_page(personas, role):
    user = user_for(personas, role)
    client = csrf_client()
    assert sign_in(client, user.email, PASSWORD).status_code == 302
    pages = portal_pages(personas)
    assert {reverse("accounts:pupil_list"), reverse("governance:audit_log"), reverse("home")} <= set(pages)
    for page in pages:
        response = client.get(page)
        assert response.status_code == 302, page
        target = urlsplit(response["Location"])
        assert target.path == reverse(VERIFY), page
        assert parse_qs(target.query)["next"] == [page]
    # A POST is stopped too, before any view runs.
    assert client.post(reverse("accounts:pupil_list")).status_code == 302


def test_a_query_string_survives_the_trip_through_two_factor(personas):
    client = csrf_client()
    sign_in(client, personas[Role.TRUST_SAFEGUARDING_LEAD].email, PASSWORD)
    page = f"{reverse('governance:audit_log')}?verb=login&actor=a%26b"
    response = client.get(page)
    assert parse_qs(urlsplit(response["Location"]).query)["next"] == [page]


def test_a_privileged_user_without_a_device_is_sent_to_set_up(personas):
    dsl = personas.a[Role.DSL]
    TOTPDevice.objects.filter(user=dsl).delete()
    client = csrf_client()
    sign_in(client, dsl.email, PASSWORD)
    response = client.get(reverse("accounts:pupil_list"))
    assert urlsplit(response["Location"]).path == reverse(SETUP)
    # The verify page itself sends them to set-up as well.
    assert client.get(reverse(VERIFY))["Location"] == reverse(SETUP)


def test_a_wrong_code_is_refused(personas):
    dsl = personas.a[Role.DSL]
    device = TOTPDevice.objects.get(user=dsl)
    client = csrf_client()
    sign_in(client, dsl.email, PASSWORD)
    response = csrf_post(client, reverse(VERIFY), {"otp_token": wrong_code_for(device)})
    assert response.status_code == 200
    assert response.context["form"].errors["otp_token"]
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert client.get(reverse("accounts:pupil_list")).status_code == 302
    assert AuditEntry.objects.filter(
        verb=AuditEntry.Verb.TWO_FACTOR, object_id=str(dsl.pk), changes__event=["", "wrong code"]
    ).exists()


def test_a_code_that_is_not_six_digits_is_refused(personas):
    dsl = personas.a[Role.DSL]
    client = csrf_client()
    sign_in(client, dsl.email, PASSWORD)
    for token in ("", "12345", "abcdef", "1234567"):
        response = csrf_post(client, reverse(VERIFY), {"otp_token": token})
        assert response.status_code == 200 and response.context["form"].errors["otp_token"], token


def test_the_right_code_lets_them_in_and_follows_a_local_next(personas):
    dsl = personas.a[Role.DSL]
    device = TOTPDevice.objects.get(user=dsl)
    client = csrf_client()
    sign_in(client, dsl.email, PASSWORD)
    target = reverse("accounts:pupil_list") + "?q=a&year_group=5"
    response = csrf_post(client, f"{reverse(VERIFY)}?next={quote(target)}", {"otp_token": code_for(device)})
    assert response.status_code == 302 and response["Location"] == target
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(reverse("accounts:pupil_list")).status_code == 200
    assert AuditEntry.objects.filter(
        verb=AuditEntry.Verb.TWO_FACTOR, object_id=str(dsl.pk), changes__event=["", "verified"]
    ).exists()


@pytest.mark.parametrize(
    "unsafe",
    ["https://evil.example/", "//evil.example/", "javascript:alert(1)", "http://testserver.evil.example/"],
)
def test_next_is_ignored_unless_it_is_a_local_url(personas, unsafe):
    lead = personas[Role.TRUST_SAFEGUARDING_LEAD]
    device = TOTPDevice.objects.get(user=lead)
    client = csrf_client()
    sign_in(client, lead.email, PASSWORD)
    response = csrf_post(client, f"{reverse(VERIFY)}?next={quote(unsafe)}", {"otp_token": code_for(device)})
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_next_may_come_from_the_form(personas):
    # The page carries next in a hidden field as well as in its own address.
    head = personas.b[Role.HEADTEACHER]
    device = TOTPDevice.objects.get(user=head)
    client = csrf_client()
    sign_in(client, head.email, PASSWORD)
    target = reverse("governance:inbox")
    response = csrf_post(client, reverse(VERIFY), {"otp_token": code_for(device), "next": target})
    assert response.status_code == 302 and response["Location"] == target


def test_a_code_cannot_be_used_twice(personas):
    dsl = personas.a[Role.DSL]
    device = TOTPDevice.objects.get(user=dsl)
    code = code_for(device)
    first = csrf_client()
    sign_in(first, dsl.email, PASSWORD)
    assert csrf_post(first, reverse(VERIFY), {"otp_token": code}).status_code == 302
    second = csrf_client()
    sign_in(second, dsl.email, PASSWORD)
    response = csrf_post(second, reverse(VERIFY), {"otp_token": code})
    assert response.status_code == 200 and response.context["form"].errors["otp_token"]


@pytest.mark.parametrize("role", [Role.STAFF, Role.PUPIL, Role.PARENT])
def test_staff_pupils_and_parents_are_never_asked(personas, role):
    user = personas.a[role]
    assert not TOTPDevice.objects.filter(user=user).exists()
    client = csrf_client()
    response = sign_in(client, user.email, PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("governance:inbox")).status_code == 200
    expected = 200 if role == Role.STAFF else 403
    assert client.get(reverse("accounts:pupil_list")).status_code == expected


def test_set_up_creates_a_device_shows_a_qr_and_confirms_on_the_right_code(personas):
    head = personas.a[Role.HEADTEACHER]
    TOTPDevice.objects.filter(user=head).delete()
    client = csrf_client()
    sign_in(client, head.email, PASSWORD)
    response = client.get(reverse(SETUP))
    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=head)
    assert device.confirmed is False
    assert response.context["qr_data_uri"].startswith("data:image/svg+xml")
    assert len(response.context["secret"]) >= 32
    # Coming back to the page shows the same device, not a new secret each time.
    assert client.get(reverse(SETUP)).context["secret"] == response.context["secret"]
    assert TOTPDevice.objects.filter(user=head).count() == 1

    wrong = csrf_post(client, reverse(SETUP), {"otp_token": wrong_code_for(device)})
    assert wrong.status_code == 200 and wrong.context["form"].errors["otp_token"]
    device.refresh_from_db()
    assert device.confirmed is False
    # The failure throttles the device for a second; a person takes longer than that to retype.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)

    right = csrf_post(
        client, f"{reverse(SETUP)}?next={reverse('accounts:pupil_list')}", {"otp_token": code_for(device)}
    )
    assert right.status_code == 302 and right["Location"] == reverse("accounts:pupil_list")
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.get(reverse("accounts:pupil_list")).status_code == 200
    # With a confirmed device, set-up is over: the page sends them to verify instead.
    assert client.get(reverse(SETUP))["Location"] == reverse(VERIFY)


def test_the_admin_refuses_an_unverified_superuser(client_for):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    TOTPDevice.objects.create(user=admin_user, name="Authenticator app", confirmed=True)
    unverified = client_for(admin_user, verified=False)
    response = unverified.get("/django-admin/")
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/django-admin/login/"
    assert unverified.get("/django-admin/accounts/pupil/").status_code == 302
    assert client_for(admin_user).get("/django-admin/").status_code == 200


def test_the_admin_sign_in_also_needs_the_code(personas):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=admin_user, name="Authenticator app", confirmed=True)
    url = reverse("admin:login")
    no_code = csrf_client()
    response = csrf_post(no_code, url, {"username": admin_user.email, "password": PASSWORD})
    assert response.status_code == 200 and signed_in_user_id(no_code) is None
    client = csrf_client()
    response = csrf_post(
        client,
        url,
        {
            "username": admin_user.email,
            "password": PASSWORD,
            "otp_device": device.persistent_id,
            "otp_token": code_for(device),
        },
    )
    assert response.status_code == 302
    assert client.get("/django-admin/").status_code == 200


def test_sign_out_is_post_only(personas, client_for):
    user = personas.a[Role.STAFF]
    client = client_for(user, enforce_csrf_checks=True)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert signed_in_user_id(client) == str(user.pk)
    # Without the token a third-party page cannot sign anyone out.
    assert client.post(reverse("accounts:logout")).status_code == 403
    assert signed_in_user_id(client) == str(user.pk)
    client.cookies["csrftoken"] = "x" * 32
    response = client.post(reverse("accounts:logout"), {"csrfmiddlewaretoken": "x" * 32})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert signed_in_user_id(client) is None
    assert client.get(reverse("home")).status_code == 302


def test_a_privileged_user_can_sign_out_before_the_code(personas):
    client = csrf_client()
    sign_in(client, personas.a[Role.DSL].email, PASSWORD)
    response = csrf_post(client, reverse("accounts:logout"), {})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert signed_in_user_id(client) is None
