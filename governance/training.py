"""Training records: staff online safety training each term and parents' sessions, who attended,
and who is due (a member of staff with no attended staff training this term)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.models import School, User
from accounts.roles import Action
from core.audit import audit_record
from core.calendar import term_of
from core.models import AuditEntry
from core.notifications import notify
from core.once import claim
from governance.models import TrainingAttendance, TrainingReminder, TrainingSession


def sessions_for(user) -> QuerySet[TrainingSession]:
    """Training sessions of the schools where the user keeps training records."""
    return (
        TrainingSession.objects.filter(school_id__in=access.schools_for(user, Action.MANAGE_POLICIES))
        .select_related("school")
        .order_by("-held_on")
    )


def staff_due(*, school_id, today: date | None = None) -> QuerySet[User]:
    """Members of staff of a school with no attended staff training in the current term."""
    term = term_of(today or timezone.localdate())
    trained = TrainingAttendance.objects.filter(
        user=OuterRef("pk"), session__kind=TrainingSession.Kind.STAFF, session__term=term
    )
    return access.staff_of([school_id]).exclude(Exists(trained)).order_by("full_name")


def staff_due_by_school(*, school_ids, today: date | None = None) -> list[tuple]:
    """(school, [staff due]) for every school, in one query whatever the number of schools."""
    term = term_of(today or timezone.localdate())
    trained = TrainingAttendance.objects.filter(
        user=OuterRef("user_id"), session__kind=TrainingSession.Kind.STAFF, session__term=term
    )
    rows = (
        access.staff_memberships(school_ids)
        .filter(user__is_active=True)
        .exclude(Exists(trained))
        .select_related("user", "school")
        .order_by("school__name", "user__full_name")
    )
    due: dict = {}
    for membership in rows:
        people = due.setdefault(membership.school, [])
        if membership.user not in people:
            people.append(membership.user)
    return list(due.items())


def training_session_record(
    *, user: User, school: School, kind: str, title: str, held_on: date
) -> TrainingSession:
    """Record a training session held in a school."""
    if not access.can(user, Action.MANAGE_POLICIES, school):
        raise PermissionDenied
    session = TrainingSession(school=school, kind=kind, title=title, held_on=held_on, created_by=user)
    session.full_clean(exclude=["term"])
    session.save()
    audit_record(verb=AuditEntry.Verb.CREATE, obj=session, actor=user)
    return session


def attendance_record(*, user: User, session: TrainingSession, attendees: list[User]) -> int:
    """Record who attended (staff of the school, or its parents for a parents' session); returns
    how many were added. Recording someone twice adds nothing."""
    if not access.can(user, Action.MANAGE_POLICIES, session):
        raise PermissionDenied
    allowed = (
        access.staff_of([session.school_id])
        if session.kind == TrainingSession.Kind.STAFF
        else access.parents_of(session.school_id)
    )
    allowed_ids = set(allowed.filter(pk__in=[a.pk for a in attendees]).values_list("pk", flat=True))
    if any(a.pk not in allowed_ids for a in attendees):
        raise ValidationError("Choose people of this school only.")
    before = session.attendance.count()
    TrainingAttendance.objects.bulk_create(
        [TrainingAttendance(session=session, user=a, recorded_by=user) for a in attendees],
        ignore_conflicts=True,
    )
    added = session.attendance.count() - before
    audit_record(verb=AuditEntry.Verb.UPDATE, obj=session, actor=user, changes={"attendance_added": added})
    return added


def training_due_sweep(*, today: date | None = None) -> int:
    """Tell each member of staff with no staff training this term, once a term; returns how many."""
    today = today or timezone.localdate()
    term = term_of(today)
    schools = School.objects.values_list("pk", flat=True)
    trained = TrainingAttendance.objects.filter(
        user=OuterRef("pk"), session__kind=TrainingSession.Kind.STAFF, session__term=term
    )
    reminded = TrainingReminder.objects.filter(user=OuterRef("pk"), term=term)
    sent = 0
    for person in access.staff_of(schools).exclude(Exists(trained)).exclude(Exists(reminded)).iterator():
        if not claim(TrainingReminder, user=person, term=term):
            continue
        notify(
            user=person,
            subject=f"Your online safety training is due this term ({term})",
            body="Ask your headteacher when the next staff online safety session is.",
            link=reverse("home"),
        )
        sent += 1
    return sent
