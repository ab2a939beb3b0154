"""Celery tasks of the bottom layer: notification delivery and its relay."""

from celery import shared_task

from core import notifications


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
