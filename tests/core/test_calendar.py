"""Anniversaries as retention and ages count them, including 29 February and the UK date."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from core.calendar import reached_by, years_after


@pytest.mark.parametrize(
    ("day", "years", "start"),
    [
        (date(2025, 6, 1), 25, date(2000, 6, 1)),
        # A common year's 28 February is also the anniversary of a leap year's 29 February.
        (date(2025, 2, 28), 25, date(2000, 2, 29)),
        (date(2025, 2, 28), 24, date(2001, 2, 28)),
        (date(2028, 2, 29), 3, date(2025, 2, 28)),
        (date(2028, 2, 28), 25, date(2003, 2, 28)),
    ],
)
def test_reached_by_is_the_latest_start_whose_anniversary_has_come(day, years, start):
    assert reached_by(day, years) == start
    assert years_after(start, years) <= day
    # The next day's anniversary is still to come.
    following = date.fromordinal(start.toordinal() + 1)
    assert years_after(following, years) > day


@pytest.mark.django_db
def test_a_pupil_turns_13_at_midnight_uk_time(personas):
    """Seen at 00:30 BST on the 13th birthday (23:30 UTC the day before): not under 13."""
    from django.utils import timezone

    from accounts.roles import Role
    from incidents import services
    from incidents.models import Kind, Platform
    from incidents.services import PersonInvolved, routing
    from tests.factories import PupilFactory

    a = personas.a
    pupil = PupilFactory(school=a.school, date_of_birth=date(2014, 6, 10))
    seen = datetime(2027, 6, 10, 0, 30, tzinfo=ZoneInfo("Europe/London"))
    assert seen.astimezone(ZoneInfo("UTC")).date() == date(2027, 6, 9)
    incident = services.incident_report(
        reporter=a[Role.STAFF],
        school=a.school,
        kind=Kind.UNDER_AGE,
        seen_at=seen,
        platform=Platform.objects.get(name="Instagram"),
        description="An account with the pupil's photo",
        people=[PersonInvolved(role="subject", identity="pupil", pupil=pupil)],
    )
    assert timezone.localdate(incident.seen_at) == date(2027, 6, 10)
    assert routing.under_age_pupils(incident) == []
