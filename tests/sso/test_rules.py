"""The rules of single sign-on, one at a time: which amr values are multi-factor, which addresses a
trust's provider may vouch for, the token checks mozilla-django-oidc leaves to us, where the secret
comes from, and staff password sign-in switched off per trust."""

from __future__ import annotations

import time

import pytest
import requests
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.test import Client

from accounts import sso
from accounts.models import Trust, TrustSignOn
from accounts.roles import Role
from core.models import AuditEntry
from tests.factories import PASSWORD, TrustFactory

pytestmark = pytest.mark.django_db

ISSUER = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0"


def sign_on_for(trust: Trust, **fields) -> TrustSignOn:
    values = {
        "provider": TrustSignOn.Provider.ENTRA,
        "issuer": ISSUER,
        "client_id": "portal",
        "client_secret_variable": "PORTAL_TEST_SECRET",
        "allowed_domains": "northfield.example, school.example",
        **fields,
    }
    return TrustSignOn.objects.create(trust=trust, **values)


# --- amr --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amr", "multi_factor"),
    [
        (["pwd", "mfa"], True),
        (["mfa"], True),
        (["pwd", "otp"], True),  # something known and something held
        (["pin", "hwk"], True),
        (["face", "pwd"], True),
        (["pwd"], False),
        (["otp"], False),  # a one-time code alone is one factor
        (["pwd", "pin"], False),  # two things known are still one kind of factor
        (["hwk", "swk"], False),
        ([], False),
        (["wia"], False),
    ],
)
def test_which_amr_values_are_multi_factor(amr, multi_factor):
    assert sso.amr_is_multi_factor(amr) is multi_factor


def test_an_amr_that_is_not_a_list_is_no_factor_at_all():
    trust = TrustFactory()
    identity = sso.SignOnIdentity(sign_on=sign_on_for(trust), claims={"amr": "mfa"})
    assert identity.amr == [] and identity.multi_factor is False


# --- which addresses the provider may vouch for ------------------------------------------------------


def refusal(sign_on: TrustSignOn, **claims) -> str:
    return sso.identity_refusal(sso.SignOnIdentity(sign_on=sign_on, claims=claims))


def test_only_a_verified_address_in_the_trusts_domains_is_accepted():
    sign_on = sign_on_for(TrustFactory())
    assert refusal(sign_on, email="head@school.example", email_verified=True) == ""
    assert refusal(sign_on, email="Head@Northfield.Example", email_verified=True) == ""
    assert refusal(sign_on, email="head@school.example", email_verified=False) == "unverified"
    assert refusal(sign_on, email="head@school.example") == "unverified"
    assert refusal(sign_on, email="head@elsewhere.example", email_verified=True) == "domain"
    # A look-alike: the domain is compared whole, not by its ending.
    assert refusal(sign_on, email="head@evilschool.example", email_verified=True) == "domain"
    assert refusal(sign_on, email="head@school.example.evil", email_verified=True) == "domain"


def test_entra_ids_domain_owner_verified_claim_counts_as_verified():
    sign_on = sign_on_for(TrustFactory())
    assert refusal(sign_on, email="head@school.example", xms_edov=True) == ""
    assert refusal(sign_on, email="head@school.example", xms_edov=False) == "unverified"


def test_google_needs_the_workspace_domain_in_hd():
    sign_on = sign_on_for(
        TrustFactory(), provider=TrustSignOn.Provider.GOOGLE, issuer="https://accounts.google.com"
    )
    claims = {"email": "head@school.example", "email_verified": True}
    # A consumer Google account made for the school address has no hd.
    assert refusal(sign_on, **claims) == "domain"
    assert refusal(sign_on, **claims, hd="gmail.com") == "domain"
    assert refusal(sign_on, **claims, hd="school.example") == ""


def test_the_domains_are_tidied_when_saved():
    sign_on = TrustSignOn(
        trust=TrustFactory(),
        provider=TrustSignOn.Provider.GOOGLE,
        issuer="https://accounts.google.com/",
        client_id="portal",
        client_secret_variable="X",
        allowed_domains=" @School.Example,, trust.example ",
    )
    sign_on.full_clean()
    assert sign_on.allowed_domains == "school.example, trust.example"
    assert sign_on.issuer == "https://accounts.google.com"
    sign_on.allowed_domains = " , "
    with pytest.raises(ValidationError):
        sign_on.full_clean()


# --- the ID token checks the library leaves to us -----------------------------------------------------


def checked(**changes):
    sign_on = sign_on_for(TrustFactory())
    backend = sso.SignOnBackend.__new__(sso.SignOnBackend)
    backend.sign_on, backend.OIDC_RP_CLIENT_ID = sign_on, "portal"
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": "portal", "exp": now + 300, "iat": now, **changes}
    claims = {key: value for key, value in claims.items() if value is not None}
    backend._check_registered_claims(claims)


