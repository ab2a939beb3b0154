"""Single sign-on with a trust's Microsoft Entra ID or Google Workspace (OpenID Connect).

mozilla-django-oidc does the protocol: the state, nonce and PKCE verifier kept in the session, the
code exchanged at the token endpoint, the provider's signing key found in its JWKS and the ID
token's signature checked with the one algorithm we expect, and the nonce matched. Its settings
name one provider for the whole site; here each trust has its own (accounts.models.TrustSignOn), so
``SignOnBackend`` is configured from the trust's row instead. What the library leaves to us is
checked here too: the token's issuer and audience, and that the userinfo answer is about the same
person as the token.

Signing in is then Django's ``authenticate()`` with the verified identity, so the lockout (django-axes
counts a refusal against the address in the token), the audit trail (the sign-in signals) and the
session clocks (accounts.middleware) apply as they do to a password. An identity links only to an
existing, active person of that trust's workforce whose address the provider has verified and whose
domain the trust allows: no account and no role is ever created from a token.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.urls import reverse
from django.utils.crypto import get_random_string
from django_otp import login as otp_login
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import add_state_and_verifier_and_nonce_to_session, generate_code_challenge

from accounts import access
from accounts.models import SignOnDevice, TrustSignOn, User
from core.audit import audit_record
from core.models import AuditEntry

logger = logging.getLogger(__name__)

SCOPES = "openid email profile"
SIGNING_ALGORITHM = "RS256"  # what Entra ID and Google sign ID tokens with
HTTP_TIMEOUT = 10
DISCOVERY_CACHE_SECONDS = 60 * 60
# A sign-in left at the provider's page longer than this starts again.
STATE_LIFETIME_SECONDS = 10 * 60
# Seconds of clock difference allowed between the provider and us.
LEEWAY_SECONDS = 120

# RFC 8176 authentication method references, by kind of factor. A token proves more than one
# factor when it says "mfa", or names methods of two different kinds (a password and a hardware
# key); one kind twice (a password and a PIN) is still one factor.
KNOWLEDGE = frozenset({"pwd", "pin", "kba"})
POSSESSION = frozenset({"otp", "hwk", "swk", "sms", "tel", "sc", "pop"})
INHERENCE = frozenset({"fpt", "face", "iris", "retina", "vbm"})


class SignOnError(Exception):
    """Single sign-on stopped: ``message`` is for the person, ``reason`` for the audit log."""

    def __init__(self, message: str, reason: str, sign_on: TrustSignOn | None = None):
        super().__init__(reason)
        self.message = message
        self.reason = reason
        self.sign_on = sign_on


@dataclass
class SignOnIdentity:
    """Who the provider says signed in: the claims of a verified ID token (and userinfo)."""

    sign_on: TrustSignOn
    claims: dict[str, Any]
    # Set by SignOnBackend when it turns the identity away: a key of REFUSALS.
    refusal: str = ""
    next_url: str = field(default="", repr=False)

    @property
    def email(self) -> str:
        return str(self.claims.get("email") or "").strip().lower()

    @property
    def amr(self) -> list[str]:
        value = self.claims.get("amr") or []
        return [str(item) for item in value] if isinstance(value, list) else []

    @property
    def multi_factor(self) -> bool:
        return amr_is_multi_factor(self.amr)

    def refusal_reason(self) -> str:
        """Why it was refused, for the audit log."""
        if not self.refusal:
            # SignOnBackend never saw it: django-axes stopped the sign-in first.
            return "single sign-on refused: the address is locked out"
        return f"single sign-on refused: {REFUSALS[self.refusal][1]}"

    def refusal_message(self) -> str:
        """What the person is told when SignOnBackend refused this identity."""
        template = REFUSALS.get(self.refusal, REFUSALS["unknown"])[0]
        return template.format(
            email=self.email,
            provider=provider_name(self.sign_on),
            domains=", ".join(f"@{d}" for d in self.sign_on.domains()),
            trust=self.sign_on.trust,
        )


# refusal → (message for the person, reason for the audit log)
REFUSALS = {
    "unverified": (
        "{provider} has not verified the email address {email}, so the portal cannot tell who you "
        "are. Ask your trust's IT team to check your account.",
        "email address not verified by the identity provider",
    ),
    "domain": (
        "You signed in to {provider} as {email}. The portal accepts only {trust} accounts ({domains}). "
        "Sign out of {provider} and sign in with your school or trust account.",
        "email domain not allowed for this trust",
    ),
    "unknown": (
        "There is no portal account for staff with the email address {email}. Ask your school's "
        "administrator to add you. Pupils, parents and carers sign in with their email address and "
        "password.",
        "no active member of staff of this trust has this email address",
    ),
}


def provider_name(sign_on: TrustSignOn) -> str:
    """The name people know the provider by ("Microsoft 365", "Google")."""
    return {
        TrustSignOn.Provider.ENTRA: "Microsoft 365",
        TrustSignOn.Provider.GOOGLE: "Google",
    }.get(sign_on.provider, f"your {sign_on.trust} account")


def amr_is_multi_factor(amr: list[str]) -> bool:
    """Does this ``amr`` claim say more than one factor was used?"""
    methods = set(amr)
    if "mfa" in methods:
        return True
    kinds = [kind for kind in (KNOWLEDGE, POSSESSION, INHERENCE) if methods & kind]
    return len(kinds) >= 2


# --- selectors -----------------------------------------------------------------------------------


def sign_on_options() -> list[TrustSignOn]:
    """The trusts' single sign-on buttons for the sign-in page."""
    return list(TrustSignOn.objects.filter(enabled=True).select_related("trust").order_by("trust__name"))


