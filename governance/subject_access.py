"""A subject access export: everything the portal holds about one pupil, for the data protection
officer, as JSON and PDF. Built from structured records only, so nothing of another pupil comes
with it: other people named in the same incident are left out, and so are the steps that link them.
Free text (an incident's description, a note) is included as written; the officer reviews it
before release."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.models import Pupil, User
from accounts.roles import Action, Role
from consent.models import ConsentAnswer
from governance.audit import audit_record
from governance.models import AuditEntry
from governance.notifications import notify
from incidents.models import Incident, IncidentEvent, IncidentPerson


def _when(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


class SubjectAccessConflict(Exception):
    """The export would hold records naming the officer who asked for it."""


def _incidents_about(pupil: Pupil):
    return Incident.objects.filter(pk__in=IncidentPerson.objects.filter(pupil=pupil).values("incident_id"))


def is_conflicted(*, user: User, pupil: Pupil) -> bool:
    """Would this pupil's export need records that name the user (and so that they may not see)?"""
    return _incidents_about(pupil).filter(Incident.subject_exclusion_q(user)).exists()


def officers_instead(*, user: User, pupil: Pupil) -> list[User]:
    """Who should make this pupil's export instead of ``user``: the other data protection officers
    not named in the pupil's incidents, or, when there is none, the chief executive."""
    about = _incidents_about(pupil)

    def unconflicted(people) -> list[User]:
        return [
            person
            for person in people.exclude(pk=user.pk).order_by("full_name")
            if not about.filter(Incident.subject_exclusion_q(person)).exists()
        ]

    officers = unconflicted(access.holders_of_role(Role.DATA_PROTECTION_OFFICER, pupil.school_id))
    return officers or unconflicted(access.holders_of_role(Role.CEO, pupil.school_id))


def subject_access_refer(*, user: User, pupil: Pupil) -> list[User]:
    """Pass a pupil's subject access request to the people who may make it instead of ``user``.

    The notification names neither the pupil nor why (it is emailed); the link leads to the export
    page, which the access layer lets only those people open."""
    if not access.can(user, Action.EXPORT_SUBJECT_ACCESS, pupil):
        raise PermissionDenied
    people = officers_instead(user=user, pupil=pupil)
    for person in people:
        notify(
            user=person,
            subject="A subject access request has been passed to you",
            body=f"{user.full_name} cannot make this export and has asked you to make it.",
            link=reverse("governance:subject_access", kwargs={"pupil_id": pupil.pk}),
        )
    audit_record(
        verb=AuditEntry.Verb.UPDATE,
        obj=pupil,
        actor=user,
        object_repr=f"Subject access request passed on: {pupil}",
        changes={"passed_to": [None, ", ".join(person.email for person in people)]},
    )
    return people


def subject_access_export(*, user: User, pupil: Pupil) -> dict:
    """Everything held about the pupil, as plain data (and an audit entry saying who took it)."""
    if not access.can(user, Action.EXPORT_SUBJECT_ACCESS, pupil):
        raise PermissionDenied
    if is_conflicted(user=user, pupil=pupil):
        raise SubjectAccessConflict
    parents = [
        {
            "name": link.parent.full_name,
            "email": link.parent.email,
            "relationship": link.get_relationship_display(),
            "parental_responsibility": link.parental_responsibility,
        }
        for link in pupil.parent_links.select_related("parent").order_by("parent__full_name")
    ]
    links = IncidentPerson.objects.filter(pupil=pupil)
    incidents = (
        Incident.objects.filter(pk__in=links.values("incident_id"))
        .select_related("school", "platform")
        .prefetch_related(
            Prefetch("people", queryset=links, to_attr="this_pupil"),
            Prefetch("events", queryset=IncidentEvent.objects.select_related("by").order_by("at", "id")),
        )
        .order_by("reported_at")
    )
    incident_rows, chronology = [], []
    for incident in incidents:
        events = []
        for event in incident.events.all():
            # A step linking a pupil is about that pupil: only this pupil's own links come along.
            if event.type == IncidentEvent.Type.PUPIL_LINKED and event.data.get("pupil") != str(pupil.pk):
                continue
            entry = {
                "at": _when(event.at),
                "type": event.get_type_display(),
                "by": event.by.full_name if event.by else "Portal",
                "text": event.text,
            }
            events.append(entry)
            chronology.append({**entry, "record": f"Incident {incident.reference}"})
        incident_rows.append(
            {
                "reference": incident.reference,
                "school": incident.school.name,
                "kind": incident.get_kind_display(),
                "status": incident.get_status_display(),
                "reported_at": _when(incident.reported_at),
                "description": incident.description,
                "this_pupil_named_as": [link.get_role_display() for link in incident.this_pupil],
                "events": events,
            }
        )
    answers = []
    for answer in ConsentAnswer.objects.filter(pupil=pupil).select_related("parent").order_by("recorded_at"):
        row = {
            "recorded_at": _when(answer.recorded_at),
            "academic_year": answer.academic_year,
            "purpose": answer.get_purpose_display(),
            "decision": answer.get_decision_display(),
            "restrictions": answer.get_restrictions_display(),
            "by": answer.parent.full_name,
            "method": answer.get_method_display(),
        }
        answers.append(row)
        chronology.append(
            {
                "at": row["recorded_at"],
                "type": "Consent answer",
                "by": row["by"],
                "text": f"{row['purpose']}: {row['decision']}",
                "record": f"Consent {answer.academic_year}",
            }
        )
    chronology.sort(key=lambda entry: entry["at"] or "")
    export = {
        "generated_at": _when(timezone.now()),
        "pupil": {
            "first_name": pupil.first_name,
            "last_name": pupil.last_name,
            "date_of_birth": pupil.date_of_birth.isoformat(),
            "year_group": pupil.get_year_group_display(),
            "class": pupil.class_name,
            "school": pupil.school.name,
            "mis_id": pupil.mis_id,
            "on_roll": pupil.is_active,
            "has_portal_account": pupil.user_id is not None,
        },
        "parents_and_carers": parents,
        "incidents": incident_rows,
        "consent_answers": answers,
        "chronology": chronology,
    }
    audit_record(
        verb=AuditEntry.Verb.DOWNLOAD, obj=pupil, actor=user, object_repr=f"Subject access export: {pupil}"
    )
    return export


def subject_access_pdf(*, export: dict) -> bytes:
    """The export as a printable PDF."""
    from incidents.pdf import render_pdf

    return render_pdf("governance/print/subject_access.html", {"x": export})
