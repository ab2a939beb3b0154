"""What single sign-on accepts: the identity a verified token describes, which addresses a trust's
provider may vouch for, which ``amr`` values are more than one factor, and whether a member of
staff may still use a password (selectors; accounts.sso.protocol does the checking of tokens)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from accounts import access
from accounts.models import TrustSignOn, User

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


def person_for(identity: SignOnIdentity) -> User | None:
    users = list(User.objects.filter(email__iexact=identity.email, is_active=True)[:2])
    if len(users) != 1:
        return None
    user = users[0]
    works_here = access.is_workforce(user) and any(
        m.trust_id == identity.sign_on.trust_id for m in access.memberships(user)
    )
    return user if works_here else None
