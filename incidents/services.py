"""Writes of incidents: the only code that creates or changes incidents, evidence and takedowns.

Every service checks access itself (so a task, a command or the admin cannot go round it), appends
to the incident's timeline, writes the audit log and notifies after the transaction commits.
Notification subjects never carry a pupil's name or the concern's text.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.models import Pupil, School, User
from accounts.roles import Action
from core.audit import audit_record
from core.models import AuditEntry
from core.notifications import notify
from incidents import routing
from incidents.evidence import check_evidence_file
from incidents.models import (
    Evidence,
    Incident,
    IncidentEvent,
    IncidentPerson,
    Kind,
    ModerationEntry,
    Platform,
    Severity,
    Status,
    Takedown,
    TakedownStep,
)

Ev = IncidentEvent.Type


@dataclass(frozen=True)
class PersonInvolved:
    """Someone named in a report: a pupil or member of staff from the directory, or a description."""

    role: str
    identity: str
    pupil: Pupil | None = None
    user: User | None = None
    description: str = ""


def _event(incident: Incident, type_: str, by: User | None, text: str = "", *, reporter_sees=False, **data):
    return IncidentEvent.objects.create(
        incident=incident, type=type_, by=by, text=text, data=data, visible_to_reporter=reporter_sees
    )


def _require(user: User, action: str, obj) -> None:
    if not access.can(user, action, obj):
        raise PermissionDenied


def _require_handler(user: User, incident: Incident) -> None:
    """Only someone who handles this kind of incident in its school, and is not named in it."""
    _require(user, incident.handler_action, incident)


def _link(incident: Incident) -> str:
    return reverse("incidents:detail", args=[incident.pk])


def new_reference(now: datetime) -> str:
    """A short, unguessable-enough case reference people can read out on the phone."""
    return f"INC-{now:%y%m}-{uuid.uuid4().hex[:6].upper()}"


@transaction.atomic
def incident_report(
    *,
    reporter: User,
    school: School,
    kind: str,
    seen_at: datetime,
    description: str,
    occurred_at: datetime | None = None,
    platform: Platform | None = None,
    platform_other: str = "",
    urls: list[str] | None = None,
    nature: list[str] | None = None,
    immediate_risk: bool = False,
    on_school_device: bool = False,
    accessed_by: str = "",
    people: list[PersonInvolved] | None = None,
    evidence_files: list[UploadedFile] | None = None,
) -> Incident:
    """File a report: saved, routed to its handler, flagged if a pupil is under a platform's age."""
    _require(reporter, Action.REPORT_CONCERN, school)
    people = people or []
    for person in people:
        if person.pupil is not None and person.pupil.school_id != school.pk:
            raise ValidationError("A pupil named in a report must be at the school reported to.")
    now = timezone.now()
    handler_action = routing.handler_action_for(kind=kind, school=school, people=people)
    incident = Incident(
        reference=new_reference(now),
        school=school,
        kind=kind,
        handler_action=handler_action,
        reporter=reporter,
        occurred_at=occurred_at,
        seen_at=seen_at,
        platform=platform,
        platform_other=platform_other,
        urls=list(urls or []),
        description=description,
        nature=list(nature or []),
        immediate_risk=immediate_risk,
        on_school_device=on_school_device or kind == Kind.INAPPROPRIATE_CONTENT,
        accessed_by=accessed_by,
        respond_by=now + routing.response_time(kind=kind, immediate_risk=immediate_risk),
        severity=Severity.HIGH if immediate_risk else Severity.UNSET,
    )
    incident.full_clean()
    incident.save()
    _event(incident, Ev.REPORTED, reporter, reporter_sees=True)
    _event(incident, Ev.ROUTED, None, routing.handler_label(handler_action), handler_action=handler_action)
    for person in people:
        IncidentPerson.objects.create(
            incident=incident,
            role=person.role,
            identity=person.identity,
            pupil=person.pupil,
            user=person.user,
            description=person.description,
            added_by=reporter,
        )
    for upload in evidence_files or []:
        _store_evidence(incident, upload, by=reporter)
    flagged = routing.under_age_pupils(incident)
    if flagged:
        incident.safeguarding_flag = True
        incident.save(update_fields=["safeguarding_flag"])
        _event(
            incident,
            Ev.FLAG,
            None,
            "A pupil named is younger than the platform's minimum age.",
            pupils=[str(p.pk) for p in flagged],
            platform=incident.platform.name if incident.platform else "",
        )
    audit_record(verb=AuditEntry.Verb.CREATE, obj=incident, changes={"kind": [None, kind]})
    _notify_handlers(incident)
    return incident


