"""Single sign-on's services: start a sign-in, check the provider's answer, and record the outcome."""

from __future__ import annotations

import logging
import time
from urllib.parse import urlencode

import jwt
import requests
from django.core.exceptions import SuspiciousOperation
from django.utils.crypto import get_random_string
from django_otp import login as otp_login
from mozilla_django_oidc.utils import add_state_and_verifier_and_nonce_to_session, generate_code_challenge

from accounts import access
from accounts.models import SignOnDevice, TrustSignOn, User
from accounts.sso.protocol import (
    NOT_SET_UP,
    REFUSED,
    SCOPES,
    START_AGAIN,
    STATE_LIFETIME_SECONDS,
    UNREACHABLE,
    SignOnBackend,
    callback_url,
    sign_on_endpoints,
    sign_on_secret,
)
from accounts.sso.rules import SignOnError, SignOnIdentity, provider_name
from core.audit import audit_record
from core.models import AuditEntry

logger = logging.getLogger(__name__)


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
        raise SignOnError(START_AGAIN, "the answer matches no sign-in started in this browser")
    sign_on = (
        TrustSignOn.objects.filter(pk=started.get("sign_on"), enabled=True).select_related("trust").first()
    )
    if sign_on is None:
        raise SignOnError(NOT_SET_UP, "single sign-on was switched off during the sign-in")
    if time.time() - started.get("added_on", 0) > STATE_LIFETIME_SECONDS:
        raise SignOnError(START_AGAIN, "the sign-in took longer than 10 minutes", sign_on)
    if query.get("error"):
        raise SignOnError(
            f"{provider_name(sign_on)} did not sign you in. Start again, or ask your trust's IT team.",
            f"the identity provider answered {query.get('error')[:60]}",
            sign_on,
        )
    endpoints = sign_on_endpoints(sign_on)
    # An answer naming another issuer is a mix-up attack (RFC 9207), whatever its code.
    if query.get("iss") and query.get("iss") != sign_on.issuer:
        raise SignOnError(REFUSED, "the answer names another issuer", sign_on)
    if not query.get("code"):
        raise SignOnError(REFUSED, "the answer has no code", sign_on)
    backend = SignOnBackend(sign_on, endpoints)
    try:
        claims = backend.identity_from_code(
            code=query["code"], code_verifier=started.get("code_verifier"), nonce=started.get("nonce")
        )
    except requests.HTTPError as error:
        # The token endpoint refuses a code used before, or one issued to someone else.
        logger.warning("Single sign-on of %s: token request refused: %s", sign_on.trust, error)
        raise SignOnError(START_AGAIN, "the identity provider refused the code", sign_on) from error
    except requests.RequestException as error:
        raise SignOnError(
            UNREACHABLE.format(provider=provider_name(sign_on)), "the token request failed", sign_on
        ) from error
    except (SuspiciousOperation, jwt.PyJWTError, ValueError) as error:
        logger.warning("Single sign-on of %s: ID token refused: %s", sign_on.trust, error)
        raise SignOnError(REFUSED, f"ID token refused: {error}"[:150], sign_on) from error
    identity = SignOnIdentity(sign_on=sign_on, claims=claims, next_url=started.get("next") or "")
    if not identity.email:
        raise SignOnError(REFUSED, "the ID token has no email address", sign_on)
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
