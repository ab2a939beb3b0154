"""The OpenID Connect protocol, through mozilla-django-oidc, configured per trust: the provider's
discovery document, the client secret, the code exchange and the ID token's checks."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

import requests
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from accounts.models import TrustSignOn, User
from accounts.sso.rules import SignOnError, SignOnIdentity, identity_refusal, person_for, provider_name

logger = logging.getLogger(__name__)

SCOPES = "openid email profile"
SIGNING_ALGORITHM = "RS256"  # what Entra ID and Google sign ID tokens with
HTTP_TIMEOUT = 10
DISCOVERY_CACHE_SECONDS = 60 * 60
# A sign-in left at the provider's page longer than this starts again.
STATE_LIFETIME_SECONDS = 10 * 60
# Seconds of clock difference allowed between the provider and us.
LEEWAY_SECONDS = 120

# What the person is told when a sign-in stops before any person is named.
NOT_SET_UP = "Single sign-on is not set up fully. Tell your trust's IT team, or sign in with your password."
UNREACHABLE = "{provider} did not answer. Try again in a few minutes."
START_AGAIN = "That sign-in has already been used or has expired. Start again."
REFUSED = "The sign-in could not be checked, so it was refused. Start again."


def sign_on_secret(sign_on: TrustSignOn) -> str:
    """The client secret, from the environment variable the row names or the file NAME_FILE names."""
    name = sign_on.client_secret_variable
    value = os.environ.get(name, "")
    if not value and os.environ.get(f"{name}_FILE"):
        value = Path(os.environ[f"{name}_FILE"]).read_text(encoding="utf-8").strip()
    if not value:
        logger.error("Single sign-on of %s: neither %s nor %s_FILE is set", sign_on.trust, name, name)
        raise SignOnError(NOT_SET_UP, f"client secret missing ({name})", sign_on)
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
                UNREACHABLE.format(provider=provider_name(sign_on)), "discovery failed", sign_on
            ) from error
        # A document that names another issuer would have us accept that issuer's tokens.
        if document.get("issuer") != sign_on.issuer:
            raise SignOnError(NOT_SET_UP, "the discovery document names another issuer", sign_on)
        cache.set(key, document, DISCOVERY_CACHE_SECONDS)
    return document


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
            user = person_for(sso_identity)
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


def callback_url() -> str:
    """The redirect URL registered with the provider: the portal's public address and the callback."""
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}{reverse('accounts:sso_callback')}"
