"""The first-response ladder (SPEC §3.4, §6): no report goes unanswered.

Every report has a first-response deadline (``Incident.respond_by``, set by routing when it is
reported: within the hour for immediate risk). A report counts as answered once a handler has taken
it up, that is once its status has left "new": assigning it, setting its severity, adding a note or
an action, making a referral, recording the ICT action (004 App. B) or closing it all do so. Opening
the case page alone does not.

Until then the ladder chases it: the handlers are reminded at half-time, then, from the deadline on,
the next post up is told at each rung (for the DSL's reports: the deputy DSL, the headteacher, the
trust safeguarding lead; ICT, moderation, media and conduct reports have their own chain). Nobody
named in the report is ever told. Each rung is a FirstResponseNotice row, unique per (incident,
handler action, level), claimed in the same transaction as its notifications and its timeline
entry, so a second sweep (or one racing it) sends nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts import access
from accounts.roles import Action
from core.notifications import notify
from core.once import claim_all
from incidents.models import FirstResponseNotice, Incident, IncidentEvent, IncidentPerson, Kind, Status
from incidents.services.common import case_link
from incidents.services.routing import handlers_of, response_time, response_time_for

log = logging.getLogger(__name__)

REMINDER = "reminder"

# Who is told at each rung after the reminder, by the handler's action: the next post up first.
# The keys name posts of the ladder (POSTS below), not roles: accounts.access answers who holds them.
CHAINS: dict[str, tuple[str, ...]] = {
    Action.TRIAGE_INCIDENTS: ("deputy", "head", "trust_lead"),
    # Content seen on a school device may be a safeguarding matter: the safeguarding team first.
    Action.RECORD_ICT_ACTIONS: ("safeguarding_team", "head", "trust_lead"),
    Action.MODERATE_ACCOUNTS: ("marketing_director", "head", "trust_lead"),
    Action.HANDLE_MEDIA_ENQUIRIES: ("head", "chief_executive", "trust_lead"),
    # The headteacher or the chair handles these: above them is the chief executive (004 §2, §6).
    Action.HANDLE_STAFF_CONDUCT: ("chief_executive", "trust_lead"),
    Action.HANDLE_HEADTEACHER_CONDUCT: ("chief_executive", "trust_lead"),
}


def _safeguarding_team(school_id) -> QuerySet:
    return access.designated_safeguarding_leads_of(school_id) | access.deputy_dsls_of(school_id)


POSTS: dict[str, tuple[str, Callable[[object], QuerySet]]] = {
    "deputy": ("the deputy Designated Safeguarding Lead", access.deputy_dsls_of),
    "safeguarding_team": ("the Designated Safeguarding Lead", _safeguarding_team),
    "head": ("the headteacher", access.headteachers_of),
    "trust_lead": ("the trust safeguarding lead", access.trust_safeguarding_leads_of),
    "marketing_director": (
        "the director of marketing and communications",
        access.directors_of_marketing_of,
    ),
    "chief_executive": ("the chief executive", access.ceos_of),
}

# A post nobody (un-named) holds passes its rung to another: a school without a deputy DSL, or
# whose deputy is named in the report, has its DSL told.
FALLBACK = {"deputy": access.designated_safeguarding_leads_of}

# Immediate risk: every rung inside the hour, a quarter of an hour apart.
IMMEDIATE_OFFSETS = (timedelta(minutes=-45), timedelta(minutes=-30), timedelta(minutes=-15), timedelta(0))

# The earliest a rung can come before its deadline (half the longest response time): the sweep reads
# no report due later than this.
LONGEST_LEAD = max(response_time(kind=kind, immediate_risk=False) for kind in Kind) / 2


def rung_times(incident: Incident) -> list[tuple[str, datetime]]:
    """Each rung of the ladder for this report and when it falls, lowest first."""
    levels = (REMINDER, *CHAINS.get(incident.handler_action, ()))
    if incident.immediate_risk:
        offsets = IMMEDIATE_OFFSETS
    else:
        # Half-time, the deadline, then the same half-window again for each rung above.
        window = _window(incident)
        offsets = (-window / 2, timedelta(0), window / 2, window)
    return [(level, incident.respond_by + offset) for level, offset in zip(levels, offsets, strict=False)]


def _window(incident: Incident) -> timedelta:
    # The time this handler has to answer, by the policies' times (not from the report: a report
    # re-routed to another handler has its deadline set afresh).
    return response_time_for(handler_action=incident.handler_action, immediate_risk=False)


def levels_due(incident: Incident, now: datetime) -> list[str]:
    """Every rung whose time has come for this report, lowest first."""
    return [level for level, at in rung_times(incident) if now >= at]


def recipients(incident: Incident, level: str) -> list:
    """Who is told at this rung: never anyone named in the report."""
    if level == REMINDER:
        people = list(handlers_of(incident))
    else:
        named = IncidentPerson.objects.filter(incident=incident, user__isnull=False).values("user_id")
        named_pupils = IncidentPerson.objects.filter(incident=incident, pupil__user__isnull=False).values(
            "pupil__user_id"
        )
        people = []
        for find in (POSTS[level][1], FALLBACK.get(level)):
            if find is not None and not people:
                holders = find(incident.school_id).exclude(pk__in=named).exclude(pk__in=named_pupils)
                people = list(holders.order_by("pk"))
    unique = {person.pk: person for person in people}
    return list(unique.values())


def _span(delta: timedelta) -> str:
    minutes = round(delta.total_seconds() / 60)
    if minutes < 120:
        return f"{minutes} minutes"
    hours = round(minutes / 60)
    if hours < 72:
        return f"{hours} hours"
    return f"{round(hours / 24)} days"


def _subject(incident: Incident, level: str, now: datetime) -> str:
    # Only the reference and times: never a pupil's name or the concern's text.
    urgent = "URGENT: " if incident.immediate_risk else ""
    if level == REMINDER:
        left = _span(incident.respond_by - now)
        return f"{urgent}Reminder: report {incident.reference} needs a first response within {left}"
    waited = _span(now - incident.reported_at)
    return f"{urgent}Unanswered report {incident.reference}: no first response after {waited}"


def _told_text(level: str) -> str:
    if level == REMINDER:
        return "No first response yet: the handlers were reminded."
    return f"No first response by the deadline: {POSTS[level][0]} was told."


def first_response_escalate(*, incident: Incident, now: datetime) -> int:
    """Send every rung now due and not yet sent for one report; returns the rungs sent."""
    due = levels_due(incident, now)
    # The rungs sent, as prefetched by the sweep (or read now for a report passed on its own).
    sent = {
        notice.level
        for notice in incident.first_response_notices.all()
        if notice.handler_action == incident.handler_action
    }
    missing = [level for level in due if level not in sent]
    if not missing:
        return 0
    with transaction.atomic():
        # Answering locks the same row (incidents.services.common.incident_locked): a report taken
        # up while this runs is either answered first, and not chased, or chased first.
        locked = Incident.objects.select_for_update().filter(pk=incident.pk)
        state = locked.values("status", "handler_action").first()
        if state != {"status": Status.NEW, "handler_action": incident.handler_action}:
            return 0
        notices = [
            FirstResponseNotice(incident=incident, handler_action=incident.handler_action, level=level)
            for level in missing
        ]
        if not claim_all(notices):
            log.info("Report %s already chased by another run", incident.pk)
            return 0
        # Each rung tells different people, so a sweep that runs late sends every rung it missed:
        # nobody up the chain is left not knowing.
        for level in missing:
            told = recipients(incident, level)
            for person in told:
                # A post that may not open the case (a conduct concern, for the trust safeguarding
                # lead) is told its reference only, with no link that would refuse them.
                link = case_link(incident) if access.can(person, incident.handler_action, incident) else ""
                notify(user=person, subject=_subject(incident, level, now), link=link)
            IncidentEvent.objects.create(
                incident=incident,
                type=IncidentEvent.Type.ESCALATION,
                text=_told_text(level),
                data={
                    "ladder": "first_response",
                    "level": level,
                    "handler_action": incident.handler_action,
                    "told": [str(person.pk) for person in told],
                },
            )
    return len(missing)


def first_response_sweep(*, now: datetime | None = None) -> int:
    """Run the ladder over every report not yet answered; returns how many rungs were sent."""
    now = now or timezone.now()
    waiting = (
        Incident.objects.filter(status=Status.NEW, respond_by__lte=now + LONGEST_LEAD)
        .prefetch_related("first_response_notices")
        .order_by("respond_by")
    )
    return sum(first_response_escalate(incident=incident, now=now) for incident in waiting)
