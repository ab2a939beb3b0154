"""The annual collection opens by itself on the day the trust set, once, with its reminders."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from consent.models import Collection, CollectionSchedule
from consent.services import (
    collection_open,
    collection_schedule_set,
    collections_open_scheduled,
    next_opening,
)
from consent.tasks import open_scheduled_collections
from core.calendar import academic_year_for
from core.dates import long_date
from core.models import Notification
from portal.settings import CELERY_BEAT_SCHEDULE
from tests.factories import person

pytestmark = pytest.mark.django_db


def opening_day() -> date:
    """A day this academic year, today or a few days before, that exists in every year."""
    today = timezone.localdate()
    return today if today.day <= 28 else today.replace(day=28)


def schedule_for(personas, *, opens: date, weeks: int = 4, **kwargs) -> CollectionSchedule:
    return collection_schedule_set(
        by=personas[Role.TRUST_ADMINISTRATOR],
        trust=personas.trust,
        opens_day=opens.day,
        opens_month=opens.month,
        weeks_open=weeks,
        message=kwargs.pop("message", "Forms also at the office."),
        **kwargs,
    )


def invitations(user) -> int:
    return Notification.objects.filter(user=user, subject__startswith="Photo and video consent").count()


def test_the_collection_opens_by_itself_on_its_day_for_every_school_and_only_once(
    personas, django_capture_on_commit_callbacks
):
    opens = opening_day()
    schedule_for(personas, opens=opens, weeks=3)

    assert collections_open_scheduled(today=opens - timedelta(days=1)) == []
    with django_capture_on_commit_callbacks(execute=True):
        (collection,) = collections_open_scheduled(today=timezone.localdate())

    assert collection.school is None and collection.trust == personas.trust
    assert collection.academic_year == academic_year_for(opens)
    assert collection.closes_on == opens + timedelta(weeks=3)
    assert collection.opened_by == personas[Role.TRUST_ADMINISTRATOR]
    assert collection.message == "Forms also at the office."
    # Parents of both schools are asked at once, as when someone opens it by hand.
    assert invitations(personas.a[Role.PARENT]) == 1 and invitations(personas.b[Role.PARENT]) == 1
    # The next day's run (and a second run today) opens nothing more and asks nobody twice.
    with django_capture_on_commit_callbacks(execute=True):
        assert collections_open_scheduled(today=timezone.localdate()) == []
        assert open_scheduled_collections() == 0
    assert Collection.objects.count() == 1 and invitations(personas.a[Role.PARENT]) == 1


def test_schools_that_opened_their_own_keep_it_and_the_others_are_opened(
    personas, django_capture_on_commit_callbacks
):
    opens = opening_day()
    own = collection_open(
        by=personas.a[Role.MARKETING_OFFICER],
        school=personas.a.school,
        academic_year=academic_year_for(opens),
        closes_on=timezone.localdate() + timedelta(days=10),
    )
    schedule_for(personas, opens=opens)
    with django_capture_on_commit_callbacks(execute=True):
        (opened,) = collections_open_scheduled()
    assert opened.school == personas.b.school
    assert set(Collection.objects.values_list("pk", flat=True)) == {own.pk, opened.pk}


def test_a_paused_schedule_or_a_day_not_yet_come_opens_nothing(personas):
    opens = opening_day()
    schedule_for(personas, opens=opens, active=False)
    assert collections_open_scheduled() == []
    later = opens + timedelta(days=40)
    if academic_year_for(later) == academic_year_for(opens):
        schedule_for(personas, opens=later)
        assert collections_open_scheduled() == []
    assert Collection.objects.count() == 0


def test_a_schedule_whose_setter_may_no_longer_open_it_says_so(personas, client_for):
    opens = opening_day()
    schedule_for(personas, opens=opens)
    setter = personas[Role.TRUST_ADMINISTRATOR]
    setter.is_active = False
    setter.save(update_fields=["is_active"])

    assert collections_open_scheduled() == []
    problem = CollectionSchedule.objects.get().last_problem
    assert "could not be opened as" in problem and setter.full_name in problem
    colleague = person(Role.TRUST_ADMINISTRATOR, trust=personas.trust)
    page = client_for(colleague).get(reverse("consent:collections"))
    assert escape(problem) in page.content.decode()


def test_the_day_must_exist_every_year(personas):
    with pytest.raises(ValidationError) as refused:
        collection_schedule_set(
            by=personas[Role.TRUST_ADMINISTRATOR],
            trust=personas.trust,
            opens_day=29,
            opens_month=2,
            weeks_open=4,
        )
    assert "between 1 and 28" in str(refused.value)


def test_the_trust_sets_the_schedule_on_its_page(personas, client_for):
    client = client_for(personas[Role.TRUST_ADMINISTRATOR])
    page = client.get(reverse("consent:collections")).content.decode()
    assert "No schedule is set" in page and reverse("consent:collection_schedule") in page

    url = reverse("consent:collection_schedule")
    typed = {"active": "on", "opens_day": "31", "opens_month": "9", "weeks_open": "5", "message": "See you"}
    refused = client.post(url, typed)
    assert refused.status_code == 200
    html = refused.content.decode()
    # The message sits by the field, and nothing typed is lost.
    assert "The day must be between 1 and 30 for that month." in html
    assert 'value="31"' in html and "See you" in html and 'value="5"' in html

    done = client.post(url, {**typed, "opens_day": "8"}, follow=True)
    schedule = CollectionSchedule.objects.get()
    assert (schedule.opens_day, schedule.opens_month, schedule.weeks_open) == (8, 9, 5)
    assert (
        f"The next collection opens by itself on {long_date(next_opening(schedule))}."
        in done.content.decode()
    )
    assert next_opening(schedule).month == 9 and next_opening(schedule).day == 8
    assert next_opening(schedule) >= timezone.localdate()


def test_only_those_who_run_the_collection_in_every_school_set_it(personas, client_for):
    officer = client_for(personas.a[Role.MARKETING_OFFICER])
    assert officer.get(reverse("consent:collection_schedule")).status_code == 403
    assert (
        reverse("consent:collection_schedule")
        not in officer.get(reverse("consent:collections")).content.decode()
    )


def test_beat_runs_the_job_each_morning_before_the_reminders():
    entries = {entry["task"]: entry["schedule"] for entry in CELERY_BEAT_SCHEDULE.values()}
    opens = entries["consent.tasks.open_scheduled_collections"]
    reminders = entries["consent.tasks.send_collection_reminders"]
    assert sorted(opens.hour) == [7] and min(reminders.hour) > 7