def _notify_handlers(incident: Incident, *, subject: str | None = None) -> None:
    """Tell everyone who handles this incident (never the people named in it)."""
    urgent = incident.immediate_risk or incident.safeguarding_flag
    subject = subject or (
        f"{'URGENT: ' if urgent else ''}New {incident.get_kind_display().lower()} report {incident.reference}"
    )
    for user in routing.handlers_of(incident):
        notify(user=user, subject=subject, link=_link(incident))


def _store_evidence(incident: Incident, upload: UploadedFile, *, by: User, captured_at=None, source_url=""):
    content_type = check_evidence_file(upload)
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    evidence = Evidence(
        incident=incident,
        original_name=(upload.name or "evidence")[:200],
        content_type=content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=by,
        captured_at=captured_at,
        source_url=source_url,
    )
    evidence.file.save(str(evidence.id), upload, save=False)
    evidence.save()
    _event(
        incident, Ev.EVIDENCE, by, evidence.original_name, sha256=evidence.sha256, evidence=str(evidence.pk)
    )
    return evidence


@transaction.atomic
def incident_add_evidence(
    *, user: User, incident: Incident, upload: UploadedFile, captured_at=None, source_url: str = ""
) -> Evidence:
    """Add a file to an incident (the reporter of an open report, or its handler)."""
    if not (incident.reporter_id == user.pk and incident.is_open):
        _require_handler(user, incident)
    return _store_evidence(incident, upload, by=user, captured_at=captured_at, source_url=source_url)


def _locked(incident: Incident) -> Incident:
    return Incident.objects.select_for_update().get(pk=incident.pk)


@transaction.atomic
def incident_assign(*, user: User, incident: Incident, assignee: User) -> Incident:
    """Give the case to a handler of the same school (not someone named in it)."""
    _require_handler(user, incident)
    incident = _locked(incident)
    if not access.can(assignee, incident.handler_action, incident):
        raise ValidationError({"assignee": "Choose someone who handles this kind of concern at this school."})
    incident.assigned_to = assignee
    if incident.status == Status.NEW:
        incident.status = Status.IN_PROGRESS
    incident.save(update_fields=["assigned_to", "status"])
    _event(incident, Ev.ASSIGNED, user, str(assignee), assignee=str(assignee.pk), reporter_sees=False)
    audit_record(verb=AuditEntry.Verb.UPDATE, obj=incident, changes={"assigned_to": [None, assignee.email]})
    if assignee.pk != user.pk:
        notify(user=assignee, subject=f"Incident {incident.reference} assigned to you", link=_link(incident))
    return incident


@transaction.atomic
def incident_set_severity(*, user: User, incident: Incident, severity: int, reason: str = "") -> Incident:
    """Set how serious the case is; the queue sorts on it."""
    _require_handler(user, incident)
    incident = _locked(incident)
    old = incident.severity
    incident.severity = Severity(severity)
    if incident.status == Status.NEW:
        incident.status = Status.IN_PROGRESS
    incident.save(update_fields=["severity", "status"])
    _event(incident, Ev.SEVERITY, user, reason, old=old, new=int(severity))
    audit_record(verb=AuditEntry.Verb.UPDATE, obj=incident, changes={"severity": [old, int(severity)]})
    return incident


@transaction.atomic
def incident_add_note(*, user: User, incident: Incident, text: str, kind: str = Ev.NOTE) -> IncidentEvent:
    """Add a note or a record of an action taken."""
    _require_handler(user, incident)
    if kind not in (Ev.NOTE, Ev.ACTION):
        raise ValidationError("Unknown kind of note.")
    if not text.strip():
        raise ValidationError({"text": "Enter the note."})
    incident = _locked(incident)
    if incident.status == Status.NEW:
        incident.status = Status.IN_PROGRESS
        incident.save(update_fields=["status"])
    return _event(incident, kind, user, text.strip())


