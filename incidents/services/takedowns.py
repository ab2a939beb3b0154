"""Takedowns (001 §16.3–16.6): getting content removed within 24 hours of the report, each step
recorded on the takedown and the incident's timeline. The status moves only through
incidents.workflows, which also declares the ladder of steps (host, helpline or Report Harmful
Content, ISP, police, CEOP, support): a step the ladder does not offer is refused here, whoever
posts it. The reminders chasing the deadline are incidents.services.escalation."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from incidents import workflows
from incidents.models import Incident, IncidentEvent, Kind, Takedown, TakedownStep
from incidents.services.common import event_add, require_handler, takedown_locked

Ev = IncidentEvent.Type
TAKEDOWN_WINDOW = workflows.TAKEDOWN_WINDOW
St = TakedownStep.Type


@transaction.atomic
def takedown_open(*, user: User, incident: Incident, content_url: str, host: str = "") -> Takedown:
    """Start a takedown: the deadline is 24 hours after the report."""
    require_handler(user, incident)
    takedown = Takedown(
        incident=incident,
        school_id=incident.school_id,
        content_url=content_url,
        host=host,
        opened_by=user,
        deadline=incident.reported_at + TAKEDOWN_WINDOW,
    )
    takedown.full_clean()
    takedown.save()
    TakedownStep.objects.create(takedown=takedown, type=St.OPENED, by=user)
    event_add(incident, Ev.TAKEDOWN, user, "Takedown opened", takedown=str(takedown.pk), step=St.OPENED)
    return takedown


def _takedown_step(
    user: User, takedown: Takedown, type_: str, *, reference: str = "", note: str = "", **data
):
    require_handler(user, takedown.incident)
    if not takedown.is_open:
        raise ValidationError("This takedown is finished.")
    step = TakedownStep.objects.create(
        takedown=takedown, type=type_, by=user, reference=reference.strip(), note=note.strip(), data=data
    )
    event_add(
        takedown.incident,
        Ev.TAKEDOWN,
        user,
        TakedownStep.Type(type_).label,
        takedown=str(takedown.pk),
        step=type_,
        reference=reference.strip(),
    )
    return step


def _rung_step(user: User, takedown: Takedown, type_: str, **kwargs):
    """A step of the ladder: only the handler, and only once the ladder offers it."""
    require_handler(user, takedown.incident)
    workflows.takedown_require_on_offer(takedown, type_)
    return _takedown_step(user, takedown, type_, **kwargs)


@transaction.atomic
def takedown_request_removal(
    *, user: User, takedown: Takedown, host: str, reference: str = "", note: str = ""
):
    """Record that removal was requested from the host, with the host's reference."""
    takedown = takedown_locked(takedown)
    if not host.strip():
        raise ValidationError({"host": "Enter who hosts the content (for example the platform)."})
    _rung_step(user, takedown, St.REMOVAL_REQUESTED, reference=reference, note=note, host=host.strip())
    takedown.host = host.strip()
    takedown.removal_reference = reference.strip()
    takedown.removal_requested_at = takedown.removal_requested_at or timezone.now()
    takedown.save(update_fields=["host", "removal_reference", "removal_requested_at"])
    workflows.takedown_transition(user=user, takedown=takedown, name=workflows.REQUEST_REMOVAL, strict=False)
    return takedown


@transaction.atomic
def takedown_check(*, user: User, takedown: Takedown, still_present: bool, note: str = ""):
    """Record a check of whether the content is still there (a removal is confirmed separately)."""
    takedown = takedown_locked(takedown)
    _takedown_step(user, takedown, St.CHECKED, note=note, still_present=still_present)
    return takedown


@transaction.atomic
def takedown_confirm_removal(*, user: User, takedown: Takedown, note: str = ""):
    """The content has gone: the takedown is done and the ladder stops."""
    takedown = takedown_locked(takedown)
    _takedown_step(user, takedown, St.REMOVAL_CONFIRMED, note=note)
    workflows.takedown_transition(user=user, takedown=takedown, name=workflows.CONFIRM_REMOVAL)
    return takedown


@transaction.atomic
def takedown_withdraw(*, user: User, takedown: Takedown, note: str):
    """Close a takedown that is no longer needed (the content was amended, say), with the reason."""
    if not note.strip():
        raise ValidationError({"note": "Enter why the takedown is no longer needed."})
    takedown = takedown_locked(takedown)
    _takedown_step(user, takedown, St.WITHDRAWN, note=note)
    workflows.takedown_transition(user=user, takedown=takedown, name=workflows.WITHDRAW)
    return takedown


ESCALATION_ROUTES = {
    "helpline": St.ESCALATED_HELPLINE,
    "report_harmful_content": St.ESCALATED_RHC,
    "isp": St.ESCALATED_ISP,
}


@transaction.atomic
def takedown_escalate(*, user: User, takedown: Takedown, route: str, reference: str = "", note: str = ""):
    """Escalate where the host does not act: the helpline or Report Harmful Content, then the ISP."""
    if route not in ESCALATION_ROUTES:
        raise ValidationError({"route": "Choose where the takedown was escalated to."})
    takedown = takedown_locked(takedown)
    _rung_step(user, takedown, ESCALATION_ROUTES[route], reference=reference, note=note)
    workflows.takedown_transition(user=user, takedown=takedown, name=workflows.ESCALATE)
    return takedown


@transaction.atomic
def takedown_report_police(
    *, user: User, takedown: Takedown, consent_given: bool, reference: str = "", note: str = ""
):
    """Report threatening material to the police, with the affected staff member's consent (16.5)."""
    takedown = takedown_locked(takedown)
    if takedown.incident.kind == Kind.CYBERBULLYING_STAFF and not consent_given:
        raise ValidationError(
            {"consent_given": "The member of staff's consent is needed to report this to the police."}
        )
    _rung_step(
        user, takedown, St.REPORTED_POLICE, reference=reference, note=note, consent_given=consent_given
    )
    return takedown


@transaction.atomic
def takedown_report_ceop(*, user: User, takedown: Takedown, reference: str = "", note: str = ""):
    """Record a report to CEOP, the police's child exploitation and online protection command."""
    takedown = takedown_locked(takedown)
    _rung_step(user, takedown, St.REPORTED_CEOP, reference=reference, note=note)
    return takedown


@transaction.atomic
def takedown_offer_support(*, user: User, takedown: Takedown, note: str):
    """Record the support offered to the person affected (001 §16.6)."""
    if not note.strip():
        raise ValidationError({"note": "Enter what support was offered."})
    takedown = takedown_locked(takedown)
    _rung_step(user, takedown, St.SUPPORT_OFFERED, note=note)
    return takedown