def password_sign_in_allowed(user: User) -> bool:
    """May this person sign in with a password? Not staff of a trust that has switched it off."""
    if not access.is_workforce(user):
        return True
    trusts = {m.trust_id for m in access.memberships(user)}
    return not TrustSignOn.objects.filter(
        trust_id__in=trusts, enabled=True, staff_password_sign_in=False
    ).exists()


def password_refusal_message(user: User) -> str:
    """What a member of staff is told when their trust signs staff in only through its provider."""
    trusts = {m.trust_id for m in access.memberships(user)}
    sign_on = TrustSignOn.objects.filter(trust_id__in=trusts, enabled=True).order_by("trust__name").first()
    label = sign_on.sign_in_label() if sign_on else "Sign in with your school account"
    return f"Staff sign in with their school or trust account. Use the ‘{label}’ button on this page."


def sign_on_secret(sign_on: TrustSignOn) -> str:
    """The client secret, from the environment variable the row names or the file NAME_FILE names."""
    name = sign_on.client_secret_variable
    value = os.environ.get(name, "")
    if not value and os.environ.get(f"{name}_FILE"):
        value = Path(os.environ[f"{name}_FILE"]).read_text(encoding="utf-8").strip()
    if not value:
        logger.error("Single sign-on of %s: neither %s nor %s_FILE is set", sign_on.trust, name, name)
        raise SignOnError(_NOT_SET_UP, f"client secret missing ({name})", sign_on)
    return value


def sign_on_endpoints(sign_on: TrustSignOn) -> dict[str, Any]:
    """The provider's endpoints, from its discovery document (kept for an hour)."""
    key = f"sso-discovery:{sign_on.issuer}"
    document = cache.get(key)
    if document is None:
        url = f"{sign_on.issuer.rstrip('/')}/.well-known/openid-configuration"
        try:
            response = requests.get(url, timeout=HTTP_TIMEOUT)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as error:
            logger.warning("Single sign-on of %s: discovery failed: %s", sign_on.trust, error)
            raise SignOnError(
                _UNREACHABLE.format(provider=provider_name(sign_on)), "discovery failed", sign_on
            ) from error
        # A document that names another issuer would have us accept that issuer's tokens.
        if document.get("issuer") != sign_on.issuer:
            raise SignOnError(_NOT_SET_UP, "the discovery document names another issuer", sign_on)
        cache.set(key, document, DISCOVERY_CACHE_SECONDS)
    return document


