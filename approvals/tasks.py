"""Celery tasks of approvals (beat runs each; every one is idempotent)."""

from celery import shared_task

from approvals.services import (
    account_review_sweep,
    blocked_access_ending_sweep,
    blocked_access_expiry_sweep,
    blocked_filter_reminder_sweep,
    waiting_decisions_sweep,
)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def remind_waiting_decisions() -> int:
    """Remind deciders of requests waiting more than two working days."""
    return waiting_decisions_sweep()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def expire_blocked_content_access() -> int:
    """End blocked-content access whose time is up, and warn of access ending tomorrow."""
    ended = blocked_access_expiry_sweep()
    blocked_access_ending_sweep()
    blocked_filter_reminder_sweep()
    return ended


@shared_task(acks_late=True, reject_on_worker_lost=True)
def remind_account_reviews() -> int:
    """Remind about official account reviews due within 30 days (and overdue)."""
    return account_review_sweep()
