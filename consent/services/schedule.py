"""The annual collection opening by itself: the trust's schedule, and the daily job that keeps it.

003 §10.1 asks for consent to be collected at the start of every academic year; a collection that
depends on someone remembering to open it is the one that is missed in a busy September."""

from __future__ import annotations

import calendar
import logging
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import access
from accounts.models import School, Trust, User
from accounts.roles import Action
from consent.models import Collection, CollectionSchedule
from consent.services.collection import collection_open
from core.audit import audit_record
from core.calendar import academic_year_for
from core.dates import long_date
from core.models import AuditEntry

log = logging.getLogger(__name__)


def runs_collection_trust_wide(user: User, trust: Trust) -> bool:
    """May the user open the collection in every school of the trust (what a schedule does)?"""
    schools = set(School.objects.filter(trust=trust).values_list("pk", flat=True))
    return bool(schools) and schools <= access.schools_for(user, Action.RUN_CONSENT_COLLECTION)


def collection_schedule_set(
    *,
    by: User,
    trust: Trust,
    opens_day: int,
    opens_month: int,
    weeks_open: int,
    message: str = "",
    active: bool = True,
) -> CollectionSchedule:
    """Set (or change, or pause) the day each year the trust's collection opens by itself."""
    if not runs_collection_trust_wide(by, trust):
        raise PermissionDenied("Only someone who runs the collection in every school sets its schedule.")
    # The day must exist every year: 29 February would skip three years in four.
    days_in_month = 28 if opens_month == 2 else calendar.monthrange(2027, opens_month)[1]
    if not 1 <= opens_day <= days_in_month:
        raise ValidationError({"opens_day": f"The day must be between 1 and {days_in_month} for that month."})
    if not 1 <= weeks_open <= 12:
        raise ValidationError({"weeks_open": "A collection stays open for 1 to 12 weeks."})
    with transaction.atomic():
        schedule = CollectionSchedule.objects.select_for_update().filter(trust=trust).first()
        before = (
            {}
            if schedule is None
            else {
                "opens": f"{schedule.opens_day}/{schedule.opens_month}",
                "weeks_open": schedule.weeks_open,
                "active": schedule.active,
            }
        )
        if schedule is None:
            schedule = CollectionSchedule(trust=trust)
        schedule.opens_day, schedule.opens_month = opens_day, opens_month
        schedule.weeks_open = weeks_open
        schedule.message = message.strip()
        schedule.active = active
        schedule.set_by, schedule.set_at = by, timezone.now()
        schedule.last_problem = ""
        schedule.full_clean()
        schedule.save()
        after = {"opens": f"{opens_day}/{opens_month}", "weeks_open": weeks_open, "active": active}
        audit_record(
            verb=AuditEntry.Verb.UPDATE if before else AuditEntry.Verb.CREATE,
            obj=schedule,
            actor=by,
            changes={
                key: [before.get(key), value] for key, value in after.items() if before.get(key) != value
            },
        )
    return schedule


def next_opening(schedule: CollectionSchedule, today: date | None = None) -> date:
    """The next day the schedule opens a collection (today's, if it opens today)."""
    today = today or timezone.localdate()
    year = academic_year_for(today)
    opening = schedule.opens_in(year)
    if opening < today:
        start = int(year[:4]) + 1
        opening = schedule.opens_in(f"{start}/{(start + 1) % 100:02d}")
    return opening


def collections_open_scheduled(*, today: date | None = None) -> list[Collection]:
    """Open this academic year's collection of every trust whose scheduled day has come.

    Idempotent: a trust whose collection for the year is open (trust-wide, or school by school)
    gets nothing more; where some schools opened their own, the others are opened one by one. A
    day missed (the job did not run) is made up while the collection would still be open."""
    today = today or timezone.localdate()
    year = academic_year_for(today)
    opened: list[Collection] = []
    for schedule_id in CollectionSchedule.objects.filter(active=True).values_list("pk", flat=True):
        with transaction.atomic():
            schedule = (
                CollectionSchedule.objects.select_for_update()
                .select_related("trust", "set_by")
                .filter(pk=schedule_id, active=True)
                .first()
            )
            if schedule is None:
                continue
            opening = schedule.opens_in(year)
            closes_on = opening + timedelta(weeks=schedule.weeks_open)
            if not opening <= today < closes_on:
                continue
            existing = Collection.objects.filter(trust=schedule.trust, academic_year=year)
            if existing.filter(school__isnull=True).exists():
                continue
            covered = set(existing.values_list("school_id", flat=True))
            schools = School.objects.filter(trust=schedule.trust).exclude(pk__in=covered).order_by("name")
            targets = [{"trust": schedule.trust}] if not covered else [{"school": s} for s in schools]
            problem = ""
            for target in targets:
                try:
                    opened.append(
                        collection_open(
                            by=schedule.set_by,
                            academic_year=year,
                            closes_on=closes_on,
                            message=schedule.message,
                            **target,
                        )
                    )
                except (PermissionDenied, ValidationError) as error:
                    where = target.get("school") or schedule.trust
                    problem = (
                        f"On {long_date(today)} the {year} collection for {where} could not be opened as "
                        f"{schedule.set_by.full_name}: {_reason(error)} Set the schedule again, or open "
                        "the collection by hand."
                    )
                    log.warning("Scheduled consent collection not opened for %s: %s", where, error)
            if problem != schedule.last_problem:
                schedule.last_problem = problem
                schedule.save(update_fields=["last_problem"])
    return opened


def _reason(error: Exception) -> str:
    if isinstance(error, PermissionDenied):
        return "they no longer run the consent collection in every school."
    messages = getattr(error, "messages", None) or [str(error)]
    return " ".join(messages)
