"""Queueing work for the workers, and the Celery tasks of the bottom layer: notification delivery
and its relay."""

from __future__ import annotations

import logging
from collections.abc import Callable

from celery import Task, shared_task
from django.db import transaction

from core import notifications

log = logging.getLogger(__name__)


def enqueue(task: Task, *args, if_queue_down: Callable[[], object] | None = None) -> bool:
    """Hand ``task(*args)`` to the queue now; False when the broker is down.

    Nothing is lost then: the work is written down already (a pending notification, an import
    run's state, unsent reminders) and its sweep does it later; ``if_queue_down`` does it in this
    process instead, for work no sweep looks for."""
    try:
        task.apply_async(args=list(args), retry=False)
    except Exception as exc:  # noqa: BLE001 - any broker failure: the sweep or the fallback does the work
        log.warning("Queue unavailable for %s%s: %s", task.name, tuple(args), exc)
        if if_queue_down is not None:
            if_queue_down()
        return False
    return True


def enqueue_on_commit(task: Task, *args, if_queue_down: Callable[[], object] | None = None) -> None:
    """Queue ``task(*args)`` once the current transaction commits (at once outside one), so a worker
    never looks for rows that are not there yet, and nothing is queued for a transaction that rolls
    back. The broker being down is handled as ``enqueue`` handles it."""
    transaction.on_commit(lambda: enqueue(task, *args, if_queue_down=if_queue_down))


@shared_task(acks_late=True, reject_on_worker_lost=True)
def deliver_notification(notification_id: str) -> bool:
    """Email one notification (does nothing if it was already sent)."""
    return notifications.notification_deliver(notification_id=notification_id)


@shared_task
def relay_pending_notifications(older_than_seconds: int = 30) -> int:
    """Deliver every notification still waiting (after a broker or mail outage); returns how many."""
    sent = 0
    for notification_id in notifications.pending_notification_ids(older_than_seconds=older_than_seconds):
        sent += int(notifications.notification_deliver(notification_id=notification_id))
    return sent
