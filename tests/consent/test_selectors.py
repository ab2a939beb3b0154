"""The consent check other code calls: verdicts, reasons, and a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Pupil
from accounts.roles import Role
from consent.models import Purpose, Restriction
from consent.selectors import (
    collection_progress,
    combined_verdict,
    consent_check,
    consent_check_many,
    coverage,
    current_academic_year,
)
from consent.services import consent_withdraw
from tests.consent.helpers import NO, YES, answer, answer_all, child_of, yes
from tests.factories import PupilFactory

pytestmark = pytest.mark.django_db
SOCIAL = Purpose.SCHOOL_SOCIAL_MEDIA


def families(school, count: int) -> list[Pupil]:
    """``count`` pupils, each with a parent; every third refused, every third restricted, the rest given."""
    from tests.factories import UserFactory

    pupils = []
    for index in range(count):
        parent = UserFactory()
        pupil = child_of(parent, school)
        value = (YES, NO, yes(Restriction.GROUP_SHOTS_ONLY))[index % 3]
        answer(parent, pupil, {SOCIAL: value})
        pupils.append(pupil)
    return pupils


def count_queries(fn) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


def test_each_verdict_says_why(personas):
    parent = personas.a[Role.PARENT]
    given, refused, withdrawn = (child_of(parent, personas.a.school) for _ in range(3))
    silent = PupilFactory(school=personas.a.school)
    answer(parent, given, {SOCIAL: yes(Restriction.FIRST_NAME_ONLY)})
    answer(parent, refused, {SOCIAL: NO})
    answer(parent, withdrawn, {SOCIAL: YES})
    consent_withdraw(by=parent, pupil=withdrawn, academic_year=current_academic_year())

    verdicts = consent_check(
        pupils=Pupil.objects.filter(pk__in=[given.pk, refused.pk, withdrawn.pk, silent.pk]), purpose=SOCIAL
    )

    assert verdicts[given.pk].allowed and verdicts[given.pk].restrictions == [Restriction.FIRST_NAME_ONLY]
    assert verdicts[given.pk].restriction_labels == ["First name only"]
    assert verdicts[given.pk].reason.startswith(f"Given by {parent.full_name}")
    assert not verdicts[refused.pk].allowed and verdicts[refused.pk].reason.startswith("Refused by")
    assert not verdicts[withdrawn.pk].allowed and verdicts[withdrawn.pk].reason.startswith("Withdrawn by")
    assert not verdicts[silent.pk].allowed and verdicts[silent.pk].reason.startswith("No answer")
    assert [v.status for v in (verdicts[given.pk], verdicts[refused.pk])] == ["restricted", "not_allowed"]


def test_last_years_consent_is_not_this_years(personas):
    parent, pupil = personas.a[Role.PARENT], personas.a.child
    answer_all(parent, pupil)
    this_year = current_academic_year()
    last_year = f"{int(this_year[:4]) - 1}/{this_year[2:4]}"
    assert consent_check(pupils=[pupil], purpose=SOCIAL)[pupil.pk].allowed
    assert not consent_check(pupils=[pupil], purpose=SOCIAL, academic_year=last_year)[pupil.pk].allowed


@pytest.mark.parametrize("as_queryset", [True, False])
def test_the_check_makes_the_same_queries_for_3_and_30_pupils(personas, as_queryset):
    three = families(personas.a.school, 3)
    thirty = three + families(personas.a.school, 27)

    def run(pupils):
        given = Pupil.objects.filter(pk__in=[p.pk for p in pupils]) if as_queryset else pupils
        return lambda: consent_check(pupils=given, purpose=SOCIAL)

    # Queries: (1) the pupils' ids, only for a queryset; (2) their answers with each parent.
    expected = 2 if as_queryset else 1
    assert count_queries(run(three)) == expected
    assert count_queries(run(thirty)) == expected
    verdicts = consent_check(pupils=thirty, purpose=SOCIAL)
    assert [verdicts[p.pk].status for p in thirty[:3]] == ["allowed", "not_allowed", "restricted"]
    assert sum(v.allowed for v in verdicts.values()) == 20


def test_several_purposes_in_one_query(personas):
    pupils = families(personas.a.school, 6)
    assert count_queries(lambda: consent_check_many(pupils=pupils, purposes=Purpose.values)) == 1


def test_a_combined_verdict_needs_every_purpose(personas):
    parent, pupil = personas.a[Role.PARENT], personas.a.child
    answer(
        parent,
        pupil,
        {SOCIAL: yes(Restriction.NO_NAME), Purpose.SCHOOL_WEBSITE: YES, Purpose.PRESS_AND_MEDIA: NO},
    )
    both = consent_check_many(pupils=[pupil], purposes=[SOCIAL, Purpose.SCHOOL_WEBSITE])[pupil.pk]
    assert combined_verdict(both).allowed and combined_verdict(both).restrictions == [Restriction.NO_NAME]
    three = consent_check_many(
        pupils=[pupil], purposes=[SOCIAL, Purpose.SCHOOL_WEBSITE, Purpose.PRESS_AND_MEDIA]
    )
    verdict = combined_verdict(three[pupil.pk])
    assert not verdict.allowed and verdict.reason == "Press and media: refused"


def test_coverage_counts_pupils_with_every_purpose_answered(personas):
    school = personas.a.school
    parent = personas.a[Role.PARENT]
    answer_all(parent, personas.a.child)
    partly = child_of(parent, school)
    answer(parent, partly, {SOCIAL: YES})
    total = Pupil.objects.filter(school=school, is_active=True).count()
    assert coverage(schools=[school], academic_year=current_academic_year()) == {
        "total": total,
        "answered": 1,
        "percent": round(100 / total),
    }


def test_collection_progress_is_per_school(personas):
    from datetime import timedelta

    from django.utils import timezone

    from consent.services import collection_open

    answer_all(personas.a[Role.PARENT], personas.a.child)
    collection = collection_open(
        by=personas[Role.TRUST_ADMINISTRATOR],
        trust=personas.trust,
        academic_year=current_academic_year(),
        closes_on=timezone.localdate() + timedelta(days=30),
    )
    rows = {
        r["school"]: r
        for r in collection_progress(
            collection=collection, schools=[personas.a.school.pk, personas.b.school.pk]
        )
    }
    assert rows["School A"]["answered"] == 1 and rows["School A"]["total"] == 2
    assert rows["School B"]["answered"] == 0 and rows["School B"]["total"] == 2
