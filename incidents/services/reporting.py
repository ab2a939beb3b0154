"""Reporting a concern: the report is saved as the reporter wrote it, routed to its handler, flagged
when a pupil named is below the platform's minimum age, and its handlers are told."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import Pupil, School, User
from accounts.roles import Action
from core.audit import audit_record
from core.models import AuditEntry
from incidents.models import Incident, IncidentEvent, IncidentPerson, Kind, Platform, Severity
from incidents.services import routing
from incidents.services.common import event_add, handlers_notify, require
from incidents.services.evidence import evidence_store

Ev = IncidentEvent.Type


@dataclass(frozen=True)
class PersonInvolved:
    """Someone named in a report: a pupil or member of staff from the directory, or a description."""

    role: str
    identity: str
    pupil: Pupil | None = None
    user: User | None = None
    description: str = ""


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
    require(reporter, Action.REPORT_CONCERN, school)
    people = people or []
    for person in people:
        if person.pupil is not None and person.pupil.school_id != school.pk:
            raise ValidationError("A pupil named in a report must be at the school reported to.")
    now = timezone.now()
    handler_action = routing.handler_action_for(kind=kind, school=school, people=people)
    respond_within = routing.response_time_for(handler_action=handler_action, immediate_risk=immediate_risk)
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
        respond_by=now + respond_within,
        severity=Severity.HIGH if immediate_risk else Severity.UNSET,
    )
    incident.full_clean()
    incident.save()
    event_add(incident, Ev.REPORTED, reporter, reporter_sees=True)
    event_add(incident, Ev.ROUTED, None, routing.handler_label(handler_action), handler_action=handler_action)
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
        evidence_store(incident=incident, upload=upload, by=reporter)
    flagged = routing.under_age_pupils(incident)
    if flagged:
        incident.safeguarding_flag = True
        incident.save(update_fields=["safeguarding_flag"])
        event_add(
            incident,
            Ev.FLAG,
            None,
            "A pupil named is younger than the platform's minimum age.",
            pupils=[str(p.pk) for p in flagged],
            platform=incident.platform.name if incident.platform else "",
        )
    audit_record(verb=AuditEntry.Verb.CREATE, obj=incident, changes={"kind": [None, kind]})
    handlers_notify(incident)
    return incident
