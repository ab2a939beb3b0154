"""The states of an incident and of a takedown, and every move between them, declared once.

Each ``Transition`` names the states it leaves from, the state it reaches and the action (from
accounts.roles) whose holder may take it. ``incident_transition``
and ``takedown_transition`` are the only code that changes a status: the services call them with
the row already locked, then write the timeline and audit entries that say why.

The handling of an incident belongs to whoever holds its own handling action (routing picks one of
HANDLER_ACTIONS when it is reported), so most transitions name ``HANDLER`` rather than one action.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils import timezone

from accounts import access
from accounts.models import User
from accounts.roles import Action
from incidents.models import Incident, Status, Takedown, TakedownStep

# The incident's own handling action (Incident.handler_action), whatever routing chose.
HANDLER = "handler"


class IllegalTransition(ValidationError):
    """A move the table does not allow from the record's present state."""


@dataclass(frozen=True)
class Transition:
    """A move from one of ``from_states`` to ``to_state`` by a holder of ``action``."""

    name: str
    label: str
    from_states: tuple[str, ...]
    to_state: str
    action: str = HANDLER


@dataclass(frozen=True)
class Machine:
    """The states of one kind of record and the transitions between them."""

    label: str
    states: type[models.TextChoices]
    initial: str
    transitions: tuple[Transition, ...]

    def transition(self, name: str) -> Transition:
        for transition in self.transitions:
            if transition.name == name:
                return transition
        raise KeyError(name)

    def allowed_from(self, state: str) -> list[Transition]:
        """The transitions that may leave this state."""
        return [t for t in self.transitions if state in t.from_states]

    def reachable(self) -> set[str]:
        """Every state a record can be in: the initial one and those some transition reaches."""
        return {self.initial} | {t.to_state for t in self.transitions}


# --- incidents ------------------------------------------------------------------------------------

TAKE_UP = "take_up"
TAKE_UP_ICT = "take_up_ict"
CLOSE = "close"
REOPEN = "reopen"

INCIDENT = Machine(
    label="incident",
    states=Status,
    initial=Status.NEW,
    transitions=(
        # The first handling step (assigning, setting severity, a note or an action) takes a new
        # incident up; the same steps later leave the state as it is.
        Transition(TAKE_UP, "taken up", (Status.NEW,), Status.IN_PROGRESS),
        # The ICT technician's record of the action and block applied (004 App. B).
        Transition(
            TAKE_UP_ICT, "taken up", (Status.NEW,), Status.IN_PROGRESS, action=Action.RECORD_ICT_ACTIONS
        ),
        Transition(CLOSE, "closed", (Status.NEW, Status.IN_PROGRESS), Status.CLOSED),
        Transition(REOPEN, "reopened", (Status.CLOSED,), Status.IN_PROGRESS),
    ),
)

# --- takedowns (001 §16.3–16.6) -------------------------------------------------------------------

TS = Takedown.Status
# A takedown's deadline is this long after the report (001 §16.3).
TAKEDOWN_WINDOW = timedelta(hours=24)
_UNFINISHED = (TS.OPEN, TS.REQUESTED, TS.ESCALATED)

REQUEST_REMOVAL = "request_removal"
ESCALATE = "escalate"
CONFIRM_REMOVAL = "confirm_removal"
WITHDRAW = "withdraw"

TAKEDOWN = Machine(
    label="takedown",
    states=TS,
    initial=TS.OPEN,
    transitions=(
        # The host is asked once (TAKEDOWN_LADDER below does not offer it again).
        Transition(REQUEST_REMOVAL, "requested", (TS.OPEN,), TS.REQUESTED),
        # Where the host does not act (16.4): the helpline or Report Harmful Content, then the ISP;
        # never before the host has had its chance.
        Transition(ESCALATE, "escalated", (TS.REQUESTED, TS.ESCALATED), TS.ESCALATED),
        Transition(CONFIRM_REMOVAL, "confirmed removed", _UNFINISHED, TS.REMOVED),
        # The content was amended rather than removed, or removal is no longer appropriate (16.3):
        # without this the ladder would keep telling the headteacher about it every day.
        Transition(WITHDRAW, "closed as no longer needed", _UNFINISHED, TS.WITHDRAWN),
    ),
)


def _action(transition: Transition, incident: Incident) -> str:
    return incident.handler_action if transition.action == HANDLER else transition.action


def _check(machine: Machine, transition: Transition, obj, incident: Incident, user: User) -> None:
    if obj.status not in transition.from_states:
        current = machine.states(obj.status).label.lower()
        raise IllegalTransition(f"A {machine.label} that is “{current}” cannot be {transition.label}.")
    if not access.can(user, _action(transition, incident), incident):
        raise PermissionDenied


def incident_transition(*, user: User, incident: Incident, name: str, strict: bool = True) -> bool:
    """Move a locked incident by the named transition; False when ``strict`` is off and it does not apply."""
    transition = INCIDENT.transition(name)
    if not strict and incident.status not in transition.from_states:
        return False
    _check(INCIDENT, transition, incident, incident, user)
    fields = ["status"]
    if transition.to_state == Status.CLOSED:
        incident.closed_at = timezone.now()
        fields.append("closed_at")
    elif incident.status == Status.CLOSED:
        incident.closed_at = None
        fields.append("closed_at")
    incident.status = transition.to_state
    incident.save(update_fields=fields)
    return True


