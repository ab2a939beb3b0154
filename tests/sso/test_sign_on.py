"""Single sign-on against a real OpenID Connect provider (oidc-provider on Node), through the portal's
own pages with the test client: who gets in, who is refused and why, the second factor, the lockout,
the audit trail and the session clocks."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.messages import get_messages
from django.test import Client
from django_otp import devices_for_user

from accounts.middleware import SESSION_LAST_SEEN, SESSION_STARTED
from accounts.models import Membership, SignOnDevice, User
from accounts.roles import Role
from core.models import AuditEntry
from tests.factories import PASSWORD
from tests.sso.provider import DOMAIN, configure_sign_on, provider_redirect_back, sign_in_through_provider

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("portal_address")]

HOME = "/"
TWO_FACTOR = "/account/two-factor/"


@pytest.fixture
def sign_on(personas, oidc_provider, monkeypatch):
    return configure_sign_on(personas.trust, oidc_provider, monkeypatch)


def signed_in_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_member_of_staff_signs_in_with_the_trusts_account(personas, oidc_provider, sign_on):
    staff = personas.a[Role.STAFF]
    oidc_provider.set_accounts({"staff": {"email": staff.email, "amr": ["pwd"]}})
    client = Client()
    response = sign_in_through_provider(client, oidc_provider, sign_on, "staff")
    assert response.status_code == 302 and response["Location"] == HOME
    assert signed_in_id(client) == str(staff.pk)
    # A member of staff needs no second factor: their home page opens.
    assert client.get(HOME).status_code == 200
    entry = AuditEntry.objects.filter(verb=AuditEntry.Verb.LOGIN).get()
    assert entry.object_id == str(staff.pk) and entry.trust_id == personas.trust.pk
    # The session clocks start at an SSO sign-in as at a password.
    assert client.session[SESSION_STARTED] and client.session[SESSION_LAST_SEEN]


def test_the_address_matches_whatever_its_case(personas, oidc_provider, sign_on):
    staff = personas.a[Role.STAFF]
    oidc_provider.set_accounts({"staff": {"email": staff.email.upper()}})
    client = Client()
    sign_in_through_provider(client, oidc_provider, sign_on, "staff")
    assert signed_in_id(client) == str(staff.pk)


def test_an_unknown_address_is_refused_and_nobody_is_created(personas, oidc_provider, sign_on):
    people, roles = User.objects.count(), Membership.objects.count()
    oidc_provider.set_accounts({"newcomer": {"email": f"new.teacher@{DOMAIN}"}})
    client = Client()
    response = sign_in_through_provider(client, oidc_provider, sign_on, "newcomer")
    assert response.status_code == 302 and response["Location"] == "/account/sign-in/"
    assert signed_in_id(client) is None
    assert messages_of(response) == [
        f"There is no portal account for staff with the email address new.teacher@{DOMAIN}. Ask your "
        "school's administrator to add you. Pupils, parents and carers sign in with their email address "
        "and password."
    ]
    assert (User.objects.count(), Membership.objects.count()) == (people, roles)
    entry = AuditEntry.objects.get(verb=AuditEntry.Verb.LOGIN_FAILED)
    assert entry.object_repr == f"new.teacher@{DOMAIN}"
    assert entry.changes["event"][1] == (
        "single sign-on refused: no active member of staff of this trust has this email address"
    )


@pytest.mark.parametrize("role", [Role.PUPIL, Role.PARENT])
def test_pupils_and_parents_keep_their_passwords(personas, oidc_provider, sign_on, role):
    # Their addresses may be in the trust's domain, but SSO is for the workforce only.
    user = personas.a[role]
    oidc_provider.set_accounts({"person": {"email": user.email}})
    client = Client()
    sign_in_through_provider(client, oidc_provider, sign_on, "person")
    assert signed_in_id(client) is None


def test_a_deactivated_member_of_staff_is_refused(personas, oidc_provider, sign_on):
    staff = personas.a[Role.STAFF]
    User.objects.filter(pk=staff.pk).update(is_active=False)
    oidc_provider.set_accounts({"staff": {"email": staff.email}})
    client = Client()
    sign_in_through_provider(client, oidc_provider, sign_on, "staff")
    assert signed_in_id(client) is None


def test_an_address_outside_the_trusts_domains_is_refused(personas, oidc_provider, sign_on):
    oidc_provider.set_accounts({"guest": {"email": "someone@elsewhere.example"}})
    client = Client()
    response = sign_in_through_provider(client, oidc_provider, sign_on, "guest")
    assert signed_in_id(client) is None
    assert messages_of(response) == [
        "You signed in to your Northfield Learning Trust account as someone@elsewhere.example. The "
        f"portal accepts only Northfield Learning Trust accounts (@{DOMAIN}). Sign out of your "
        "Northfield Learning Trust account and sign in with your school or trust account."
    ]
    entry = AuditEntry.objects.get(verb=AuditEntry.Verb.LOGIN_FAILED)
    assert entry.changes["event"][1] == "single sign-on refused: email domain not allowed for this trust"


def test_an_address_the_provider_has_not_verified_is_refused(personas, oidc_provider, sign_on):
    staff = personas.a[Role.STAFF]
    oidc_provider.set_accounts({"staff": {"email": staff.email, "email_verified": False}})
    client = Client()
    response = sign_in_through_provider(client, oidc_provider, sign_on, "staff")
    assert signed_in_id(client) is None
    assert "has not verified the email address" in messages_of(response)[0]
    # Filed under the account, so the trust's log shows whose address it was.
    entry = AuditEntry.objects.get(verb=AuditEntry.Verb.LOGIN_FAILED)
    assert entry.object_id == str(staff.pk)


def test_the_providers_multi_factor_check_stands_for_the_portals_code(personas, oidc_provider, sign_on):
    dsl = personas.a[Role.DSL]
    oidc_provider.set_accounts({"dsl": {"email": dsl.email, "amr": ["pwd", "mfa"]}})
    client = Client()
    sign_in_through_provider(client, oidc_provider, sign_on, "dsl")
    assert client.get(HOME).status_code == 200
    assert AuditEntry.objects.filter(verb=AuditEntry.Verb.TWO_FACTOR, object_id=str(dsl.pk)).exists()
    # The stand-in is never offered as a device to type a code into.
    assert SignOnDevice.objects.filter(user=dsl).count() == 1
    assert [d.persistent_id for d in devices_for_user(dsl)] == [
        d.persistent_id for d in devices_for_user(dsl) if not isinstance(d, SignOnDevice)
    ]


def test_without_multi_factor_a_privileged_role_is_asked_for_the_portals_code(
    personas, oidc_provider, sign_on
):
    dsl = personas.a[Role.DSL]
    oidc_provider.set_accounts({"dsl": {"email": dsl.email, "amr": ["pwd"]}})
    client = Client()
    sign_in_through_provider(client, oidc_provider, sign_on, "dsl")
    assert signed_in_id(client) == str(dsl.pk)
    response = client.get(HOME)
    assert response.status_code == 302 and response["Location"].startswith(TWO_FACTOR)
    assert not SignOnDevice.objects.exists()


def test_no_amr_at_all_is_no_second_factor(personas, oidc_provider, sign_on):
    head = personas.a[Role.HEADTEACHER]
    oidc_provider.set_accounts({"head": {"email": head.email}})
    client = Client()
    sign_in_through_provider(client, oidc_provider, sign_on, "head")
    assert client.get(HOME)["Location"].startswith(TWO_FACTOR)


def test_a_tampered_token_is_refused(personas, oidc_provider, sign_on):
    # Someone between the provider and the portal adds "mfa" to the token: the signature no longer fits.
    dsl = personas.a[Role.DSL]
    oidc_provider.set_accounts({"dsl": {"email": dsl.email, "amr": ["pwd"], "token": "tampered"}})
    client = Client()
    response = sign_in_through_provider(client, oidc_provider, sign_on, "dsl")
    assert signed_in_id(client) is None
    assert messages_of(response) == ["The sign-in could not be checked, so it was refused. Start again."]
    entry = AuditEntry.objects.get(verb=AuditEntry.Verb.LOGIN_FAILED)
    assert entry.trust_id == personas.trust.pk
    assert entry.changes["event"][1].startswith("single sign-on refused: ID token refused")


def test_a_replayed_token_is_refused(personas, oidc_provider, sign_on):
    # The provider hands back the token of an earlier sign-in: its nonce is not this sign-in's.
    staff = personas.a[Role.STAFF]
    oidc_provider.set_accounts({"staff": {"email": staff.email, "token": "replayed"}})
    first = Client()
    sign_in_through_provider(first, oidc_provider, sign_on, "staff")
    assert signed_in_id(first) == str(staff.pk)
    second = Client()
    response = sign_in_through_provider(second, oidc_provider, sign_on, "staff")
    assert signed_in_id(second) is None
    assert messages_of(response) == ["The sign-in could not be checked, so it was refused. Start again."]


def test_a_replayed_answer_is_refused(personas, oidc_provider, sign_on):
    staff = personas.a[Role.STAFF]
    oidc_provider.set_accounts({"staff": {"email": staff.email}})
    client = Client()
    start = client.get("/account/sign-in/sso/", {"sign_on": str(sign_on.pk)})
    back = provider_redirect_back(oidc_provider, start["Location"], "staff")
    url = f"{back.path}?{back.query}"
    assert client.get(url).status_code == 302 and signed_in_id(client) == str(staff.pk)
    # The same answer again, in the same browser after signing out and in another browser.
    client.post("/account/sign-out/")
    again = client.get(url)
    assert signed_in_id(client) is None
    assert messages_of(again)[-1] == "That sign-in has already been used or has expired. Start again."
    elsewhere = Client()
    elsewhere.get(url)
    assert signed_in_id(elsewhere) is None


def test_signing_out_ends_the_portal_session(personas, oidc_provider, sign_on):
    staff = personas.a[Role.STAFF]
    oidc_provider.set_accounts({"staff": {"email": staff.email}})
    client = Client()
    sign_in_through_provider(client, oidc_provider, sign_on, "staff")
    client.post("/account/sign-out/")
    assert signed_in_id(client) is None
    assert client.get(HOME)["Location"].startswith("/account/sign-in/")


def test_refused_single_sign_ons_count_towards_the_lockout(personas, oidc_provider, sign_on):
    staff = personas.a[Role.STAFF]
    oidc_provider.set_accounts({"staff": {"email": staff.email, "email_verified": False}})
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in_through_provider(Client(), oidc_provider, sign_on, "staff")
    assert AccessAttempt.objects.get(username=staff.email).failures_since_start == settings.AXES_FAILURE_LIMIT
    # The address is now locked for passwords and for single sign-on alike.
    client = Client()
    response = client.post("/account/sign-in/", {"username": staff.email, "password": PASSWORD})
    assert response.status_code == 429
    oidc_provider.set_accounts({"staff": {"email": staff.email}})
    response = sign_in_through_provider(client, oidc_provider, sign_on, "staff")
    assert response.status_code == 429 and signed_in_id(client) is None


def test_a_locked_out_address_cannot_sign_in_through_the_provider(personas, oidc_provider, sign_on):
    staff = personas.a[Role.STAFF]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post("/account/sign-in/", {"username": staff.email, "password": "wrong password here"})
    oidc_provider.set_accounts({"staff": {"email": staff.email}})
    client = Client()
    response = sign_in_through_provider(client, oidc_provider, sign_on, "staff")
    assert response.status_code == 429
    assert settings.AXES_LOCKOUT_TEMPLATE in [t.name for t in response.templates]
    assert signed_in_id(client) is None


def test_a_success_resets_the_count(personas, oidc_provider, sign_on):
    staff = personas.a[Role.STAFF]
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        Client().post("/account/sign-in/", {"username": staff.email, "password": "wrong password here"})
    oidc_provider.set_accounts({"staff": {"email": staff.email}})
    sign_in_through_provider(Client(), oidc_provider, sign_on, "staff")
    assert not AccessAttempt.objects.filter(username=staff.email).exists()


def test_the_page_asked_for_is_reached_after_signing_in(personas, oidc_provider, sign_on):
    staff = personas.a[Role.STAFF]
    oidc_provider.set_accounts({"staff": {"email": staff.email}})
    for asked, reached in (("/incidents/mine/", "/incidents/mine/"), ("https://evil.example/", HOME)):
        client = Client()
        start = client.get("/account/sign-in/sso/", {"sign_on": str(sign_on.pk), "next": asked})
        back = provider_redirect_back(oidc_provider, start["Location"], "staff")
        assert client.get(f"{back.path}?{back.query}")["Location"] == reached


def test_a_switched_off_sign_on_cannot_be_started(personas, oidc_provider, sign_on):
    sign_on.enabled = False
    sign_on.save(update_fields=["enabled"])
    response = Client().get("/account/sign-in/sso/", {"sign_on": str(sign_on.pk)})
    assert response.status_code == 302 and response["Location"] == "/account/sign-in/"
    assert "Sign in with your school account" not in Client().get("/account/sign-in/").content.decode()


def test_a_missing_secret_is_reported_before_anyone_signs_in(personas, oidc_provider, sign_on, monkeypatch):
    monkeypatch.delenv(sign_on.client_secret_variable)
    response = Client().get("/account/sign-in/sso/", {"sign_on": str(sign_on.pk)})
    assert response["Location"] == "/account/sign-in/"
    assert messages_of(response)[0].startswith("Single sign-on is not set up fully.")


def test_the_sign_in_page_offers_the_button(personas, sign_on):
    page = Client().get("/account/sign-in/").content.decode()
    assert "Sign in with your school account" in page
    assert f'href="/account/sign-in/sso/?sign_on={sign_on.pk}"' in page