def test_a_well_formed_token_passes():
    checked()
    checked(aud=["portal", "other"], azp="portal")


@pytest.mark.parametrize(
    "changes",
    [
        {"iss": "https://login.microsoftonline.com/another-tenant/v2.0"},
        {"iss": None},
        {"aud": "another-app"},
        {"aud": ["another-app", "portal"]},  # several audiences and no azp naming us
        {"aud": ["another-app", "portal"], "azp": "another-app"},
        {"exp": int(time.time()) - 3600},
        {"exp": None},
        {"iat": int(time.time()) + 3600},
        {"iat": None},
    ],
)
def test_a_token_for_someone_else_or_out_of_time_is_refused(changes):
    with pytest.raises(SuspiciousOperation):
        checked(**changes)


# --- configuration --------------------------------------------------------------------------------------


def test_the_secret_comes_from_the_environment_or_a_file(monkeypatch, tmp_path):
    sign_on = sign_on_for(TrustFactory())
    monkeypatch.setenv("PORTAL_TEST_SECRET", "from-the-environment")
    assert sso.sign_on_secret(sign_on) == "from-the-environment"
    monkeypatch.delenv("PORTAL_TEST_SECRET")
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("PORTAL_TEST_SECRET_FILE", str(secret))
    assert sso.sign_on_secret(sign_on) == "from-a-file"
    monkeypatch.delenv("PORTAL_TEST_SECRET_FILE")
    with pytest.raises(sso.SignOnError):
        sso.sign_on_secret(sign_on)


class _Answer:
    def __init__(self, document):
        self.document = document

    def raise_for_status(self):
        return None

    def json(self):
        return self.document


def test_a_discovery_document_naming_another_issuer_is_refused(monkeypatch):
    cache.clear()
    sign_on = sign_on_for(TrustFactory())
    monkeypatch.setattr(requests, "get", lambda url, timeout: _Answer({"issuer": "https://evil.example"}))
    with pytest.raises(sso.SignOnError) as refused:
        sso.sign_on_endpoints(sign_on)
    assert refused.value.reason == "the discovery document names another issuer"
    monkeypatch.setattr(
        requests, "get", lambda url, timeout: _Answer({"issuer": ISSUER, "token_endpoint": "t"})
    )
    assert sso.sign_on_endpoints(sign_on)["token_endpoint"] == "t"


def test_the_backend_never_creates_users():
    backend = sso.SignOnBackend()
    assert backend.get_settings("OIDC_CREATE_USER") is False
    assert backend.get_settings("OIDC_USE_NONCE") is True
    assert backend.get_settings("OIDC_ALLOW_UNSECURED_JWT") is False


# --- staff password sign-in, switched off per trust ------------------------------------------------------


def password_sign_in(email: str):
    return Client().post("/account/sign-in/", {"username": email, "password": PASSWORD})


def test_a_trust_can_switch_staff_password_sign_in_off(personas):
    sign_on_for(personas.trust, staff_password_sign_in=False)
    for user in (personas.a[Role.STAFF], personas.a[Role.DSL], personas[Role.TRUST_ADMINISTRATOR]):
        response = password_sign_in(user.email)
        assert response.status_code == 200, user
        assert (
            "Staff sign in with their school or trust account. Use the ‘Sign in with Microsoft 365’ "
            "button on this page." in response.content.decode()
        )
        assert "_auth_user_id" not in response.wsgi_request.session
    entry = AuditEntry.objects.filter(verb=AuditEntry.Verb.LOGIN_FAILED).first()
    assert entry.changes["event"][1] == "password sign-in is switched off for this trust's staff"
    # Pupils and parents keep their passwords.
    for role in (Role.PUPIL, Role.PARENT):
        assert password_sign_in(personas.a[role].email).status_code == 302


def test_staff_keep_their_passwords_unless_their_trust_says_otherwise(personas):
    assert password_sign_in(personas.a[Role.STAFF].email).status_code == 302
    sign_on = sign_on_for(personas.trust, staff_password_sign_in=True)
    assert password_sign_in(personas.a[Role.STAFF].email).status_code == 302
    # Another trust's choice does not reach these staff.
    sign_on.delete()
    sign_on_for(TrustFactory(), staff_password_sign_in=False)
    assert password_sign_in(personas.a[Role.STAFF].email).status_code == 302
    # Nor does a switched-off sign-on of their own trust.
    TrustSignOn.objects.all().delete()
    sign_on_for(personas.trust, staff_password_sign_in=False, enabled=False)
    assert password_sign_in(personas.a[Role.STAFF].email).status_code == 302


def test_a_wrong_password_says_nothing_about_single_sign_on(personas):
    sign_on_for(personas.trust, staff_password_sign_in=False)
    response = Client().post(
        "/account/sign-in/", {"username": personas.a[Role.STAFF].email, "password": "nope"}
    )
    page = response.content.decode()
    assert "Enter a correct email address and password." in page
    assert "Staff sign in with" not in page
