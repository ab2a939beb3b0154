"""The annual consent collection (003 §10.1): opening it, the invitation and the weekly reminders."""

from __future__ import annotations

import logging
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.models import School, Trust, User
from accounts.roles import Action
from consent import selectors
from consent.models import Collection, CollectionReminder
from consent.services.answers import check_year
from core.audit import audit_record
from core.dates import long_date
from core.models import AuditEntry
from core.notifications import notify
from core.once import claim_all
from core.tasks import enqueue_on_commit

log = logging.getLogger(__name__)


@transaction.atomic
def collection_open(
    *,
    by: User,
    academic_year: str,
    closes_on: date,
    school: School | None = None,
    trust: Trust | None = None,
    message: str = "",
) -> Collection:
    """Open the annual consent collection for a school or the whole trust; parents are told at once."""
    if (school is None) == (trust is None):
        raise ValidationError("Open a collection for one school or for the whole trust.")
    if school is not None:
        if not access.can(by, Action.RUN_CONSENT_COLLECTION, school):
            raise PermissionDenied
        trust_id = school.trust_id
    else:
        trust_schools = set(School.objects.filter(trust=trust).values_list("pk", flat=True))
        if not trust_schools or not trust_schools <= access.schools_for(by, Action.RUN_CONSENT_COLLECTION):
            raise PermissionDenied(
                "Only someone who runs the collection in every school opens it trust-wide."
            )
        trust_id = trust.pk
    check_year(academic_year)
    today = timezone.localdate()
    if closes_on < today:
        raise ValidationError({"closes_on": "The closing date must be today or in the future."})
    overlapping = Collection.objects.filter(academic_year=academic_year, trust_id=trust_id)
    if school is not None:
        overlapping = overlapping.filter(Q(school=school) | Q(school__isnull=True))
    if overlapping.exists():
        clash = overlapping.select_related("school").first()
        where = "the whole trust" if clash.school is None else clash.school.name
        raise ValidationError(f"A consent collection for {academic_year} is already open for {where}.")
    collection = Collection(
        trust_id=trust_id,
        school=school,
        academic_year=academic_year,
        opened_by=by,
        opened_at=timezone.now(),
        closes_on=closes_on,
        message=message.strip(),
    )
    collection.full_clean()
    collection.save()
    audit_record(
        verb=AuditEntry.Verb.CREATE,
        obj=collection,
        actor=by,
        school_id=school.pk if school else None,
        changes={"academic_year": [None, academic_year], "closes_on": [None, closes_on.isoformat()]},
    )
    _enqueue_collection_messages(collection.pk)
    return collection


def _enqueue_collection_messages(collection_id) -> None:
    """Queue a collection's invitations after commit; the daily job sends them if the queue is down."""
    # Here, not at the top: consent.tasks imports the services to run them in a worker.
    from consent.tasks import send_collection_messages

    enqueue_on_commit(send_collection_messages, str(collection_id))


MESSAGE_BATCH = 500


def reminder_number_due(collection: Collection, today: date) -> int:
    """0 (the invitation) in the collection's first week, then 1, 2… one more each week."""
    return max(0, (today - timezone.localtime(collection.opened_at).date()).days // 7)


def collection_send_messages(*, collection: Collection, today: date | None = None) -> int:
    """Send a collection's invitation, or this week's reminder, to each parent still due one.

    Idempotent: each message is a CollectionReminder row, unique per (collection, parent, number),
    written in the same transaction as its notification; returns how many were sent now.
    """
    today = today or timezone.localdate()
    if today > collection.closes_on:
        return 0
    number = reminder_number_due(collection, today)
    if number == 0:
        parents = selectors.collection_parents(collection=collection)
    else:
        parents = selectors.collection_parents(collection=collection, outstanding_only=True)
    already = CollectionReminder.objects.filter(collection=collection, number=number).values("parent_id")
    parent_ids = list(parents.exclude(pk__in=already).values_list("pk", flat=True))
    sent = 0
    for start in range(0, len(parent_ids), MESSAGE_BATCH):
        sent += _send_batch(collection, number, parent_ids[start : start + MESSAGE_BATCH])
    return sent


def _send_batch(collection: Collection, number: int, parent_ids: list) -> int:
    """Send one batch of a collection's messages, each parent once per message number."""
    with transaction.atomic():
        # Concurrent runs queue on the collection row, so each sees what the other sent.
        Collection.objects.select_for_update().filter(pk=collection.pk).values_list("pk", flat=True).first()
        done = set(
            CollectionReminder.objects.filter(
                collection=collection, number=number, parent_id__in=parent_ids
            ).values_list("parent_id", flat=True)
        )
        todo = [pk for pk in parent_ids if pk not in done]
        if not todo:
            return 0
        if not claim_all(
            [CollectionReminder(collection=collection, parent_id=pk, number=number) for pk in todo]
        ):
            log.warning("Collection %s reminder %s: a concurrent run got there first", collection.pk, number)
            return 0
        subject, body = _collection_message(collection, number)
        link = reverse("consent:parent") + f"?year={collection.academic_year}"
        for user in User.objects.filter(pk__in=todo, is_active=True):
            notify(user=user, subject=subject, body=body, link=link)
        return len(todo)


def _collection_message(collection: Collection, number: int) -> tuple[str, str]:
    """The subject and body of a collection's invitation or reminder (no pupil named)."""
    where = collection.school.name if collection.school_id else "Your child's school"
    closes = long_date(collection.closes_on)
    ask = (
        f"{where} asks every parent and carer with parental responsibility whether photos and videos "
        f"of their children may be used, and how, for the {collection.academic_year} school year. "
        f"Please answer for each of your children by {closes}. Until you answer, the school will not "
        "use photos or videos of your child."
    )
    if collection.message:
        ask += f"\n\n{collection.message}"
    ask += (
        "\n\nIf you have not signed in to the portal before, choose “Forgotten your password?” on the "
        "sign-in page with this email address to set a password."
    )
    if number == 0:
        return f"Photo and video consent for {collection.academic_year}: please give your answers", ask
    return (
        f"Reminder: photo and video consent for {collection.academic_year} is waiting for your answers",
        ask,
    )