def takedown_transition(*, user: User, takedown: Takedown, name: str, strict: bool = True) -> bool:
    """Move a locked takedown by the named transition; False when ``strict`` is off and it does not apply."""
    transition = TAKEDOWN.transition(name)
    if not strict and takedown.status not in transition.from_states:
        return False
    _check(TAKEDOWN, transition, takedown, takedown.incident, user)
    fields = ["status"]
    if transition.to_state in (TS.REMOVED, TS.WITHDRAWN):
        # A finished takedown leaves the queue's deadlines and the escalation ladder.
        now = timezone.now()
        takedown.closed_at = now
        fields.append("closed_at")
        if transition.to_state == TS.REMOVED:
            takedown.removed_at = now
            fields.append("removed_at")
    takedown.status = transition.to_state
    takedown.save(update_fields=fields)
    return True


# --- the takedown ladder (001 §16.3–16.6) ---------------------------------------------------------

St = TakedownStep.Type


@dataclass(frozen=True)
class Rung:
    """One step of the takedown ladder: offered once ``after`` is met, and not again once taken.

    ``after`` is a list of groups, each met by any one of its step types: the ISP comes after the
    host *and* after either the helpline or Report Harmful Content. ``by`` is how long after the
    report the step should be taken (None: as soon as it is needed); ``then`` is what comes next.
    """

    key: str
    step: str
    label: str
    after: tuple[tuple[str, ...], ...]
    by: timedelta | None
    then: str


# The host first (16.3: removal within 24 hours of the report). The Professionals Online Safety
# Helpline and Report Harmful Content take a case only once the platform has had its chance, so
# they come after the host; the ISP after them (16.4). The police (16.5) and CEOP are separate
# steps taken whenever the material calls for them, and support (16.6) is offered from the start.
TAKEDOWN_LADDER: tuple[Rung, ...] = (
    Rung(
        "host",
        St.REMOVAL_REQUESTED,
        "Ask the host to remove it",
        (),
        timedelta(hours=12),
        "Check it has gone. If the host has not removed it by the deadline, escalate to the "
        "Professionals Online Safety Helpline or Report Harmful Content.",
    ),
    Rung(
        "helpline",
        St.ESCALATED_HELPLINE,
        "Escalate to the Professionals Online Safety Helpline",
        ((St.REMOVAL_REQUESTED,),),
        timedelta(hours=24),
        "If the content is still there a day after the deadline, contact the internet service provider.",
    ),
    Rung(
        "report_harmful_content",
        St.ESCALATED_RHC,
        "Escalate to Report Harmful Content",
        ((St.REMOVAL_REQUESTED,),),
        timedelta(hours=24),
        "If the content is still there a day after the deadline, contact the internet service provider.",
    ),
    Rung(
        "isp",
        St.ESCALATED_ISP,
        "Contact the internet service provider (ISP)",
        ((St.REMOVAL_REQUESTED,), (St.ESCALATED_HELPLINE, St.ESCALATED_RHC)),
        timedelta(hours=48),
        "The ISP can block access to the site. Keep checking until the content has gone.",
    ),
    Rung(
        "police",
        St.REPORTED_POLICE,
        "Report to the police",
        (),
        None,
        "Where the material is threatening or intimidating; about a member of staff, with their consent.",
    ),
    Rung(
        "ceop",
        St.REPORTED_CEOP,
        "Report to CEOP",
        (),
        None,
        "Where a child is being sexually exploited or groomed online.",
    ),
    Rung(
        "support",
        St.SUPPORT_OFFERED,
        "Offer support to the person affected",
        (),
        timedelta(hours=24),
        "Full support and, for a member of staff, appropriate stress counselling.",
    ),
)
RUNGS_BY_KEY = {rung.key: rung for rung in TAKEDOWN_LADDER}
RUNGS_BY_STEP = {rung.step: rung for rung in TAKEDOWN_LADDER}


@dataclass(frozen=True)
class RungOffer:
    """A rung on offer for one takedown, with when it is due (None: no fixed time)."""

    rung: Rung
    due: datetime | None


def takedown_rungs_on_offer(takedown: Takedown, taken: Iterable[str]) -> list[RungOffer]:
    """The rungs a takedown may take next, in ladder order: prerequisites met and not yet taken."""
    if not takedown.is_open:
        return []
    done = set(taken)
    reported = takedown.deadline - TAKEDOWN_WINDOW
    return [
        RungOffer(rung, reported + rung.by if rung.by is not None else None)
        for rung in TAKEDOWN_LADDER
        if rung.step not in done and all(done.intersection(group) for group in rung.after)
    ]


def takedown_require_on_offer(takedown: Takedown, step: str) -> None:
    """ValidationError unless the ladder offers this step to the (locked) takedown now."""
    rung = RUNGS_BY_STEP[step]
    if not takedown.is_open:
        raise IllegalTransition("This takedown is finished.")
    taken = set(takedown.steps.values_list("type", flat=True))
    if rung.step in taken:
        raise IllegalTransition(f"“{rung.label}” has already been recorded for this takedown.")
    if all(offer.rung.key != rung.key for offer in takedown_rungs_on_offer(takedown, taken)):
        first = (
            "ask the host to remove it"
            if St.REMOVAL_REQUESTED not in taken
            else "escalate to the Professionals Online Safety Helpline or Report Harmful Content"
        )
        raise IllegalTransition(f"“{rung.label}” is not on offer yet: first {first}.")
