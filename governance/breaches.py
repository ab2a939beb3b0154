"""The personal-data breach log: the data protection officer records a breach and what was done,
and the 72 hours the ICO allows from when it was found are chased until telling the ICO (or why it
was not told) is recorded."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.models import School, User
from accounts.roles import Action
from core import once
from core.audit import audit_record
from core.dates import long_datetime
from core.models import AuditEntry
from core.notifications import notify
from governance.models import Breach, BreachReminder

# Fields the officer writes; the deadline is the portal's, from when the breach was found.
FIELDS = (
    "what_happened",
    "data_involved",
    "people_affected",
    "occurred_at",
    "found_at",
    "who_was_told",
    "ico_told_at",
    "ico_reference",
    "ico_not_told_reason",
    "actions_taken",
)
REMIND_BEFORE = timedelta(hours=24)


def breaches_for(user) -> QuerySet[Breach]:
    """The breaches of the schools where the user keeps the breach log, most recently found first."""
    return access.scope(Breach.objects.all(), user, Action.MANAGE_RETENTION).select_related("school")


def _keeps_log(user, school: School) -> bool:
    return school.pk in access.schools_for(user, Action.MANAGE_RETENTION)


@transaction.atomic
def breach_record(*, user: User, school: School, **fields) -> Breach:
    """Record a breach; the ICO deadline is 72 hours after it was found."""
    if not _keeps_log(user, school):
        raise PermissionDenied
    found_at = fields["found_at"]
    breach = Breach(
        school=school,
        reference=f"BR-{found_at:%y%m}-{uuid.uuid4().hex[:6].upper()}",
        ico_due_at=Breach.due_for(found_at),
        recorded_by=user,
        **{name: value for name, value in fields.items() if name in FIELDS},
    )
    breach.full_clean()
    breach.save()
    audit_record(
        verb=AuditEntry.Verb.CREATE,
        obj=breach,
        actor=user,
        changes={"ico_due_at": [None, str(breach.ico_due_at)]},
    )
    return breach


@transaction.atomic
def breach_update(*, user: User, breach: Breach, **fields) -> Breach:
    """Record what has happened since: who was told, the ICO told (or why not), what was done."""
    if not access.can(user, Action.MANAGE_RETENTION, breach):
        raise PermissionDenied
    breach = Breach.objects.select_for_update().get(pk=breach.pk)
    changed = [name for name in FIELDS if name in fields and getattr(breach, name) != fields[name]]
    for name in changed:
        setattr(breach, name, fields[name])
    if "found_at" in changed:
        breach.ico_due_at = Breach.due_for(breach.found_at)
        changed.append("ico_due_at")
    breach.full_clean()
    breach.save(update_fields=[*changed, "updated_at"])
    # The log says which parts changed, not what they say: a breach's description is itself personal.
    audit_record(
        verb=AuditEntry.Verb.UPDATE, obj=breach, actor=user, changes={name: "changed" for name in changed}
    )
    return breach


def breach_deadline_sweep(*, now: datetime | None = None) -> int:
    """Tell the data protection officers of each breach not yet decided for the ICO, once when 24
    hours are left and once when the 72 hours have passed; returns how many reminders were sent."""
    now = now or timezone.now()
    sent = 0
    pending = Breach.objects.awaiting_ico_decision().filter(ico_due_at__lte=now + REMIND_BEFORE)
    for breach in pending.select_related("school"):
        level = "due" if breach.ico_due_at <= now else "24h"
        with transaction.atomic():
            if not once.claim(BreachReminder, breach=breach, level=level):
                continue
            if level == "due":
                subject = f"Breach {breach.reference}: the 72 hours to tell the ICO have passed"
            else:
                subject = f"Breach {breach.reference}: tell the ICO by {long_datetime(breach.ico_due_at)}"
            for officer in access.data_protection_officers_of(breach.school_id):
                notify(
                    user=officer,
                    subject=subject,
                    body="Record when the ICO was told, or why it was not, in the breach log.",
                    link=reverse("governance:breach_detail", kwargs={"breach_id": breach.pk}),
                )
                sent += 1
    return sent


def overdue_breaches(now: datetime, school_ids) -> int:
    """Breaches past the ICO's 72 hours with neither the ICO told nor why not recorded."""
    breaches = Breach.objects.awaiting_ico_decision().filter(ico_due_at__lt=now)
    if school_ids is not None:
        breaches = breaches.filter(school_id__in=school_ids)
    return breaches.count()
