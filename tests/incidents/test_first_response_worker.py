"""The first-response ladder on a real Celery worker through Redis, with time moved forward: an
unopened report reminds its handlers, then tells the deputy DSL, the headteacher and the trust
safeguarding lead, each once although every sweep is sent twice; an answer stops it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction

from accounts.roles import Role
from core.models import Notification
from core.notifications import notify
from incidents import services
from incidents.models import FirstResponseNotice, IncidentEvent
from incidents.tasks import chase_first_responses
from tests.celery_worker import wait_until
from tests.incidents.helpers import report

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker, pytest.mark.slow]


def barrier(worker, user) -> None:
    """Wait until the worker has finished everything sent before (its single process takes tasks in
    order, so once a notification queued now has been emailed, every earlier sweep is done)."""
    with transaction.atomic():
        marker = notify(user=user, subject="Barrier")
    wait_until(
        lambda: Notification.objects.filter(pk=marker.pk, email_status="sent").exists(),
        timeout=30,
        what="the worker to catch up",
        details=worker.log_tail,
    )


def chased(user, incident) -> list[str]:
    return list(
        Notification.objects.filter(user=user, subject__contains=incident.reference)
        .exclude(subject__startswith="New ")
        .order_by("created_at", "pk")
        .values_list("subject", flat=True)
    )


def test_an_unopened_report_escalates_once_per_rung_on_a_real_worker(personas, celery_worker):
    a = personas.a
    dsl, deputy, head = a[Role.DSL], a[Role.DEPUTY_DSL], a[Role.HEADTEACHER]
    lead = personas[Role.TRUST_SAFEGUARDING_LEAD]
    incident = report(a[Role.STAFF], a.school)
    due = incident.respond_by

    def sweep_twice_at(hours: float) -> None:
        for _ in range(2):
            chase_first_responses.apply_async(kwargs={"as_of": (due + timedelta(hours=hours)).isoformat()})
        barrier(celery_worker, a[Role.STAFF])

    sweep_twice_at(-13)
    assert not FirstResponseNotice.objects.exists()
    sweep_twice_at(-11.75)
    assert len(chased(dsl, incident)) == 1 and chased(dsl, incident)[0].startswith("Reminder: report")
    assert chased(head, incident) == []
    sweep_twice_at(0.25)
    assert len(chased(deputy, incident)) == 2  # reminded as a handler, then told as the deputy
    assert chased(head, incident) == []
    sweep_twice_at(12.25)
    assert chased(head, incident) == [
        f"Unanswered report {incident.reference}: no first response after 36 hours"
    ]
    sweep_twice_at(24.25)
    assert (
        chased(lead, incident)[-1]
        == f"Unanswered report {incident.reference}: no first response after 48 hours"
    )
    sweep_twice_at(60)

    levels = list(
        IncidentEvent.objects.filter(incident=incident, type=IncidentEvent.Type.ESCALATION)
        .order_by("id")
        .values_list("data__level", flat=True)
    )
    assert levels == ["reminder", "deputy", "head", "trust_lead"]
    assert FirstResponseNotice.objects.filter(incident=incident).count() == 4
    assert len(chased(head, incident)) == 1
    # Every email went out through the outbox, none of them to anyone twice for one rung.
    wait_until(
        lambda: (
            not Notification.objects.filter(
                subject__contains=incident.reference, email_status="pending"
            ).exists()
        ),
        timeout=30,
        what="the ladder's emails",
        details=celery_worker.log_tail,
    )


def test_an_answered_report_stops_the_ladder_on_a_real_worker(personas, celery_worker):
    a = personas.a
    incident = report(a[Role.STAFF], a.school)
    due = incident.respond_by
    chase_first_responses.apply_async(kwargs={"as_of": (due - timedelta(hours=11)).isoformat()})
    barrier(celery_worker, a[Role.STAFF])
    assert FirstResponseNotice.objects.filter(incident=incident).count() == 1
    services.incident_set_severity(user=a[Role.DSL], incident=incident, severity=2)
    chase_first_responses.apply_async(kwargs={"as_of": (due + timedelta(hours=30)).isoformat()})
    barrier(celery_worker, a[Role.STAFF])
    assert FirstResponseNotice.objects.filter(incident=incident).count() == 1
    assert chased(a[Role.HEADTEACHER], incident) == []
