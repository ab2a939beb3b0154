"""Erasure of consent records whose retention period has ended, or of a pupil's on request (the
governance erasure service calls these through the retention registry).

Consent answers are append-only; the database lets one be deleted only inside a transaction that
has declared an erasure (consent migrations 0002 and 0003), the path consent_erase also takes. The
register's current answer and a withdrawal's follow-up go with the answer they come from."""

from __future__ import annotations

from django.db import connection, models, transaction

from consent.models import ConsentAnswer, ConsentState, Event, WithdrawalFollowUp
from core.erasure import erase_audit_entries


def _delete_answers(answers: models.QuerySet) -> dict[str, int]:
    ids = list(answers.values_list("pk", flat=True))
    counts = {
        "consent.withdrawalfollowup": WithdrawalFollowUp.objects.filter(answer_id__in=ids).delete()[0],
        "consent.consentstate": ConsentState.objects.filter(answer_id__in=ids).delete()[0],
    }
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("SELECT set_config('portal.consent_erasure', 'on', true)")
        elif vendor == "sqlite":
            cursor.execute("INSERT INTO consent_erasure_in_progress DEFAULT VALUES")
    try:
        # The answers' own queryset refuses deletion; an erasure is the one deliberate exception.
        counts["consent.consentanswer"] = models.QuerySet.delete(ConsentAnswer.objects.filter(pk__in=ids))[0]
    finally:
        # Lowered straight after, so nothing else in the enclosing transaction benefits.
        with connection.cursor() as cursor:
            if vendor == "postgresql":
                cursor.execute("SELECT set_config('portal.consent_erasure', 'off', true)")
            elif vendor == "sqlite":
                cursor.execute("DELETE FROM consent_erasure_in_progress")
    counts["core.auditentry"] = erase_audit_entries(object_type="consent.consentanswer", object_ids=ids)
    return counts


@transaction.atomic
def consent_answer_erase(object_id: str) -> dict[str, int]:
    """Erase one consent answer (and the current answer and follow-up made from it)."""
    return _delete_answers(ConsentAnswer.objects.filter(pk=object_id))


@transaction.atomic
def consent_erase_pupil(pupil) -> dict[str, int]:
    """Erase every consent answer given for the pupil."""
    return _delete_answers(ConsentAnswer.objects.filter(pupil=pupil))


@transaction.atomic
def event_briefing_erase(object_id: str) -> dict[str, int]:
    """Take every pupil off an old event's briefing (the event itself names no one)."""
    event = Event.objects.get(pk=object_id)
    through = Event.pupils.through.objects.filter(event_id=event.pk)
    return {"consent.event_pupils": through.delete()[0]}


@transaction.atomic
def event_erase_pupil(pupil) -> dict[str, int]:
    """Take the pupil off every event briefing they are listed on."""
    return {"consent.event_pupils": Event.pupils.through.objects.filter(pupil_id=pupil.pk).delete()[0]}
