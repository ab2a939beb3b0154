"""Celery tasks of governance: notification delivery and its relay."""

from celery import shared_task

from governance.notifications import notification_deliver, pending_notification_ids


@shared_task(acks_late=True, reject_on_worker_lost=True)
def deliver_notification(notification_id: str) -> bool:
    """Email one notification (does nothing if it was already sent)."""
    return notification_deliver(notification_id=notification_id)


@shared_task
def relay_pending_notifications(older_than_seconds: int = 30) -> int:
    """Deliver every notification still waiting (after a broker or mail outage); returns how many."""
    sent = 0
    for notification_id in pending_notification_ids(older_than_seconds=older_than_seconds):
        sent += int(notification_deliver(notification_id=notification_id))
    return sent


@shared_task(acks_late=True, reject_on_worker_lost=True)
def ask_policy_acknowledgements(version_id: str) -> int:
    """Ask staff in scope of a newly published policy version to acknowledge it (once each)."""
    from governance.policies import acknowledgement_requests_send

    return acknowledgement_requests_send(version_id=version_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def remind_policy_reviews() -> int:
    """Remind policy owners as reviews near (30 days, 7 days, due)."""
    from governance.policies import review_reminder_sweep

    return review_reminder_sweep()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def remind_policy_acknowledgements() -> int:
    """Remind staff, weekly, of the policy versions they have not acknowledged."""
    from governance.policies import acknowledgement_reminder_sweep

    return acknowledgement_reminder_sweep()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def make_termly_trustee_reports() -> int:
    """Generate this term's trustees' report for each trust (once per term)."""
    from governance.reports import termly_report_sweep

    return termly_report_sweep()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def remind_training_due() -> int:
    """Tell staff with no online safety training this term (once a term each)."""
    from governance.training import training_due_sweep

    return training_due_sweep()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def list_retention_reviews() -> int:
    """List records whose retention period has ended, for review (never deletes)."""
    from governance.retention import retention_review_sweep

    return retention_review_sweep()
