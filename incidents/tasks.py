"""Celery tasks of incidents."""

from datetime import datetime

from celery import shared_task

from incidents.services.escalation import takedown_escalation_sweep
from incidents.services.first_response import first_response_sweep
from incidents.services.integrity import evidence_integrity_check
from incidents.services.staging import purge_stale_staging


@shared_task(acks_late=True, reject_on_worker_lost=True)
def escalate_takedowns(as_of: str | None = None) -> int:
    """Run the takedown escalation ladder (beat runs it every five minutes, for now).

    ``as_of`` (ISO 8601) runs the ladder as at another moment: used to replay a missed window.
    """
    return takedown_escalation_sweep(datetime.fromisoformat(as_of) if as_of else None)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def chase_first_responses(as_of: str | None = None) -> int:
    """Run the first-response ladder over reports nobody has taken up (beat: every five minutes).

    ``as_of`` (ISO 8601) runs the ladder as at another moment: used to replay a missed window.
    """
    return first_response_sweep(now=datetime.fromisoformat(as_of) if as_of else None)


@shared_task
def purge_evidence_staging() -> int:
    """Remove evidence kept for report forms that were never sent (older than a day)."""
    return purge_stale_staging()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def check_evidence_integrity() -> int:
    """Hash every evidence file against the hash recorded on upload (beat runs it nightly);
    returns the run's id."""
    return evidence_integrity_check().pk
