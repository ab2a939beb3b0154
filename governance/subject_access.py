"""A subject access export: everything the portal holds about one pupil, for the data protection
officer, as JSON and PDF.

Each app says what it holds about a pupil by registering a section (core.registries), so a new
record type cannot be left out: a test walks every model that refers to a pupil. Sections are
built from structured records only, so nothing of another pupil comes with them. Free text (an
incident's description, a note) is included as written; the officer reviews it before release.

Subject exclusion holds here as everywhere: an officer named in a record about the pupil cannot
read it through an export. A partial export would be an incomplete answer to the request, so none
is made: the request goes to someone else with the duty (another data protection officer, or
failing one the chief executive), and the page says who."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.models import Pupil, User
from accounts.roles import Action
from core import registries
from core.audit import audit_record
from core.models import AuditEntry
from core.notifications import notify
from core.printing import render_pdf


def _when(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


class SubjectAccessConflict(Exception):
    """The export would hold records naming the officer who asked for it."""


def is_conflicted(*, user: User, pupil: Pupil) -> bool:
    """Would this pupil's export need records that name the user (and so that they may not see)?"""
    return any(section.withheld_from(user, pupil) for section in registries.subject_access_sections)


def officers_instead(*, user: User, pupil: Pupil) -> list[User]:
    """Who should make this pupil's export instead of ``user``: the other data protection officers
    not named in the records the export needs, or, when there is none, the chief executive."""

    def unconflicted(people) -> list[User]:
        return [
            person
            for person in people.exclude(pk=user.pk).order_by("full_name")
            if not is_conflicted(user=person, pupil=pupil)
        ]

    for holders in access.officers_for(Action.EXPORT_SUBJECT_ACCESS, pupil.school_id):
        people = unconflicted(holders)
        if people:
            return people
    return []


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
    export: dict = {
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
    }
    chronology: list[dict] = []
    for section in registries.subject_access_sections:
        rows = section.export_for(pupil)
        export[section.key] = rows
        chronology += section.chronology_for(rows)
    chronology.sort(key=lambda entry: entry["at"] or "")
    export["chronology"] = chronology
    audit_record(
        verb=AuditEntry.Verb.DOWNLOAD, obj=pupil, actor=user, object_repr=f"Subject access export: {pupil}"
    )
    return export


def subject_access_pdf(*, export: dict) -> bytes:
    """The export as a printable PDF: the pupil's record, then each section in turn."""
    sections = [
        {
            "title": section.title,
            "rows": export.get(section.key, []),
            "columns": section.columns,
            "template": section.print_template,
            "empty": section.empty,
        }
        for section in registries.subject_access_sections
    ]
    return render_pdf("governance/print/subject_access.html", {"x": export, "sections": sections})
