"""Recording consent in tests, through the real services."""

from __future__ import annotations

from accounts.models import ParentLink
from consent.models import Decision, Purpose
from consent.selectors import current_academic_year
from consent.services import Answer, consent_record
from tests.factories import PupilFactory

YES = Answer(Decision.GIVEN)
NO = Answer(Decision.REFUSED)


def yes(*restrictions: str) -> Answer:
    return Answer(Decision.GIVEN, tuple(restrictions))


def answer(parent, pupil, answers: dict, **kwargs):
    """Record a parent's answers online for this academic year."""
    kwargs.setdefault("academic_year", current_academic_year())
    return consent_record(by=parent, pupil=pupil, answers=answers, **kwargs)


def answer_all(parent, pupil, value: Answer = YES, **kwargs):
    """The same answer for every purpose."""
    return answer(parent, pupil, {p: value for p in Purpose.values}, **kwargs)


def child_of(parent, school, *, responsibility: bool = True, **fields):
    """A new pupil at the school, linked to the parent."""
    pupil = PupilFactory(school=school, **fields)
    ParentLink.objects.create(
        parent=parent,
        pupil=pupil,
        relationship=ParentLink.Relationship.FATHER,
        parental_responsibility=responsibility,
    )
    return pupil


def consent_sweep_objects(personas) -> dict[str, tuple[dict, object]]:
    """The access sweep's consent records, and the MIS import run that fills consent's register, all
    of school A (tests/access/test_sweep.py)."""
    from datetime import timedelta

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from accounts.models import ImportRun
    from accounts.roles import Role
    from consent.models import WithdrawalFollowUp
    from consent.services import collection_open, consent_withdraw, event_add_pupils, event_create

    a = personas.a
    answer(a[Role.PARENT], a.child, {Purpose.SCHOOL_SOCIAL_MEDIA: YES})
    consent_withdraw(by=a[Role.PARENT], pupil=a.child, academic_year=current_academic_year())
    follow_up = WithdrawalFollowUp.objects.get(pupil=a.child)
    collection = collection_open(
        by=a[Role.MARKETING_OFFICER],
        school=a.school,
        academic_year=current_academic_year(),
        closes_on=timezone.localdate() + timedelta(days=28),
    )
    event = event_create(
        by=a[Role.MARKETING_OFFICER],
        name="Sports day",
        date=timezone.localdate(),
        schools=[a.school],
        purposes=[Purpose.SCHOOL_SOCIAL_MEDIA],
    )
    event_add_pupils(by=a[Role.MARKETING_OFFICER], event=event, pupils=[a.child])
    run = ImportRun(
        school=a.school,
        uploaded_by=personas[Role.TRUST_ADMINISTRATOR],
        original_name="export.csv",
        status=ImportRun.Status.PREVIEWED,
    )
    run.file.save(
        "export.csv", ContentFile(b"UPN,Forename,Surname,DOB,Year\nS1,Sam,Lee,01/01/2015,5\n"), save=False
    )
    run.save()
    return {
        "consent_follow_up": ({"follow_up_id": follow_up.pk}, a.school),
        "consent_collection": ({"collection_id": collection.pk}, a.school),
        "consent_event": ({"event_id": event.pk}, a.school),
        "mis_import": ({"run_id": run.pk}, a.school),
    }
