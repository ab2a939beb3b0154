"""Celery tasks of consent: the collection's invitations and reminders."""

from celery import shared_task
from django.utils import timezone

from consent.models import Collection
from consent.services import collection_send_messages, collections_open_scheduled


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


@shared_task
def open_scheduled_collections() -> int:
    """Open the annual collection of each trust whose scheduled day has come (beat runs it daily,
    before the day's reminders; a second run the same day opens nothing)."""
    return len(collections_open_scheduled())
