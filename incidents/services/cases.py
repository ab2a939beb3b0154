"""Handling a case: assigning it, its severity, notes and actions, referrals, linked pupils, the ICT
record, closing and reopening. The status moves only through incidents.workflows."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import access
from accounts.models import Pupil, User
from accounts.roles import Action
from core.audit import audit_record
from core.models import AuditEntry
from core.notifications import notify
from incidents import workflows
from incidents.models import Incident, IncidentEvent, IncidentPerson, Severity, Status, Takedown
from incidents.services import routing
from incidents.services.common import (
    case_link,
    event_add,
    handlers_notify,
    incident_locked,
    require,
    require_handler,
)

Ev = IncidentEvent.Type


@transaction.atomic
def incident_assign(*, user: User, incident: Incident, assignee: User) -> Incident:
    """Give the case to a handler of the same school (not someone named in it)."""
    require_handler(user, incident)
    incident = incident_locked(incident)
    if not access.can(assignee, incident.handler_action, incident):
        raise ValidationError({"assignee": "Choose someone who handles this kind of concern at this school."})
    workflows.incident_transition(user=user, incident=incident, name=workflows.TAKE_UP, strict=False)
    incident.assigned_to = assignee
    incident.save(update_fields=["assigned_to"])
    event_add(incident, Ev.ASSIGNED, user, str(assignee), assignee=str(assignee.pk), reporter_sees=False)
    audit_record(verb=AuditEntry.Verb.UPDATE, obj=incident, changes={"assigned_to": [None, assignee.email]})
    if assignee.pk != user.pk:
        notify(
            user=assignee, subject=f"Incident {incident.reference} assigned to you", link=case_link(incident)
        )
    return incident


@transaction.atomic
def incident_set_severity(*, user: User, incident: Incident, severity: int, reason: str = "") -> Incident:
    """Set how serious the case is; the queue sorts on it."""
    require_handler(user, incident)
    incident = incident_locked(incident)
    old = incident.severity
    workflows.incident_transition(user=user, incident=incident, name=workflows.TAKE_UP, strict=False)
    incident.severity = Severity(severity)
    incident.save(update_fields=["severity"])
    event_add(incident, Ev.SEVERITY, user, reason, old=old, new=int(severity))
    audit_record(verb=AuditEntry.Verb.UPDATE, obj=incident, changes={"severity": [old, int(severity)]})
    return incident


@transaction.atomic
def incident_add_note(*, user: User, incident: Incident, text: str, kind: str = Ev.NOTE) -> IncidentEvent:
    """Add a note or a record of an action taken."""
    require_handler(user, incident)
    if kind not in (Ev.NOTE, Ev.ACTION):
        raise ValidationError("Unknown kind of note.")
    if not text.strip():
        raise ValidationError({"text": "Enter the note."})
    incident = incident_locked(incident)
    workflows.incident_transition(user=user, incident=incident, name=workflows.TAKE_UP, strict=False)
    return event_add(incident, kind, user, text.strip())


@transaction.atomic
def incident_refer(
    *, user: User, incident: Incident, agency: str, reference: str = "", text: str = ""
) -> IncidentEvent:
    """Record a referral to the police, children's social care, the LADO or early help."""
    require_handler(user, incident)
    if agency not in IncidentEvent.Agency.values:
        raise ValidationError({"agency": "Choose who the referral was made to."})
    incident = incident_locked(incident)
    # A referral is a first response: the first-response ladder stops chasing the report.
    workflows.incident_transition(user=user, incident=incident, name=workflows.TAKE_UP, strict=False)
    return event_add(
        incident,
        Ev.REFERRAL,
        user,
        text.strip(),
        agency=agency,
        agency_label=IncidentEvent.Agency(agency).label,
        reference=reference.strip(),
    )


@transaction.atomic
def incident_link_pupil(*, user: User, incident: Incident, pupil: Pupil, role: str) -> IncidentPerson:
    """Link a pupil of the incident's school to the case (it then shows in their chronology)."""
    require_handler(user, incident)
    if pupil.school_id != incident.school_id:
        raise ValidationError({"pupil": "Choose a pupil at this school."})
    person = IncidentPerson.objects.create(
        incident=incident, role=role, identity=IncidentPerson.Identity.PUPIL, pupil=pupil, added_by=user
    )
    event_add(incident, Ev.PUPIL_LINKED, user, IncidentPerson.Role(role).label, pupil=str(pupil.pk))
    return person


# Who handles a concern as it comes to name more staff: a case only ever moves up this list.
ROUTING_ORDER = (
    Action.TRIAGE_INCIDENTS,
    Action.HANDLE_STAFF_CONDUCT,
    Action.HANDLE_HEADTEACHER_CONDUCT,
)


