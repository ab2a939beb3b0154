"""The takedown escalation ladder on a real Celery worker through Redis, with time moved forward:
12 h reminder, 20 h headteacher, 24 h breach, then daily; each sweep is sent twice, and the second
sends nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction

from accounts.roles import Role
from core.models import Notification
from core.notifications import notify
from incidents import services
from incidents.models import TakedownNotice
from incidents.tasks import escalate_takedowns
from tests.celery_worker import wait_until
from tests.incidents.helpers import report

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker, pytest.mark.slow]


def barrier(worker, user) -> None:
    """Wait until the worker has finished everything sent before: its single process takes tasks in
    order, so once a notification queued now has been emailed, every earlier sweep is done."""
    with transaction.atomic():
        marker = notify(user=user, subject="Barrier")
    wait_until(
        lambda: Notification.objects.filter(pk=marker.pk, email_status="sent").exists(),
        timeout=30,
        what="the worker to catch up",
        details=worker.log_tail,
    )


def takedown_subjects(user) -> list[str]:
    return list(
        Notification.objects.filter(user=user, subject__startswith="Takedown")
        .order_by("created_at")
        .values_list("subject", flat=True)
    )


def test_the_ladder_on_a_real_worker_sends_each_rung_once(personas, celery_worker):
    a = personas.a
    dsl, head, lead = a[Role.DSL], a[Role.HEADTEACHER], personas[Role.TRUST_SAFEGUARDING_LEAD]
    incident = report(a[Role.STAFF], a.school)
    takedown = services.takedown_open(user=dsl, incident=incident, content_url="https://example.com/p/1")
    start = incident.reported_at

    def sweep_twice_at(hours: float) -> None:
        for _ in range(2):
            escalate_takedowns.apply_async(kwargs={"as_of": (start + timedelta(hours=hours)).isoformat()})
        barrier(celery_worker, a[Role.STAFF])

    sweep_twice_at(11)
    assert not TakedownNotice.objects.exists()
    sweep_twice_at(12.5)
    assert takedown_subjects(dsl) == [
        f"Takedown reminder: {incident.reference} – 12 hours left to get the content removed"
    ]
    assert takedown_subjects(head) == []
    sweep_twice_at(20.5)
    assert takedown_subjects(head) == [f"Takedown at risk: {incident.reference} – 4 hours left"]
    sweep_twice_at(24.5)
    assert (
        takedown_subjects(lead)[-1]
        == f"Takedown deadline missed: {incident.reference} – 24 hours have passed"
    )
    sweep_twice_at(49)
    assert (
        takedown_subjects(head)[-1]
        == f"Takedown still outstanding: {incident.reference} – 1 day past the deadline"
    )

    levels = sorted(TakedownNotice.objects.filter(takedown=takedown).values_list("level", flat=True))
    assert levels == ["12h", "20h", "24h", "day-1"]
    assert len(takedown_subjects(head)) == 3  # 20 h, 24 h, day 1: each once despite two sweeps
    assert len(takedown_subjects(dsl)) == 1

    # Removal confirmed: the ladder stops.
    services.takedown_confirm_removal(user=dsl, takedown=takedown)
    sweep_twice_at(80)
    assert TakedownNotice.objects.filter(takedown=takedown).count() == 4
