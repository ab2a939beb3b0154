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

from accounts.sso.protocol import SignOnBackend, callback_url, sign_on_endpoints, sign_on_secret
from accounts.sso.rules import (
    REFUSALS,
    SignOnError,
    SignOnIdentity,
    amr_is_multi_factor,
    identity_refusal,
    password_refusal_message,
    password_sign_in_allowed,
    provider_name,
    sign_on_options,
)
from accounts.sso.services import sso_accept_multi_factor, sso_begin, sso_complete, sso_record_refusal

__all__ = [
    "REFUSALS",
    "SignOnBackend",
    "SignOnError",
    "SignOnIdentity",
    "amr_is_multi_factor",
    "callback_url",
    "identity_refusal",
    "password_refusal_message",
    "password_sign_in_allowed",
    "provider_name",
    "sign_on_endpoints",
    "sign_on_options",
    "sign_on_secret",
    "sso_accept_multi_factor",
    "sso_begin",
    "sso_complete",
    "sso_record_refusal",
]
