"""The states of an incident and of a takedown, and every move between them, declared once.

Each ``Transition`` names the states it leaves from, the state it reaches and the action (from
accounts.roles) whose holder may take it. ``incident_transition``
and ``takedown_transition`` are the only code that changes a status: the services call them with
the row already locked, then write the timeline and audit entries that say why.

The handling of an incident belongs to whoever holds its own handling action (routing picks one of
HANDLER_ACTIONS when it is reported), so most transitions name ``HANDLER`` rather than one action.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils import timezone

from accounts import access
from accounts.models import User
from accounts.roles import Action
from incidents.models import Incident, Status, Takedown

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
        # Asking the host again, or after an escalation, is a step but not a move back.
        Transition(REQUEST_REMOVAL, "requested", (TS.OPEN,), TS.REQUESTED),
        # Where the host does not act (16.4): the helpline or Report Harmful Content, then the ISP.
        Transition(ESCALATE, "escalated", _UNFINISHED, TS.ESCALATED),
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
