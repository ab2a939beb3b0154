"""Notifications through a real Celery worker and Redis: delivery, and a broker outage."""

from __future__ import annotations

import time

import pytest
from django.db import transaction

from core.models import Notification
from core.notifications import notify
from core.tasks import relay_pending_notifications
from tests.celery_worker import wait_until
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker, pytest.mark.slow]

DELIVERY_TIMEOUT = 30


def email_status(notification: Notification) -> str:
    """The notification's email status as the database holds it now."""
    return Notification.objects.values_list("email_status", flat=True).get(pk=notification.pk)


def emails_to(worker, address: str) -> list[str]:
    """The messages in the worker's mail folder addressed to ``address``."""
    return [message for message in worker.emails() if f"To: {address}" in message]


def test_a_notification_is_emailed_by_the_worker(celery_worker):
    user = UserFactory(email="dsl.worker@test.example")

    # As a view saving a record does: the email is queued only once the transaction commits.
    with transaction.atomic():
        notification = notify(
            user=user,
            subject="A concern needs triage",
            body="Year 9 pupil Jamie Example shared a screenshot.",
            link="/incidents/123/",
        )

    wait_until(
        lambda: email_status(notification) == "sent",
        timeout=DELIVERY_TIMEOUT,
        what="the worker to send the email",
        details=celery_worker.log_tail,
    )
    messages = wait_until(lambda: emails_to(celery_worker, user.email), timeout=5, what="the email file")
    assert len(messages) == 1
    assert "Subject: A concern needs triage" in messages[0]
    assert "/incidents/123/" in messages[0]
    assert "Jamie" not in messages[0]
    notification.refresh_from_db()
    assert notification.email_attempts == 1
    assert notification.email_sent_at is not None


def test_a_broker_outage_loses_nothing_and_sends_once(celery_workers, private_redis):
    user = UserFactory(email="head.outage@test.example")
    other = UserFactory(email="staff.barrier@test.example")

    from tests.celery_worker import point_app_at_broker

    point_app_at_broker(private_redis.url)
    private_redis.stop()

    started = time.monotonic()
    with transaction.atomic():
        notification = notify(user=user, subject="An approval is waiting", link="/approvals/7/")
    elapsed = time.monotonic() - started

    # The save (and the failed hand-over to the queue after commit) must not keep a person
    # waiting on a broker that is down.
    assert elapsed < 1.5, f"notify() took {elapsed:.2f} s with the broker down"
    assert email_status(notification) == "pending"

    private_redis.start()
    worker = celery_workers(broker_url=private_redis.url)
    assert email_status(notification) == "pending", "nothing was queued, so nothing is sent yet"

    relay_pending_notifications.apply_async(kwargs={"older_than_seconds": 0})
    wait_until(
        lambda: email_status(notification) == "sent",
        timeout=DELIVERY_TIMEOUT,
        what="the relay to send the pending email",
        details=worker.log_tail,
    )

    # A second relay finds nothing to send. A notification queued after it acts as a barrier:
    # one solo worker takes the queue in order, so once the barrier is sent the relay has run.
    relay_pending_notifications.apply_async(kwargs={"older_than_seconds": 0})
    with transaction.atomic():
        barrier = notify(user=other, subject="Barrier", link="/inbox/")
    wait_until(
        lambda: email_status(barrier) == "sent",
        timeout=DELIVERY_TIMEOUT,
        what="the barrier email",
        details=worker.log_tail,
    )

    assert len(emails_to(worker, user.email)) == 1
    assert len(emails_to(worker, other.email)) == 1
    notification.refresh_from_db()
    assert notification.email_attempts == 1


def test_a_worker_reconnects_after_the_broker_restarts(celery_workers, private_redis):
    worker = celery_workers(broker_url=private_redis.url)
    private_redis.stop()
    wait_until(
        lambda: "Connection to broker lost" in worker.log_tail(),
        timeout=DELIVERY_TIMEOUT,
        what="the worker to notice the broker is gone",
        details=worker.log_tail,
    )
    private_redis.start()

    user = UserFactory(email="marketing.restart@test.example")
    with transaction.atomic():
        notification = notify(user=user, subject="A consent check is due", link="/consent/")

    wait_until(
        lambda: email_status(notification) == "sent",
        timeout=DELIVERY_TIMEOUT,
        what="the reconnected worker to send the email",
        details=worker.log_tail,
    )
    assert len(emails_to(worker, user.email)) == 1


def test_a_published_policy_is_sent_to_staff_by_the_worker(celery_worker, personas):
    from datetime import date

    from accounts.roles import Role
    from governance import policies

    a, manager = personas.a, personas[Role.TRUST_ADMINISTRATOR]
    policy = policies.policy_create(
        user=manager,
        trust=personas.trust,
        school=None,
        title="Trust policy",
        owner=a[Role.HEADTEACHER],
    )
    version = policies.policy_version_add(
        user=manager,
        policy=policy,
        summary="First version",
        text="Staff must not befriend pupils on personal accounts.",
        approved_on=date(2026, 9, 1),
        next_review_due=date(2027, 9, 1),
    )
    with transaction.atomic():
        waiting = policies.policy_version_publish(user=manager, version=version)
        # Nobody is asked inside the request: the worker does it once the publication commits.
        assert not Notification.objects.filter(subject__contains="Trust policy").exists()
    staff = policies.staff_in_scope(policy)
    assert waiting == staff.count() > 0
    wait_until(
        lambda: Notification.objects.filter(subject__contains="Trust policy").count() == waiting,
        timeout=DELIVERY_TIMEOUT,
        what="the worker to ask every member of staff",
        details=celery_worker.log_tail,
    )
    assert set(
        Notification.objects.filter(subject__contains="Trust policy").values_list("user", flat=True)
    ) == set(staff.values_list("pk", flat=True))
