"""The heartbeats Celery leaves: beat when it starts and each time it sends a job, each periodic
job when it finishes (a job outside the beat schedule leaves none)."""

from __future__ import annotations

import pytest
from celery import signals

from core.heartbeat import BEAT, task_key
from core.models import Heartbeat
from core.tasks import deliver_notification, relay_pending_notifications
from incidents.tasks import escalate_takedowns
from portal import celery as portal_celery

pytestmark = pytest.mark.django_db


def test_a_periodic_job_leaves_a_heartbeat_when_it_finishes(db):
    escalate_takedowns.apply()
    relay_pending_notifications.apply()

    keys = set(Heartbeat.objects.values_list("key", flat=True))
    assert keys == {task_key(escalate_takedowns.name), task_key(relay_pending_notifications.name)}


def test_a_task_outside_the_schedule_leaves_none(db):
    deliver_notification.apply(args=["00000000-0000-0000-0000-000000000000"])
    assert not Heartbeat.objects.exists()


def test_only_beat_leaves_a_heartbeat_when_it_sends(db):
    signals.before_task_publish.send(sender="core.tasks.relay_pending_notifications")
    assert not Heartbeat.objects.filter(key=BEAT).exists(), "a web process publishing is not beat"
    try:
        signals.beat_init.send(sender=None)
        started = Heartbeat.objects.get(key=BEAT)
        assert started.detail.startswith("started on ")
        signals.before_task_publish.send(sender="core.tasks.relay_pending_notifications")
        assert Heartbeat.objects.get(key=BEAT).detail == "sent core.tasks.relay_pending_notifications"
    finally:
        portal_celery._in_beat.clear()


def test_beat_inside_a_worker_leaves_its_heartbeat_too(db):
    try:
        signals.beat_embedded_init.send(sender=None)
        assert Heartbeat.objects.filter(key=BEAT).exists()
    finally:
        portal_celery._in_beat.clear()
