"""Celery tasks of incidents."""

from celery import shared_task

from incidents.escalation import takedown_escalation_sweep


@shared_task(acks_late=True, reject_on_worker_lost=True)
def escalate_takedowns() -> int:
    """Run the takedown escalation ladder (beat runs it every five minutes)."""
    return takedown_escalation_sweep()
