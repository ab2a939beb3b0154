"""Celery tasks of accounts: expired sessions, and MIS imports in the background."""

from celery import shared_task
from django.core.management import call_command

from accounts import mis_import


@shared_task
def clear_expired_sessions() -> None:
    """Remove expired sessions from the database."""
    call_command("clearsessions")


@shared_task(acks_late=True, reject_on_worker_lost=True)
def preview_import(run_id: str) -> None:
    """Check an uploaded MIS export and store what importing it would do."""
    mis_import.import_run_preview(run_id=run_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def apply_import(run_id: str) -> None:
    """Import a previewed MIS export, in batches, with progress on its ImportRun."""
    mis_import.import_run_apply(run_id=run_id)


@shared_task
def resume_stalled_imports() -> int:
    """Start again any import whose worker was lost or never got it, failing one that keeps stalling
    (beat runs it every 5 minutes); returns how many were started again."""
    return len(mis_import.import_runs_resume_stalled())


# The import's tasks were named consent.tasks.* before the import moved to accounts. Messages queued
# in Redis under those names before a deploy (an upload waiting for a worker, a beat tick) still
# find a task; remove these once a release has run with the new names and the queue has drained.
@shared_task(name="consent.tasks.preview_import", acks_late=True, reject_on_worker_lost=True)
def preview_import_queued_before_the_move(run_id: str) -> None:
    """preview_import, under the name it was queued with before the import moved to accounts."""
    mis_import.import_run_preview(run_id=run_id)


@shared_task(name="consent.tasks.apply_import", acks_late=True, reject_on_worker_lost=True)
def apply_import_queued_before_the_move(run_id: str) -> None:
    """apply_import, under the name it was queued with before the import moved to accounts."""
    mis_import.import_run_apply(run_id=run_id)


@shared_task(name="consent.tasks.resume_stalled_imports")
def resume_stalled_imports_queued_before_the_move() -> int:
    """resume_stalled_imports, under the name beat queued it with before the import moved."""
    return len(mis_import.import_runs_resume_stalled())
