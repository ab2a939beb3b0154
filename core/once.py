"""Doing something once: the row that records it is written first, and its unique constraint
names what "once" means (one reminder per request, kind and day; one rung per takedown). A second
run of a job, or one racing it, fails to write the row and so does nothing.

Call these inside the transaction that does the thing (sends the notifications), so that a failure
there takes the row back with it and the next run tries again."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, models, transaction


def save_once(obj: models.Model) -> bool:
    """Insert a new row; False, with nothing saved, when its unique constraint says it exists."""
    try:
        with transaction.atomic():
            obj.save(force_insert=True)
    except IntegrityError:
        return False
    return True


def claim(model: type[models.Model], **unique_fields) -> bool:
    """Claim the right to do something once: True if this call wrote the row, False if another
    run (earlier, or at the same moment) already had."""
    return save_once(model(**unique_fields))


def claim_all(rows: Sequence[models.Model]) -> bool:
    """Claim several at once, all or none: False, with nothing saved, if any was claimed already."""
    if not rows:
        return True
    try:
        with transaction.atomic():
            type(rows[0])._default_manager.bulk_create(rows)
    except IntegrityError:
        return False
    return True
