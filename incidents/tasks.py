"""Celery tasks of incidents."""

from celery import shared_task

from incidents.escalation import takedown_escalation_sweep
from incidents.views.staging import purge_stale_staging


@shared_task(acks_late=True, reject_on_worker_lost=True)
def escalate_takedowns() -> int:
    """Run the takedown escalation ladder (beat runs it every five minutes)."""
    return takedown_escalation_sweep()


@shared_task
def purge_evidence_staging() -> int:
    """Remove evidence kept for report forms that were never sent (older than a day)."""
    return purge_stale_staging()