@transaction.atomic
def incident_link_staff(*, user: User, incident: Incident, staff_member: User, role: str) -> IncidentPerson:
    """Name a member of the school's staff in the case after reporting, re-routing it if needed."""
    require_handler(user, incident)
    if role not in IncidentPerson.Role.values:
        raise ValidationError({"role": "Choose how the member of staff is involved."})
    if not access.staff_of([incident.school_id]).filter(pk=staff_member.pk).exists():
        raise ValidationError({"staff_member": "Choose a member of staff at this school."})
    incident = incident_locked(incident)
    if incident.people.filter(user=staff_member).exists():
        raise ValidationError({"staff_member": "This member of staff is already named in the case."})
    # From here on subject exclusion hides the case from them, whatever role they hold.
    person = IncidentPerson.objects.create(
        incident=incident,
        role=role,
        identity=IncidentPerson.Identity.STAFF,
        user=staff_member,
        added_by=user,
    )
    event_add(incident, Ev.STAFF_LINKED, user, IncidentPerson.Role(role).label, staff=str(staff_member.pk))
    old = incident.handler_action
    new = routing.handler_action_for(kind=incident.kind, school=incident.school, people=incident.people.all())
    moves_up = (
        old in ROUTING_ORDER and new in ROUTING_ORDER and ROUTING_ORDER.index(new) > ROUTING_ORDER.index(old)
    )
    if not moves_up:
        workflows.incident_transition(user=user, incident=incident, name=workflows.TAKE_UP, strict=False)
        return person
    incident.handler_action = new
    fields = ["handler_action"]
    if incident.status == Status.NEW:
        # The new handler has not seen it: their first-response ladder starts now.
        incident.respond_by = timezone.now() + routing.response_time_for(
            handler_action=new, immediate_risk=incident.immediate_risk
        )
        fields.append("respond_by")
    incident.save(update_fields=fields)
    event_add(incident, Ev.ROUTED, user, routing.handler_label(new), handler_action=new, previous=old)
    audit_record(verb=AuditEntry.Verb.UPDATE, obj=incident, changes={"handler_action": [old, new]})
    handlers_notify(
        incident, subject=f"Report {incident.reference} passed to you: it names a member of staff"
    )
    return person


@transaction.atomic
def incident_close(
    *,
    user: User,
    incident: Incident,
    summary: str,
    decision: str,
    reasons: str,
    outcome: str,
    open_takedowns_reason: str = "",
) -> Incident:
    """Close the case with what was decided, why, and the outcome (KCSIE record keeping); with a
    takedown still open, only with the reason it is closed all the same."""
    require_handler(user, incident)
    incident = incident_locked(incident)
    if not incident.is_open:
        raise ValidationError("This incident is already closed.")
    # Locked with the incident, so a takedown cannot be opened or finished while this decides.
    open_takedowns = [
        str(pk)
        for pk in Takedown.objects.select_for_update()
        .filter(incident=incident, closed_at__isnull=True)
        .values_list("pk", flat=True)
    ]
    open_takedowns_reason = open_takedowns_reason.strip()
    if open_takedowns and not open_takedowns_reason:
        raise ValidationError(
            {
                "open_takedowns_reason": "A takedown of this case is still open: enter why the case is "
                "being closed before the content has been removed, or finish the takedown first."
            }
        )
    errors = {
        name: f"Enter the {label}."
        for name, label, value in (
            ("summary", "summary", summary),
            ("decision", "decision", decision),
            ("reasons", "reasons for the decision", reasons),
            ("outcome", "outcome", outcome),
        )
        if not value.strip()
    }
    if errors:
        raise ValidationError(errors)
    workflows.incident_transition(user=user, incident=incident, name=workflows.CLOSE)
    event_add(
        incident,
        Ev.CLOSED,
        user,
        summary.strip(),
        decision=decision.strip(),
        reasons=reasons.strip(),
        outcome=outcome.strip(),
        reporter_sees=True,
    )
    changes = {"status": ["open", "closed"]}
    if open_takedowns:
        # Its own entry, kept from the reporter like the rest of the takedowns.
        event_add(
            incident,
            Ev.TAKEDOWN,
            user,
            f"Case closed with a takedown still open: {open_takedowns_reason}",
            takedowns=open_takedowns,
            open_takedowns_reason=open_takedowns_reason,
        )
        changes["open_takedowns_reason"] = ["", open_takedowns_reason]
    audit_record(verb=AuditEntry.Verb.UPDATE, obj=incident, changes=changes)
    return incident


@transaction.atomic
def incident_reopen(*, user: User, incident: Incident, reason: str) -> Incident:
    """Reopen a closed case; a reason is required."""
    require_handler(user, incident)
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the incident is being reopened."})
    incident = incident_locked(incident)
    if incident.is_open:
        raise ValidationError("This incident is open.")
    workflows.incident_transition(user=user, incident=incident, name=workflows.REOPEN)
    event_add(incident, Ev.REOPENED, user, reason.strip(), reporter_sees=True)
    audit_record(verb=AuditEntry.Verb.UPDATE, obj=incident, changes={"status": ["closed", "reopened"]})
    return incident


@transaction.atomic
def incident_record_ict_action(
    *, user: User, incident: Incident, action_taken: str, block_applied: str
) -> IncidentEvent:
    """The ICT technician's part of 004 App. B: the action taken and the block applied."""
    require(user, Action.RECORD_ICT_ACTIONS, incident)
    if not action_taken.strip():
        raise ValidationError({"action_taken": "Enter the action taken."})
    incident = incident_locked(incident)
    workflows.incident_transition(user=user, incident=incident, name=workflows.TAKE_UP_ICT, strict=False)
    return event_add(incident, Ev.ICT_ACTION, user, action_taken.strip(), block_applied=block_applied.strip())
