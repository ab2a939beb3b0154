"""Celery tasks of consent: MIS imports in the background, and the collection's messages."""

from celery import shared_task
from django.utils import timezone

from consent import mis_import
from consent.models import Collection
from consent.services import collection_send_messages


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


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_collection_messages(collection_id: str) -> int:
    """Send one collection's invitation or this week's reminder to every parent still due one."""
    collection = Collection.objects.select_related("school").filter(pk=collection_id).first()
    if collection is None:
        return 0
    return collection_send_messages(collection=collection)


@shared_task
def send_collection_reminders() -> int:
    """Every open collection: invitations not yet sent, and weekly reminders to parents who have not
    answered for every child (beat runs it daily; a second run the same day sends nothing)."""
    today = timezone.localdate()
    sent = 0
    for collection in Collection.objects.filter(closes_on__gte=today).select_related("school"):
        sent += collection_send_messages(collection=collection, today=today)
    return sent
