"""The operations figures, against records built to give a known answer: the overdue deadlines of
each kind, in the viewer's schools and in all, the email outbox, and when the sweep counts as
stalled (and the trust administrators are told, once per stall)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from core.heartbeat import BEAT, heartbeat_record, operations_status, task_key
from core.models import Notification, StallAlert
from governance.operations import SWEEP_TASK, operations_check
from incidents.models import Incident
from tests.operations.helpers import takedown, waiting_email

pytestmark = pytest.mark.django_db

STALL = timedelta(minutes=15)


def status_now(**kwargs):
    return operations_status(job=SWEEP_TASK, stall_after=STALL, **kwargs)


def overdue(status) -> dict[str, int]:
    return {item.key: item.count for item in status.overdue}


def test_overdue_deadlines_are_counted_per_kind_and_per_school(personas):
    # School A: two takedowns past their deadline, one closed after it (met), one not yet due.
    takedown(personas, "a", deadline_in=-timedelta(hours=1))
    takedown(personas, "a", deadline_in=-timedelta(minutes=5))
    takedown(personas, "a", deadline_in=-timedelta(hours=3), closed=True)
    takedown(personas, "a", deadline_in=timedelta(hours=2))
    # School B: one takedown past its deadline.
    takedown(personas, "b", deadline_in=-timedelta(hours=30))
    # First responses: every report above is due in the future; two of school A's are made late,
    # one of them closed (no longer chased).
    late = list(Incident.objects.filter(school=personas.a.school).order_by("reported_at")[:2])
    Incident.objects.filter(pk=late[0].pk).update(respond_by=timezone.now() - timedelta(minutes=1))
    Incident.objects.filter(pk=late[1].pk).update(
        respond_by=timezone.now() - timedelta(minutes=1), status="closed", closed_at=timezone.now()
    )

    everywhere = overdue(status_now())
    assert everywhere["takedowns"] == 3
    assert everywhere["first_responses"] == 1
    # Nothing else was built overdue: the other kinds count none.
    assert {k: v for k, v in everywhere.items() if k not in {"takedowns", "first_responses"}} == {
        "decisions": 0,
        "access_endings": 0,
        "account_reviews": 0,
        "imports": 0,
        "policy_reviews": 0,
        "breaches": 0,
    }
    assert status_now().overdue_total == 4

    school_a = overdue(status_now(school_ids=[personas.a.school.pk]))
    assert school_a["takedowns"] == 2
    assert school_a["first_responses"] == 1
    school_b = overdue(status_now(school_ids=[personas.b.school.pk]))
    assert school_b["takedowns"] == 1
    assert school_b["first_responses"] == 0


def test_the_outbox_counts_what_waits_and_how_long_the_oldest_has(personas):
    Notification.objects.all().delete()
    user = personas.a[Role.DSL]
    waiting_email(user, age=timedelta(minutes=3))
    waiting_email(user, age=timedelta(minutes=42))
    waiting_email(user, age=timedelta(hours=5), status=Notification.EmailStatus.SENT)
    waiting_email(user, age=timedelta(hours=6), status=Notification.EmailStatus.NOT_SENT)

    status = status_now()
    assert status.pending_notifications == 2
    assert timedelta(minutes=42) <= status.oldest_pending_age < timedelta(minutes=43)
    assert status.as_json()["notifications_waiting"]["count"] == 2
    assert 42 * 60 <= status.as_json()["notifications_waiting"]["oldest_age_seconds"] < 43 * 60


def test_the_sweep_counts_as_stalled_after_fifteen_minutes(db):
    now = timezone.now()
    assert status_now().never_started and not status_now().stalled

    heartbeat_record(key=BEAT, at=now - timedelta(minutes=2))
    status = status_now()
    assert not status.never_started and not status.stalled, "its first run is not due yet"

    heartbeat_record(key=BEAT, at=now - timedelta(minutes=16))
    assert status_now().stalled, "beat has been up 16 minutes and the sweep never ran"

    heartbeat_record(key=task_key(SWEEP_TASK), at=now - timedelta(minutes=14, seconds=50))
    assert not status_now().stalled
    heartbeat_record(key=task_key(SWEEP_TASK), at=now - timedelta(minutes=15, seconds=10))
    assert status_now().stalled
    assert status_now().as_json()["status"] == "stalled"


def test_a_stall_is_told_to_the_trust_administrators_once(personas):
    Notification.objects.all().delete()
    admin = personas[Role.TRUST_ADMINISTRATOR]
    last_run = timezone.now() - timedelta(minutes=20)
    heartbeat_record(key=task_key(SWEEP_TASK), at=last_run)

    for _ in range(3):  # the page, /healthz/deadlines and a worker, one after another
        assert operations_check().stalled

    def told():
        return list(
            Notification.objects.filter(subject__startswith="The deadline escalation sweep has not run")
        )

    assert [n.user for n in told()] == [admin]
    assert "20 minutes" in told()[0].subject
    assert StallAlert.objects.count() == 1

    # It runs again, then stalls again: a new stall, told again.
    heartbeat_record(key=task_key(SWEEP_TASK), at=timezone.now())
    assert not operations_check().stalled
    heartbeat_record(key=task_key(SWEEP_TASK), at=timezone.now() - timedelta(minutes=30))
    operations_check()
    assert [n.user for n in told()] == [admin, admin]
    assert StallAlert.objects.count() == 2


def test_the_figures_take_the_same_queries_whatever_the_data(personas, django_assert_num_queries):
    def queries():
        # 1 heartbeats; 1 each for takedowns, first responses, decisions, access endings, account
        # reviews, imports, policy reviews (the policy scope is a subquery) and breaches past the
        # ICO's 72 hours; 1 the outbox.
        with django_assert_num_queries(10):
            status_now(school_ids=[personas.a.school.pk])

    queries()
    for _ in range(3):
        takedown(personas, "a", deadline_in=-timedelta(hours=1))
    heartbeat_record(key=BEAT)
    heartbeat_record(key="worker:one@host")
    heartbeat_record(key="worker:two@host")
    queries()
