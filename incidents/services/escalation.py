"""The takedown escalation ladder (SPEC §6): a reminder at 12 hours, the headteacher at 20, a breach
at 24 to the headteacher and the trust safeguarding lead, then daily until the content is gone.

Idempotent: each rung is a TakedownNotice row, unique per (takedown, level), written in the same
transaction as its notifications, so a second run (or a worker killed and restarted) sends nothing
twice and loses nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import access
from core.notifications import notify
from core.once import claim_all
from incidents import selectors
from incidents.models import IncidentEvent, IncidentPerson, Takedown, TakedownNotice
from incidents.services.routing import handlers_of

log = logging.getLogger(__name__)

# (level, hours after the report). The deadline itself is 24 hours after the report.
RUNGS = [("12h", 12), ("20h", 20), ("24h", 24)]
FIRST_RUNG = timedelta(hours=12)
WINDOW = timedelta(hours=24)


def levels_due(takedown: Takedown, now: datetime) -> list[str]:
    """Every rung whose time has come for this takedown, lowest first."""
    reported = takedown.deadline - WINDOW
    levels = [level for level, hours in RUNGS if now >= reported + timedelta(hours=hours)]
    if now >= takedown.deadline:
        days_late = (now - takedown.deadline) // timedelta(days=1)
        levels += [f"day-{n}" for n in range(1, days_late + 1)]
    return levels


def recipients(takedown: Takedown, level: str):
    """Who is told at this rung (never anyone named in the incident)."""
    incident = takedown.incident
    named = IncidentPerson.objects.filter(incident=incident, user__isnull=False).values("user_id")
    if level == "12h":
        people = [incident.assigned_to] if incident.assigned_to_id else list(handlers_of(incident))
    elif level == "20h":
        people = list(access.headteachers_of(takedown.school_id).exclude(pk__in=named))
    else:
        people = list(access.headteachers_of(takedown.school_id).exclude(pk__in=named)) + list(
            access.trust_safeguarding_leads_of(takedown.school_id).exclude(pk__in=named)
        )
    unique = {p.pk: p for p in people if p is not None}
    return list(unique.values())


SUBJECTS = {
    "12h": "Takedown reminder: {ref} – 12 hours left to get the content removed",
    "20h": "Takedown at risk: {ref} – 4 hours left",
    "24h": "Takedown deadline missed: {ref} – 24 hours have passed",
    "day": "Takedown still outstanding: {ref} – {days} past the deadline",
}


def _subject(level: str, takedown: Takedown) -> str:
    ref = takedown.incident.reference
    if level.startswith("day-"):
        days = int(level.split("-")[1])
        return SUBJECTS["day"].format(ref=ref, days=f"{days} day" if days == 1 else f"{days} days")
    return SUBJECTS[level].format(ref=ref)


def escalate_takedown(takedown: Takedown, now: datetime) -> int:
    """Send the highest rung now due for one takedown, recording every due rung; returns notices sent."""
    due = levels_due(takedown, now)
    if not due:
        return 0
    # The rungs sent, as prefetched by selectors.takedowns_due (or read now for a takedown passed on
    # its own).
    sent_levels = {notice.level for notice in takedown.notices.all()}
    missing = [level for level in due if level not in sent_levels]
    if not missing:
        return 0
    with transaction.atomic():
        locked = Takedown.objects.select_for_update().filter(pk=takedown.pk).values("closed_at").first()
        if locked is None or locked["closed_at"] is not None:
            return 0
        # Every rung at once: a rung another sweep recorded first claims none of them.
        if not claim_all([TakedownNotice(takedown=takedown, level=level) for level in missing]):
            # Another sweep recorded these rungs first: it sends them, this one must not.
            log.info("Takedown %s already escalated by another run", takedown.pk)
            return 0
        # Only the highest rung is sent: a sweep that runs late does not send a burst of stale ones.
        top = missing[-1]
        link = reverse("incidents:detail", args=[takedown.incident_id])
        told = recipients(takedown, top)
        for person in told:
            notify(user=person, subject=_subject(top, takedown), link=link)
        # On the case timeline, as every rung of a ladder is: who was told, and why.
        IncidentEvent.objects.create(
            incident_id=takedown.incident_id,
            type=IncidentEvent.Type.ESCALATION,
            text=_subject(top, takedown),
            data={
                "ladder": "takedown",
                "takedown": str(takedown.pk),
                "level": top,
                "told": [str(person.pk) for person in told],
            },
        )
    return 1


def takedown_escalation_sweep(now: datetime | None = None) -> int:
    """Run the ladder over every takedown that is due; returns how many rungs were sent."""
    now = now or timezone.now()
    # Only takedowns at least 12 hours after their report can have a rung to send.
    due = selectors.takedowns_due(deadline_by=now + (WINDOW - FIRST_RUNG))
    return sum(escalate_takedown(takedown, now) for takedown in due)
