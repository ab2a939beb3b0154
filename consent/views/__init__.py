"""Views of consent, one module per part: the parent's pages, the check and register, the annual
collection, withdrawal follow-ups and events, and the MIS import's old addresses."""

from consent.views.check import check, paper_form, pupil_consent, register, register_csv, register_pdf
from consent.views.collections import collection_detail, collection_open, collection_schedule, collections
from consent.views.events import (
    event_add_pupils,
    event_briefing,
    event_create,
    event_detail,
    event_remove_pupil,
    events,
)
from consent.views.follow_ups import follow_up_resolve, follow_ups
from consent.views.moved import import_apply_moved, import_run_moved, import_upload_moved
from consent.views.parent import parent_child, parent_overview, parent_withdraw

__all__ = [
    "check",
    "collection_detail",
    "collection_open",
    "collection_schedule",
    "collections",
    "event_add_pupils",
    "event_briefing",
    "event_create",
    "event_detail",
    "event_remove_pupil",
    "events",
    "follow_up_resolve",
    "follow_ups",
    "import_apply_moved",
    "import_run_moved",
    "import_upload_moved",
    "paper_form",
    "parent_child",
    "parent_overview",
    "parent_withdraw",
    "pupil_consent",
    "register",
    "register_csv",
    "register_pdf",
]
