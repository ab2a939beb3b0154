"""What the audit trail learns from accounts: the trust an entry belongs to, the models whose
every change is logged, and signing in and out."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from accounts.models import Membership, ParentLink, Pupil, School, Trust, TrustSignOn, User
from core import audit
from core.audit import audit_record
from core.models import AuditEntry


def register() -> None:
    """Connect accounts to the audit trail (once, from AppConfig.ready())."""
    audit.set_trust_resolver(trust_of)
    audit.register(Trust)
    audit.register(School, school_of=lambda school: school.pk)
    audit.register(User)
    audit.register(Membership)
    audit.register(Pupil)
    audit.register(ParentLink, school_of=lambda link: link.pupil.school_id)
    audit.register(TrustSignOn)
    user_logged_in.connect(_logged_in, dispatch_uid="audit-logged-in")
    user_logged_out.connect(_logged_out, dispatch_uid="audit-logged-out")
    user_login_failed.connect(_login_failed, dispatch_uid="audit-login-failed")


def trust_of(obj, school_id, actor):
    """The trust an entry belongs to, so one trust's log never shows another's."""
    if isinstance(obj, Trust):
        return obj.pk
    if isinstance(obj, School):
        return obj.trust_id
    # A trust-wide membership names its trust and has no school.
    if getattr(obj, "trust_id", None) is not None:
        return obj.trust_id
    if school_id is not None:
        return School.objects.filter(pk=school_id).values_list("trust_id", flat=True).first()
    # A person belongs to the trust of their roles; one with none yet (just created, or being
    # deleted) to the trust of whoever made the change.
    people = [p for p in (obj if isinstance(obj, User) else None, actor) if p is not None and p.pk]
    for person in people:
        trust_id = Membership.objects.filter(user=person).values_list("trust_id", flat=True).first()
        if trust_id is not None:
            return trust_id
    return None


def _logged_in(sender, request, user, **kwargs):
    audit_record(verb=AuditEntry.Verb.LOGIN, obj=user, actor=user, request=request)


def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(verb=AuditEntry.Verb.LOGOUT, obj=user, actor=user, request=request)


def _login_failed(sender, credentials, request=None, **kwargs):
    # An attempt on a real account is filed under it, so that trust's log shows who is being
    # guessed at. Otherwise what was typed is kept only when it looks like an address: people
    # type their password into the wrong box, and the log is append-only.
    typed = str(credentials.get("username", "") or "").strip()
    account = User.objects.filter(email__iexact=typed).first() if typed else None
    # A single sign-on refusal (accounts.sso) says why: the address is the provider's, not typed.
    identity = credentials.get("sso_identity")
    changes = {"event": ["", identity.refusal_reason()]} if identity is not None else None
    if account is not None:
        audit_record(
            verb=AuditEntry.Verb.LOGIN_FAILED, obj=account, actor=None, request=request, changes=changes
        )
    else:
        audit_record(
            verb=AuditEntry.Verb.LOGIN_FAILED,
            object_type="accounts.user",
            object_repr=typed[:200] if _looks_like_address(typed) else "(not an email address)",
            request=request,
            changes=changes,
        )


def _looks_like_address(typed: str) -> bool:
    """An email address shape: one @ with something either side and no spaces."""
    local, at, domain = typed.partition("@")
    return bool(at and local and "." in domain and "@" not in domain and not any(c.isspace() for c in typed))
