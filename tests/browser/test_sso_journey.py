"""Staff sign in with the trust's own account, in Chromium, through a real OpenID Connect provider
(the npm package oidc-provider on 127.0.0.1): the provider's sign-in page, the way back, and what the
portal says when it will not let someone in."""

from __future__ import annotations

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import TrustSignOn
from accounts.roles import Role
from accounts.views import totp_secret_base32
from tests.browser.conftest import axe_violations, current_code, screenshot
from tests.sso.provider import configure_sign_on, running_provider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUTTON = "Sign in with your school account"


@pytest.fixture(scope="module")
def provider(live_server):
    """The identity provider, with the live server's callback registered as the redirect URL."""
    with running_provider(f"{live_server.url}/account/sign-in/sso/callback/") as running:
        yield running


@pytest.fixture
def sign_on(personas, provider, live_server, settings, monkeypatch):
    settings.PORTAL_BASE_URL = live_server.url
    return configure_sign_on(personas.trust, provider, monkeypatch)


def sign_in_with_provider(page, username: str) -> None:
    """Press the trust's button and sign in at the provider as ``username``."""
    page.goto("/account/sign-in/")
    page.get_by_role("button", name=BUTTON).click()
    page.get_by_label("Username").fill(username)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()


def error_banner(page) -> str:
    return page.get_by_role("alert").inner_text() if page.get_by_role("alert").count() else page.content()


def test_a_member_of_staff_signs_in_with_their_school_account(page, live_server, personas, provider, sign_on):
    staff = personas.a[Role.STAFF]
    provider.set_accounts({"staff": {"email": staff.email, "name": staff.full_name, "amr": ["pwd"]}})
    page.goto("/account/sign-in/")
    assert page.get_by_role("heading", name="With your school or trust account").is_visible()
    assert axe_violations(page) == []
    screenshot(page, "sign-in-with-sso")
    sign_in_with_provider(page, "staff")
    assert page.url.rstrip("/") == live_server.url
    assert page.get_by_role("button", name="Sign out").is_visible()
    # Signing out ends the portal's session: the home page asks for sign-in again.
    page.get_by_role("button", name="Sign out").click()
    page.goto("/")
    assert "/account/sign-in/" in page.url


def test_the_dsl_whose_provider_checked_a_second_factor_goes_straight_in(
    page, live_server, personas, provider, sign_on
):
    dsl = personas.a[Role.DSL]
    provider.set_accounts({"dsl": {"email": dsl.email, "amr": ["pwd", "mfa"]}})
    sign_in_with_provider(page, "dsl")
    assert page.url.rstrip("/") == live_server.url
    assert page.get_by_text(Role.DSL.label).first.is_visible()


def test_the_dsl_signed_in_with_a_password_alone_enters_the_portals_code(
    page, live_server, personas, provider, sign_on
):
    dsl = personas.a[Role.DSL]
    provider.set_accounts({"dsl": {"email": dsl.email, "amr": ["pwd"]}})
    sign_in_with_provider(page, "dsl")
    assert "/account/two-factor/" in page.url
    secret = totp_secret_base32(TOTPDevice.objects.get(user=dsl))
    page.get_by_label("Security code").fill(current_code(secret))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert page.url.rstrip("/") == live_server.url


def test_an_account_of_another_domain_is_told_which_accounts_are_accepted(page, provider, sign_on):
    provider.set_accounts({"personal": {"email": "a.teacher@personal.example"}})
    sign_in_with_provider(page, "personal")
    assert "/account/sign-in/" in page.url
    message = error_banner(page)
    assert "You signed in to your Northfield Learning Trust account as a.teacher@personal.example" in message
    assert "The portal accepts only Northfield Learning Trust accounts (@test.example)" in message
    screenshot(page, "sign-in-sso-wrong-domain")


def test_an_address_with_no_portal_account_is_told_whom_to_ask(page, provider, sign_on):
    provider.set_accounts({"new": {"email": "new.teacher@test.example"}})
    sign_in_with_provider(page, "new")
    assert "/account/sign-in/" in page.url
    assert (
        "There is no portal account for staff with the email address new.teacher@test.example. "
        "Ask your school's administrator to add you." in error_banner(page)
    )


@pytest.mark.parametrize("token", ["tampered", "replayed"])
def test_a_tampered_or_replayed_token_is_refused(page, live_server, personas, provider, sign_on, token):
    dsl = personas.a[Role.DSL]
    provider.set_accounts({"dsl": {"email": dsl.email, "amr": ["pwd"], "token": token}})
    if token == "replayed":
        # A first sign-in gives the provider a token to send again; the second sign-in gets it back.
        sign_in_with_provider(page, "dsl")
        page.context.clear_cookies()
    sign_in_with_provider(page, "dsl")
    assert "/account/sign-in/" in page.url
    assert "The sign-in could not be checked, so it was refused. Start again." in error_banner(page)
    page.goto("/")
    assert re.search(r"/account/sign-in/", page.url)


def test_the_button_names_the_trusts_provider(page, sign_on):
    for provider_kind, label in (
        (TrustSignOn.Provider.ENTRA, "Sign in with Microsoft 365"),
        (TrustSignOn.Provider.GOOGLE, "Sign in with Google"),
    ):
        sign_on.provider = provider_kind
        sign_on.save(update_fields=["provider"])
        page.goto("/account/sign-in/")
        assert page.get_by_role("button", name=label).is_visible()
        screenshot(page, f"sign-in-{provider_kind}")
