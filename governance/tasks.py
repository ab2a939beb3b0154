"""Celery tasks of governance: policy acknowledgements and reminders, training, trustees' reports
and retention reviews."""

from celery import shared_task

from governance.breaches import breach_deadline_sweep
from governance.policies import (
    acknowledgement_reminder_sweep,
    acknowledgement_requests_send,
    review_reminder_sweep,
)
from governance.reports import termly_report_sweep
from governance.retention import retention_review_sweep
from governance.training import training_due_sweep


@shared_task(acks_late=True, reject_on_worker_lost=True)
def ask_policy_acknowledgements(version_id: str) -> int:
    """Ask staff in scope of a newly published policy version to acknowledge it (once each)."""
    return acknowledgement_requests_send(version_id=version_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def remind_policy_reviews() -> int:
    """Remind policy owners as reviews near (30 days, 7 days, due)."""
    return review_reminder_sweep()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def remind_policy_acknowledgements() -> int:
    """Remind staff, weekly, of the policy versions they have not acknowledged."""
    return acknowledgement_reminder_sweep()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def make_termly_trustee_reports() -> int:
    """Generate this term's trustees' report for each trust (once per term)."""
    return termly_report_sweep()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def remind_training_due() -> int:
    """Tell staff with no online safety training this term (once a term each)."""
    return training_due_sweep()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def list_retention_reviews() -> int:
    """List records whose retention period has ended, for review (never deletes)."""
    return retention_review_sweep()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def chase_breach_deadlines() -> int:
    """Remind the data protection officers of breaches nearing or past the ICO's 72 hours."""
    return breach_deadline_sweep()
