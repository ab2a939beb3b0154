"""Decisions left waiting more than two working days remind the next deciders, once per level."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from accounts.roles import Role
from approvals.models import ApprovalRequest
from approvals.services.reminders import reminder_levels_due, waiting_decisions_sweep
from core.calendar import add_working_days
from core.models import Notification
from tests.approvals.helpers import site_request

UK = ZoneInfo("Europe/London")


def at(day: int, hour: int = 10) -> datetime:
    """A moment in the week of Monday 2 November 2026."""
    return datetime(2026, 11, day, hour, tzinfo=UK)


def test_working_days_skip_the_weekend():
    assert add_working_days(at(2), 2) == at(4)  # Monday → Wednesday
    assert add_working_days(at(6), 2) == at(10)  # Friday → Tuesday
    assert add_working_days(at(7), 2) == at(10)  # Saturday → Tuesday
    assert reminder_levels_due(at(6), at(9, 23)) == []  # Friday to Monday night: one working day
    assert reminder_levels_due(at(6), at(10, 11)) == [1]
    assert reminder_levels_due(at(6), at(12, 11)) == [1, 2]


def test_working_days_skip_bank_holidays():
    christmas_eve = datetime(2026, 12, 24, 10, tzinfo=UK)  # Thursday; 25th, 28th (Boxing Day observed)
    assert add_working_days(christmas_eve, 1) == datetime(2026, 12, 29, 10, tzinfo=UK)
    before_easter = datetime(2027, 3, 25, 10, tzinfo=UK)  # Good Friday and Easter Monday follow
    assert add_working_days(before_easter, 2) == datetime(2027, 3, 31, 10, tzinfo=UK)


@pytest.mark.django_db
def test_a_request_waiting_too_long_reminds_its_next_deciders_once(personas):
    a = personas.a
    request = site_request(a)
    # Submitted on a Friday morning.
    ApprovalRequest.objects.filter(pk=request.pk).update(state_changed_at=at(6))
    mo = a[Role.MARKETING_OFFICER]

    def reminders():
        return Notification.objects.filter(user=mo, subject__startswith="Reminder:").count()

    assert waiting_decisions_sweep(now=at(9, 12)) == 0  # Monday: only one working day
    assert waiting_decisions_sweep(now=at(10, 11)) == 1  # Tuesday after 10:00: two working days
    assert waiting_decisions_sweep(now=at(10, 15)) == 0
    assert reminders() == 1
    assert not Notification.objects.filter(user=a[Role.HEADTEACHER], subject__startswith="Reminder:").exists()

    # Two more working days: a second reminder; a sweep that ran late sends one, not a burst.
    assert waiting_decisions_sweep(now=at(16, 11)) == 1
    assert reminders() == 2
    assert (
        "more than 6 working days" in Notification.objects.filter(user=mo).order_by("-created_at")[0].subject
    )