_NOT_SET_UP = "Single sign-on is not set up fully. Tell your trust's IT team, or sign in with your password."
_UNREACHABLE = "{provider} did not answer. Try again in a few minutes."
_START_AGAIN = "That sign-in has already been used or has expired. Start again."
_REFUSED = "The sign-in could not be checked, so it was refused. Start again."


# --- the protocol, through mozilla-django-oidc ---------------------------------------------------


class SignOnBackend(OIDCAuthenticationBackend):
    """The authentication backend of single sign-on, configured per trust.

    Django builds it with no arguments; ``authenticate`` then only links a verified identity to a
    person. Built with a trust's row (``SignOnBackend(sign_on)``), it exchanges a code and
    verifies the ID token with that trust's provider.
    """

    def __init__(self, sign_on: TrustSignOn | None = None, endpoints: dict | None = None):
        # The library's __init__ reads one provider from the settings; each trust has its own.
        self.UserModel = User
        self.sign_on = sign_on
        endpoints = endpoints or {}
        self.OIDC_OP_TOKEN_ENDPOINT = endpoints.get("token_endpoint")
        self.OIDC_OP_USER_ENDPOINT = endpoints.get("userinfo_endpoint")
        self.OIDC_OP_JWKS_ENDPOINT = endpoints.get("jwks_uri")
        self.OIDC_RP_CLIENT_ID = sign_on.client_id if sign_on else None
        self.OIDC_RP_CLIENT_SECRET = sign_on_secret(sign_on) if sign_on else None
        self.OIDC_RP_SIGN_ALGO = SIGNING_ALGORITHM
        self.OIDC_RP_IDP_SIGN_KEY = None

    def get_settings(self, attr, *args):  # type: ignore[override]
        """The library's settings, fixed here: never create users, always check the nonce."""
        fixed = {
            "OIDC_CREATE_USER": False,
            "OIDC_USE_NONCE": True,
            "OIDC_ALLOW_UNSECURED_JWT": False,
            "OIDC_TOKEN_USE_BASIC_AUTH": False,
            "OIDC_VERIFY_SSL": True,
            "OIDC_TIMEOUT": HTTP_TIMEOUT,
            "OIDC_PROXY": None,
            "OIDC_STORE_ACCESS_TOKEN": False,
            "OIDC_STORE_ID_TOKEN": False,
            "OIDC_RP_SCOPES": SCOPES,
        }
        if attr in fixed:
            return fixed[attr]
        return super().get_settings(attr, *args)

    def authenticate(self, request, username=None, sso_identity: SignOnIdentity | None = None, **kwargs):
        """The person a verified identity belongs to, or None (with ``sso_identity.refusal`` set)."""
        if sso_identity is None or request is None:
            return None
        refusal = identity_refusal(sso_identity)
        user = None
        if not refusal:
            user = _person_for(sso_identity)
            refusal = "" if user is not None else "unknown"
        sso_identity.refusal = refusal
        return user

    def get_user(self, user_id):
        user = User.objects.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

    # The library's protocol steps, with the checks it leaves to its users.

    def identity_from_code(self, *, code: str, code_verifier: str | None, nonce: str) -> dict[str, Any]:
        """Exchange the code and return the verified claims of the ID token (plus userinfo)."""
        token_info = self.get_token(
            {
                "client_id": self.OIDC_RP_CLIENT_ID,
                "client_secret": self.OIDC_RP_CLIENT_SECRET,
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": callback_url(),
                **({"code_verifier": code_verifier} if code_verifier else {}),
            }
        )
        id_token = token_info.get("id_token")
        if not id_token:
            raise SuspiciousOperation("The token response has no ID token.")
        claims = self.verify_token(id_token, nonce=nonce)
        self._check_registered_claims(claims)
        if "email" not in claims and self.OIDC_OP_USER_ENDPOINT:
            userinfo = self.get_userinfo(token_info.get("access_token"), id_token, claims)
            # Userinfo answers for the access token; it must be about the person the token names.
            if userinfo.get("sub") != claims.get("sub"):
                raise SuspiciousOperation("Userinfo is about another subject than the ID token.")
            claims = {**userinfo, **claims}
        return claims

    def _check_registered_claims(self, claims: dict[str, Any]) -> None:
        now = time.time()
        if claims.get("iss") != self.sign_on.issuer:
            raise SuspiciousOperation("The ID token is from another issuer.")
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The ID token is for another client.")
        if len(audiences) > 1 and claims.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SuspiciousOperation("The ID token was issued to another party.")
        # PyJWT checks exp only when present; an ID token must carry it.
        if not isinstance(claims.get("exp"), int | float) or claims["exp"] < now - LEEWAY_SECONDS:
            raise SuspiciousOperation("The ID token has expired.")
        if not isinstance(claims.get("iat"), int | float) or claims["iat"] > now + LEEWAY_SECONDS:
            raise SuspiciousOperation("The ID token was issued in the future.")