@transaction.atomic
def incident_refer(
    *, user: User, incident: Incident, agency: str, reference: str = "", text: str = ""
) -> IncidentEvent:
    """Record a referral to the police, children's social care, the LADO or early help."""
    _require_handler(user, incident)
    if agency not in IncidentEvent.Agency.values:
        raise ValidationError({"agency": "Choose who the referral was made to."})
    incident = _locked(incident)
    return _event(
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
    _require_handler(user, incident)
    if pupil.school_id != incident.school_id:
        raise ValidationError({"pupil": "Choose a pupil at this school."})
    person = IncidentPerson.objects.create(
        incident=incident, role=role, identity=IncidentPerson.Identity.PUPIL, pupil=pupil, added_by=user
    )
    _event(incident, Ev.PUPIL_LINKED, user, IncidentPerson.Role(role).label, pupil=str(pupil.pk))
    return person


@transaction.atomic
def incident_close(
    *, user: User, incident: Incident, summary: str, decision: str, reasons: str, outcome: str
) -> Incident:
    """Close the case with what was decided, why, and the outcome (KCSIE record keeping)."""
    _require_handler(user, incident)
    incident = _locked(incident)
    if not incident.is_open:
        raise ValidationError("This incident is already closed.")
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
    incident.status = Status.CLOSED
    incident.closed_at = timezone.now()
    incident.save(update_fields=["status", "closed_at"])
    _event(
        incident,
        Ev.CLOSED,
        user,
        summary.strip(),
        decision=decision.strip(),
        reasons=reasons.strip(),
        outcome=outcome.strip(),
        reporter_sees=True,
    )
    audit_record(verb=AuditEntry.Verb.UPDATE, obj=incident, changes={"status": ["open", "closed"]})
    return incident


@transaction.atomic
def incident_reopen(*, user: User, incident: Incident, reason: str) -> Incident:
    """Reopen a closed case; a reason is required."""
    _require_handler(user, incident)
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the incident is being reopened."})
    incident = _locked(incident)
    if incident.is_open:
        raise ValidationError("This incident is open.")
    incident.status = Status.IN_PROGRESS
    incident.closed_at = None
    incident.save(update_fields=["status", "closed_at"])
    _event(incident, Ev.REOPENED, user, reason.strip(), reporter_sees=True)
    audit_record(verb=AuditEntry.Verb.UPDATE, obj=incident, changes={"status": ["closed", "reopened"]})
    return incident


@transaction.atomic
def incident_record_ict_action(
    *, user: User, incident: Incident, action_taken: str, block_applied: str
) -> IncidentEvent:
    """The ICT technician's part of 004 App. B: the action taken and the block applied."""
    _require(user, Action.RECORD_ICT_ACTIONS, incident)
    if not action_taken.strip():
        raise ValidationError({"action_taken": "Enter the action taken."})
    incident = _locked(incident)
    if incident.status == Status.NEW:
        incident.status = Status.IN_PROGRESS
        incident.save(update_fields=["status"])
    return _event(incident, Ev.ICT_ACTION, user, action_taken.strip(), block_applied=block_applied.strip())


# --- takedowns (001 §16.3–16.6) -------------------------------------------------------------------

TAKEDOWN_WINDOW = timedelta(hours=24)
St = TakedownStep.Type


@transaction.atomic
def takedown_open(*, user: User, incident: Incident, content_url: str, host: str = "") -> Takedown:
    """Start a takedown: the deadline is 24 hours after the report."""
    _require_handler(user, incident)
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
    _event(incident, Ev.TAKEDOWN, user, "Takedown opened", takedown=str(takedown.pk), step=St.OPENED)
    return takedown


def _takedown_step(
    user: User, takedown: Takedown, type_: str, *, reference: str = "", note: str = "", **data
):
    _require_handler(user, takedown.incident)
    if not takedown.is_open:
        raise ValidationError("This takedown is finished.")
    step = TakedownStep.objects.create(
        takedown=takedown, type=type_, by=user, reference=reference.strip(), note=note.strip(), data=data
    )
    _event(
        takedown.incident,
        Ev.TAKEDOWN,
        user,
        TakedownStep.Type(type_).label,
        takedown=str(takedown.pk),
        step=type_,
        reference=reference.strip(),
    )
    return step


def _locked_takedown(takedown: Takedown) -> Takedown:
    return Takedown.objects.select_for_update().select_related("incident").get(pk=takedown.pk)


@transaction.atomic
def takedown_request_removal(
    *, user: User, takedown: Takedown, host: str, reference: str = "", note: str = ""
):
    """Record that removal was requested from the host, with the host's reference."""
    takedown = _locked_takedown(takedown)
    if not host.strip():
        raise ValidationError({"host": "Enter who hosts the content (for example the platform)."})
    _takedown_step(user, takedown, St.REMOVAL_REQUESTED, reference=reference, note=note, host=host.strip())
    takedown.host = host.strip()
    takedown.removal_reference = reference.strip()
    takedown.removal_requested_at = takedown.removal_requested_at or timezone.now()
    if takedown.status == Takedown.Status.OPEN:
        takedown.status = Takedown.Status.REQUESTED
    takedown.save(update_fields=["host", "removal_reference", "removal_requested_at", "status"])
    return takedown


@transaction.atomic
def takedown_check(*, user: User, takedown: Takedown, still_present: bool, note: str = ""):
    """Record a check of whether the content is still there (a removal is confirmed separately)."""
    takedown = _locked_takedown(takedown)
    _takedown_step(user, takedown, St.CHECKED, note=note, still_present=still_present)
    return takedown


@transaction.atomic
def takedown_confirm_removal(*, user: User, takedown: Takedown, note: str = ""):
    """The content has gone: the takedown is done and the ladder stops."""
    takedown = _locked_takedown(takedown)
    _takedown_step(user, takedown, St.REMOVAL_CONFIRMED, note=note)
    now = timezone.now()
    takedown.status = Takedown.Status.REMOVED
    takedown.removed_at = now
    takedown.closed_at = now
    takedown.save(update_fields=["status", "removed_at", "closed_at"])
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
    takedown = _locked_takedown(takedown)
    _takedown_step(user, takedown, ESCALATION_ROUTES[route], reference=reference, note=note)
    takedown.status = Takedown.Status.ESCALATED
    takedown.save(update_fields=["status"])
    return takedown


@transaction.atomic
def takedown_report_police(
    *, user: User, takedown: Takedown, consent_given: bool, reference: str = "", note: str = ""
):
    """Report threatening material to the police or CEOP, with the affected staff member's consent."""
    takedown = _locked_takedown(takedown)
    if takedown.incident.kind == Kind.CYBERBULLYING_STAFF and not consent_given:
        raise ValidationError(
            {"consent_given": "The member of staff's consent is needed to report this to the police."}
        )
    _takedown_step(
        user, takedown, St.POLICE_REPORTED, reference=reference, note=note, consent_given=consent_given
    )
    return takedown


@transaction.atomic
def takedown_offer_support(*, user: User, takedown: Takedown, note: str):
    """Record the support offered to the person affected (001 §16.6)."""
    if not note.strip():
        raise ValidationError({"note": "Enter what support was offered."})
    takedown = _locked_takedown(takedown)
    _takedown_step(user, takedown, St.SUPPORT_OFFERED, note=note)
    return takedown


# --- the moderation log (004 §1) and the platform age table (000 §3.2) ---------------------------


@transaction.atomic
def moderation_record(
    *,
    user: User,
    school: School,
    account: str,
    comment_text: str,
    seen_at: datetime,
    action_taken: str,
    platform: Platform | None = None,
    comment_url: str = "",
    commenter: str = "",
    action_detail: str = "",
    incident: Incident | None = None,
) -> ModerationEntry:
    """Log an inappropriate comment on a school account and what was done about it."""
    _require(user, Action.MODERATE_ACCOUNTS, school)
    if incident is not None and incident.school_id != school.pk:
        raise ValidationError({"incident": "Choose an incident of the same school."})
    entry = ModerationEntry(
        school=school,
        account=account.strip(),
        platform=platform,
        comment_url=comment_url.strip(),
        comment_text=comment_text.strip(),
        commenter=commenter.strip(),
        seen_at=seen_at,
        action_taken=action_taken,
        action_detail=action_detail.strip(),
        recorded_by=user,
        incident=incident,
    )
    entry.full_clean()
    entry.save()
    audit_record(verb=AuditEntry.Verb.CREATE, obj=entry, changes={"action_taken": [None, action_taken]})
    return entry


@transaction.atomic
def platform_update(*, user: User, platform: Platform, minimum_age: int | None, is_active: bool) -> Platform:
    """Change a platform's minimum age or whether reporters can choose it (trust administrators)."""
    if not access.has_any(user, Action.ADMINISTER_SCHOOL):
        raise PermissionDenied
    platform = Platform.objects.select_for_update().get(pk=platform.pk)
    changes = {
        name: [getattr(platform, name), value]
        for name, value in (("minimum_age", minimum_age), ("is_active", is_active))
        if getattr(platform, name) != value
    }
    if not changes:
        return platform
    platform.minimum_age = minimum_age
    platform.is_active = is_active
    platform.full_clean()
    platform.save(update_fields=["minimum_age", "is_active"])
    audit_record(verb=AuditEntry.Verb.UPDATE, obj=platform, changes=changes)
    return platform
