"""What approvals does when other apps announce something: a parent withdrawing photo consent turns
every approved post showing their child for that use into a takedown for the marketing officer."""

from __future__ import annotations

import logging

from approvals.services.posts import post_takedowns_open
from consent.signals import consent_withdrawn

log = logging.getLogger(__name__)


def on_consent_withdrawn(sender, *, pupil, purpose, academic_year, withdrawn_by=None, **kwargs) -> None:
    """consent.signals.consent_withdrawn: open a takedown for each approved post showing the pupil."""
    tasks = post_takedowns_open(
        pupil=pupil, purpose=purpose, academic_year=academic_year, withdrawn_by=withdrawn_by
    )
    if tasks:
        log.info("Consent withdrawn: %d approved post(s) to take down", len(tasks))


def connect() -> None:
    """Listen to the consent app's withdrawals."""
    consent_withdrawn.connect(on_consent_withdrawn, dispatch_uid="approvals-post-takedowns")