def identity_refusal(identity: SignOnIdentity) -> str:
    """Why the provider's word is not enough for this identity ("" when it is): a key of REFUSALS."""
    claims = identity.claims
    # Entra ID does not send email_verified; it marks an address from a domain the tenant owns with
    # its optional claim xms_edov. An unverified address could be anyone's.
    verified = claims.get("email_verified") in (True, "true") or claims.get("xms_edov") in (True, "true")
    if not verified:
        return "unverified"
    domain = identity.email.rpartition("@")[2]
    if domain not in identity.sign_on.domains():
        return "domain"
    # A Google account can be made for any address; only the Workspace's own carry its domain in hd.
    if (
        identity.sign_on.provider == TrustSignOn.Provider.GOOGLE
        and claims.get("hd") not in identity.sign_on.domains()
    ):
        return "domain"
    return ""


def _person_for(identity: SignOnIdentity) -> User | None:
    users = list(User.objects.filter(email__iexact=identity.email, is_active=True)[:2])
    if len(users) != 1:
        return None
    user = users[0]
    works_here = access.is_workforce(user) and any(
        m.trust_id == identity.sign_on.trust_id for m in access.memberships(user)
    )
    return user if works_here else None


def callback_url() -> str:
    """The redirect URL registered with the provider: the portal's public address and the callback."""
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}{reverse('accounts:sso_callback')}"


# --- services ------------------------------------------------------------------------------------


def sso_begin(*, request, sign_on: TrustSignOn, next_url: str) -> str:
    """Remember a new sign-in in the session and return the provider's authorization URL."""
    endpoints = sign_on_endpoints(sign_on)
    sign_on_secret(sign_on)  # a missing secret is reported now, not after the person has signed in
    state = get_random_string(32)
    nonce = get_random_string(32)
    code_verifier = get_random_string(64)
    params = {
        "response_type": "code",
        "scope": SCOPES,
        "client_id": sign_on.client_id,
        "redirect_uri": callback_url(),
        "state": state,
        "nonce": nonce,
        "code_challenge": generate_code_challenge(code_verifier, "S256"),
        "code_challenge_method": "S256",
    }
    if sign_on.provider in (TrustSignOn.Provider.ENTRA, TrustSignOn.Provider.GOOGLE):
        # School computers are shared: ask which account, rather than signing in whoever used the
        # browser last.
        params["prompt"] = "select_account"
    if sign_on.provider == TrustSignOn.Provider.GOOGLE and len(sign_on.domains()) == 1:
        params["hd"] = sign_on.domains()[0]
    add_state_and_verifier_and_nonce_to_session(request, state, params, code_verifier)
    request.session["oidc_states"][state].update(sign_on=str(sign_on.pk), next=next_url)
    request.session.modified = True
    return f"{endpoints['authorization_endpoint']}?{urlencode(params)}"


