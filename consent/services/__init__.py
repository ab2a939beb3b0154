"""Writes of consent: the only code that records answers, opens collections, keeps events and
follow-ups, and erases a pupil's consent history on request.

Every service checks access itself, so a task, a command or the admin cannot go round the rules.
Notification subjects never carry a pupil's name.
"""

from consent.services.answers import (
    Answer,
    consent_erase,
    consent_record,
    consent_withdraw,
    follow_up_resolve,
    holds_parental_responsibility,
)
from consent.services.collection import collection_open, collection_send_messages, reminder_number_due
from consent.services.events import event_add_pupils, event_create, event_remove_pupil
from consent.services.schedule import collection_schedule_set, collections_open_scheduled, next_opening

__all__ = [
    "Answer",
    "collection_open",
    "collection_schedule_set",
    "collections_open_scheduled",
    "collection_send_messages",
    "consent_erase",
    "consent_record",
    "consent_withdraw",
    "event_add_pupils",
    "event_create",
    "event_remove_pupil",
    "follow_up_resolve",
    "holds_parental_responsibility",
    "next_opening",
    "reminder_number_due",
]
