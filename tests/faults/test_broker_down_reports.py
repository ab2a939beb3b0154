"""Redis stops while staff file reports: every report is saved and answered at once, its
notifications wait in the outbox, and once Redis is back a real worker emails each exactly once."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from django.db import transaction
from django.urls import reverse

from accounts.roles import Role
from core.models import Notification
from core.notifications import notify
from core.tasks import relay_pending_notifications
from incidents.models import Incident
from tests.celery_worker import point_app_at_broker, wait_until
from tests.faults.helpers import sent_emails
from tests.incidents.helpers import platform
from tests.incidents.test_views import report_data

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker, pytest.mark.slow]

REPORTS = 5
# A report is answered at once when the broker is down (the hand-over fails fast); this bound only
# catches a request that waits on the broker's connection retries or hangs.
REQUEST_BOUND = 5.0
DELIVERY_TIMEOUT = 60


def statuses() -> Counter:
    return Counter(Notification.objects.values_list("email_status", flat=True))


def test_reports_filed_while_redis_is_down_are_saved_and_emailed_once_it_is_back(
    personas, client_for, celery_workers, private_redis
):
    platform("Instagram")
    point_app_at_broker(private_redis.url)
    private_redis.stop()

    client = client_for(personas.a[Role.STAFF])
    locations = []
    for n in range(REPORTS):
        started = time.monotonic()
        response = client.post(
            reverse("incidents:report"), report_data(description=f"Report {n} filed during the outage")
        )
        elapsed = time.monotonic() - started
        assert elapsed < REQUEST_BOUND, f"report {n} took {elapsed:.1f} s with Redis down"
        assert response.status_code == 302, response.content.decode()[:500]
        locations.append(response["Location"])

    incidents = list(Incident.objects.order_by("reported_at"))
    assert len(incidents) == REPORTS
    assert locations == [reverse("incidents:report_done", args=[i.pk]) for i in incidents]
    assert [i.description for i in incidents] == [
        f"Report {n} filed during the outage" for n in range(REPORTS)
    ]
    # Each report tells its handlers; every one of those emails is waiting in the outbox.
    expected = {
        (n.user.email, n.subject)
        for n in Notification.objects.select_related("user").filter(subject__contains="report INC-")
    }
    assert len(expected) >= REPORTS
    assert {i.reference for i in incidents} == {subject.rsplit(" ", 1)[1] for _, subject in expected}
    assert statuses() == {"pending": len(expected)}

    private_redis.start()
    worker = celery_workers(broker_url=private_redis.url)
    # Nothing reached the queue while Redis was down, so nothing is sent until the relay runs.
    time.sleep(1)
    assert statuses() == {"pending": len(expected)}

    # As beat runs it, through the broker (beat waits 30 s before relaying; the test does not).
    relay_pending_notifications.apply_async(kwargs={"older_than_seconds": 0})
    wait_until(
        lambda: statuses() == {"sent": len(expected)},
        timeout=DELIVERY_TIMEOUT,
        what="the relay to send every pending email",
        details=lambda: f"{statuses()}\n{worker.log_tail()}",
    )
    # A second relay (beat's next minute) finds nothing left to send. One solo worker takes the
    # queue in order, so once a notification queued after it is sent, the relay has run.
    relay_pending_notifications.apply_async(kwargs={"older_than_seconds": 0})
    with transaction.atomic():
        barrier = notify(user=personas.b[Role.STAFF], subject="Barrier")
    wait_until(
        lambda: Notification.objects.filter(pk=barrier.pk, email_status="sent").exists(),
        timeout=DELIVERY_TIMEOUT,
        what="the worker to finish the second relay",
        details=worker.log_tail,
    )

    sent = sent_emails([worker])
    assert sent.pop((personas.b[Role.STAFF].email, "Barrier")) == 1
    assert set(sent) == expected
    assert all(count == 1 for count in sent.values()), sent
    assert set(Notification.objects.values_list("email_attempts", flat=True)) == {1}