def sso_complete(*, request) -> SignOnIdentity:
    """Check the provider's answer to a sign-in this browser started; the verified identity."""
    query = request.GET
    states = request.session.get("oidc_states") or {}
    # Used once: a second use of the same answer (a replay) finds nothing.
    started = states.pop(query.get("state", ""), None) if query.get("state") else None
    request.session["oidc_states"] = states
    if started is None:
        raise SignOnError(_START_AGAIN, "the answer matches no sign-in started in this browser")
    sign_on = (
        TrustSignOn.objects.filter(pk=started.get("sign_on"), enabled=True).select_related("trust").first()
    )
    if sign_on is None:
        raise SignOnError(_NOT_SET_UP, "single sign-on was switched off during the sign-in")
    if time.time() - started.get("added_on", 0) > STATE_LIFETIME_SECONDS:
        raise SignOnError(_START_AGAIN, "the sign-in took longer than 10 minutes", sign_on)
    if query.get("error"):
        raise SignOnError(
            f"{provider_name(sign_on)} did not sign you in. Start again, or ask your trust's IT team.",
            f"the identity provider answered {query.get('error')[:60]}",
            sign_on,
        )
    endpoints = sign_on_endpoints(sign_on)
    # An answer naming another issuer is a mix-up attack (RFC 9207), whatever its code.
    if query.get("iss") and query.get("iss") != sign_on.issuer:
        raise SignOnError(_REFUSED, "the answer names another issuer", sign_on)
    if not query.get("code"):
        raise SignOnError(_REFUSED, "the answer has no code", sign_on)
    backend = SignOnBackend(sign_on, endpoints)
    try:
        claims = backend.identity_from_code(
            code=query["code"], code_verifier=started.get("code_verifier"), nonce=started.get("nonce")
        )
    except requests.HTTPError as error:
        # The token endpoint refuses a code used before, or one issued to someone else.
        logger.warning("Single sign-on of %s: token request refused: %s", sign_on.trust, error)
        raise SignOnError(_START_AGAIN, "the identity provider refused the code", sign_on) from error
    except requests.RequestException as error:
        raise SignOnError(
            _UNREACHABLE.format(provider=provider_name(sign_on)), "the token request failed", sign_on
        ) from error
    except (SuspiciousOperation, jwt.PyJWTError, ValueError) as error:
        logger.warning("Single sign-on of %s: ID token refused: %s", sign_on.trust, error)
        raise SignOnError(_REFUSED, f"ID token refused: {error}"[:150], sign_on) from error
    identity = SignOnIdentity(sign_on=sign_on, claims=claims, next_url=started.get("next") or "")
    if not identity.email:
        raise SignOnError(_REFUSED, "the ID token has no email address", sign_on)
    return identity


def sso_record_refusal(*, request, error: SignOnError) -> None:
    """Put a sign-on stopped before any person was named on the audit log (of its trust, if known)."""
    audit_record(
        verb=AuditEntry.Verb.LOGIN_FAILED,
        obj=error.sign_on,
        object_type="" if error.sign_on else "accounts.user",
        object_repr="" if error.sign_on else "(single sign-on)",
        changes={"event": ["", f"single sign-on refused: {error.reason}"]},
        request=request,
    )


def sso_accept_multi_factor(*, request, user: User, identity: SignOnIdentity) -> bool:
    """Count the provider's multi-factor check as the second factor, when the token says it made one.

    Called after login(); True when the session is now past two-factor."""
    if not (identity.multi_factor and access.requires_two_factor(user)):
        return False
    device, _ = SignOnDevice.objects.get_or_create(
        user=user, defaults={"name": "Identity provider's multi-factor check", "confirmed": True}
    )
    otp_login(request, device)
    audit_record(
        verb=AuditEntry.Verb.TWO_FACTOR,
        obj=user,
        actor=user,
        changes={
            "event": ["", f"{provider_name(identity.sign_on)} multi-factor (amr: {' '.join(identity.amr)})"]
        },
        request=request,
    )
    return True
