"""A Celery worker killed part-way through the takedown escalation sweep: once a new worker takes
the next beat run, every rung due is recorded exactly once and every email is sent exactly once to
each person it is for; nothing the killed sweep committed is lost or sent twice."""

from __future__ import annotations

import os
import signal
from collections import Counter
from datetime import timedelta

import pytest
import redis
from django.db import transaction
from django.utils import timezone

from accounts.roles import Role
from core.models import Notification
from core.notifications import notify
from core.tasks import relay_pending_notifications
from incidents.models import Incident, Takedown, TakedownNotice
from incidents.services.escalation import _subject, levels_due, recipients
from incidents.services.reporting import new_reference
from incidents.tasks import escalate_takedowns
from tests.celery_worker import point_app_at_broker, wait_until
from tests.factories import SchoolFactory, person
from tests.faults.helpers import sent_emails
from tests.incidents.helpers import report

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker, pytest.mark.slow]

PER_SCHOOL = 40
# Hours since each report, away from every rung's edge: one rung due (12 h), two (20 h), the
# breach (24 h) and the first day late; the sweep sends the highest and records the rest.
AGES = [13, 21, 30, 50]
TIMEOUT = 60


def due_takedowns(schools, staff_of) -> list[Takedown]:
    """PER_SCHOOL open takedowns in each school, each on its own incident (so each email's subject
    names exactly one takedown), reported between 13 and 50 hours ago: the ladder reads only the
    stored deadline, 24 hours after the report."""
    now = timezone.now()
    takedowns = []
    for school in schools:
        template = report(staff_of[school.pk], school)
        incidents = []
        for _ in range(PER_SCHOOL):
            incident = Incident.objects.get(pk=template.pk)
            incident.pk = None
            incident.reference = new_reference(now)
            incidents.append(incident)
        for n, incident in enumerate(Incident.objects.bulk_create(incidents)):
            takedowns.append(
                Takedown(
                    incident=incident,
                    school=school,
                    content_url=f"https://example.com/p/{incident.reference}",
                    opened_by=staff_of[school.pk],
                    deadline=now - timedelta(hours=AGES[n % len(AGES)]) + timedelta(hours=24),
                )
            )
    return Takedown.objects.bulk_create(takedowns)


def kill(worker) -> None:
    """SIGKILL the worker's whole process group: no warm shutdown, no acknowledgement."""
    os.killpg(worker.process.pid, signal.SIGKILL)
    worker.process.wait(timeout=10)


def test_a_worker_killed_mid_sweep_loses_nothing_and_sends_nothing_twice(
    personas, celery_workers, private_redis
):
    point_app_at_broker(private_redis.url)
    third = SchoolFactory(trust=personas.trust, name="School C")
    for role in (Role.DSL, Role.DEPUTY_DSL, Role.HEADTEACHER):
        person(role, school=third)
    staff_of = {
        personas.a.school.pk: personas.a[Role.STAFF],
        personas.b.school.pk: personas.b[Role.STAFF],
        third.pk: person(Role.STAFF, school=third),
    }
    schools = [personas.a.school, personas.b.school, third]
    takedowns = due_takedowns(schools, staff_of)
    total = len(takedowns)

    first = celery_workers(broker_url=private_redis.url)
    escalate_takedowns.apply_async()

    def part_way():
        # Killed well into the sweep, with a good part of it still to do.
        done = TakedownNotice.objects.values("takedown").distinct().count()
        if done == total:
            pytest.fail("The sweep finished before the worker could be killed: add takedowns")
        return done if done >= total // 4 else None

    done_at_kill = wait_until(
        part_way, timeout=TIMEOUT, interval=0.02, what="the sweep to be part-way", details=first.log_tail
    )
    kill(first)
    done_after_kill = TakedownNotice.objects.values("takedown").distinct().count()
    assert done_at_kill <= done_after_kill < total, "the sweep finished before the worker was killed"
    # acks_late: the killed sweep's message is still held by the broker, unacknowledged, to be
    # delivered again once its visibility timeout passes (a second run sends nothing twice).
    held = redis.Redis.from_url(private_redis.url).hvals("unacked")
    assert any(b"incidents.tasks.escalate_takedowns" in message for message in held), held

    # The next beat runs, on a new worker: the ladder, then the relay for any notification whose
    # hand-over to the queue died with the worker (beat waits 30 s before relaying; not here).
    second = celery_workers(broker_url=private_redis.url)
    escalate_takedowns.apply_async()
    wait_until(
        lambda: TakedownNotice.objects.values("takedown").distinct().count() == total,
        timeout=TIMEOUT,
        what="the next sweep to finish the ladder",
        details=second.log_tail,
    )
    relay_pending_notifications.apply_async(kwargs={"older_than_seconds": 0})
    # A solo worker takes the queue in order: once this is sent, everything before it is done.
    with transaction.atomic():
        barrier = notify(user=personas[Role.CEO], subject="Barrier")
    wait_until(
        lambda: Notification.objects.filter(pk=barrier.pk, email_status="sent").exists(),
        timeout=TIMEOUT,
        what="the worker to deliver every email",
        details=second.log_tail,
    )

    now = timezone.now()
    expected_levels = Counter()
    expected_emails = set()
    for takedown in Takedown.objects.select_related("incident"):
        due = levels_due(takedown, now)
        expected_levels.update((takedown.pk, level) for level in due)
        expected_emails.update((p.email, _subject(due[-1], takedown)) for p in recipients(takedown, due[-1]))
    notices = Counter(TakedownNotice.objects.values_list("takedown_id", "level"))
    assert notices == expected_levels, "each rung due is recorded exactly once"

    takedown_rows = Notification.objects.filter(subject__startswith="Takedown").select_related("user")
    rows = Counter((n.user.email, n.subject) for n in takedown_rows)
    assert set(rows) == expected_emails and set(rows.values()) == {1}
    assert set(takedown_rows.values_list("email_status", flat=True)) == {"sent"}
    assert set(takedown_rows.values_list("email_attempts", flat=True)) == {1}

    sent = sent_emails([first, second])
    takedown_sent = {key: count for key, count in sent.items() if key[1].startswith("Takedown")}
    assert set(takedown_sent) == expected_emails, "every email is sent to each person it is for"
    assert set(takedown_sent.values()) == {1}, "and none twice"
