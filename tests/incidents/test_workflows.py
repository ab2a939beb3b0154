"""The state machines of incidents and takedowns: every declared transition is taken by the service
that should take it, every state can be reached, and a move the table does not declare is refused."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.roles import Role
from core.models import Notification
from incidents import services, workflows
from incidents.models import IncidentEvent, Kind, Status, Takedown
from incidents.services.escalation import takedown_escalation_sweep
from incidents.workflows import INCIDENT, TAKEDOWN, IllegalTransition
from tests.incidents.helpers import report

pytestmark = pytest.mark.django_db

TS = Takedown.Status
CLOSE_FIELDS = dict(summary="Resolved", decision="No further action", reasons="Removed", outcome="Closed")


def _incident(personas, **fields):
    a = personas.a
    return report(a[Role.STAFF], a.school, **fields)


def _takedown(personas, incident=None):
    incident = incident or _incident(personas)
    return services.takedown_open(
        user=personas.a[Role.DSL], incident=incident, content_url="https://www.instagram.com/p/abc/"
    )


# Each declared incident transition: (the state to start from, the service call that takes it).
def _assign(p, i):
    services.incident_assign(user=p.a[Role.DSL], incident=i, assignee=p.a[Role.DSL])


def _severity(p, i):
    services.incident_set_severity(user=p.a[Role.DSL], incident=i, severity=2)


def _note(p, i):
    services.incident_add_note(user=p.a[Role.DSL], incident=i, text="Spoke to the pupil")


def _action(p, i):
    services.incident_add_note(user=p.a[Role.DSL], incident=i, text="Blocked", kind=IncidentEvent.Type.ACTION)


def _ict(p, i):
    services.incident_record_ict_action(
        user=p.a[Role.ICT_TECHNICIAN], incident=i, action_taken="Blocked the site", block_applied="Category"
    )


def _close(p, i):
    services.incident_close(user=p.a[Role.DSL], incident=i, **CLOSE_FIELDS)


def _reopen(p, i):
    services.incident_reopen(user=p.a[Role.DSL], incident=i, reason="New messages were found")


INCIDENT_SERVICES = {
    workflows.TAKE_UP: [_assign, _severity, _note, _action],
    workflows.TAKE_UP_ICT: [_ict],
    workflows.CLOSE: [_close],
    workflows.REOPEN: [_reopen],
}


def _incident_in(personas, state, transition):
    kind = Kind.INAPPROPRIATE_CONTENT if transition.action != workflows.HANDLER else Kind.CYBERBULLYING_PUPIL
    incident = _incident(personas, kind=kind)
    if state == Status.IN_PROGRESS:
        _note(personas, incident)
    elif state == Status.CLOSED:
        _close(personas, incident)
    incident.refresh_from_db()
    assert incident.status == state
    return incident


def test_every_incident_transition_is_taken_by_a_service(personas):
    assert set(INCIDENT_SERVICES) == {t.name for t in INCIDENT.transitions}
    for transition in INCIDENT.transitions:
        for call in INCIDENT_SERVICES[transition.name]:
            for state in transition.from_states:
                incident = _incident_in(personas, state, transition)
                call(personas, incident)
                incident.refresh_from_db()
                assert incident.status == transition.to_state, (transition.name, call.__name__, state)
                assert (incident.closed_at is not None) == (transition.to_state == Status.CLOSED)


def test_a_later_handling_step_leaves_the_state_as_it_is(personas):
    """Taking a case up happens once: a note on a case in progress or a closed one moves nothing."""
    incident = _incident(personas)
    _note(personas, incident)
    _severity(personas, incident)
    incident.refresh_from_db()
    assert incident.status == Status.IN_PROGRESS
    _close(personas, incident)
    _note(personas, incident)
    incident.refresh_from_db()
    assert incident.status == Status.CLOSED


def test_an_incident_move_the_table_does_not_declare_is_refused(personas):
    dsl = personas.a[Role.DSL]
    refused = 0
    for state in Status.values:
        for transition in INCIDENT.transitions:
            if state in transition.from_states:
                continue
            incident = _incident(personas)
            incident.status = state
            with pytest.raises(IllegalTransition, match="cannot be"):
                workflows.incident_transition(user=dsl, incident=incident, name=transition.name)
            refused += 1
            # Not strict: the step leaves the state as it is and says so.
            assert not workflows.incident_transition(
                user=dsl, incident=incident, name=transition.name, strict=False
            )
            incident.refresh_from_db()
            assert incident.status == Status.NEW
    assert refused == 7
    # Through the services, too: a closed case is not closed again, an open one not reopened.
    incident = _incident(personas)
    with pytest.raises(ValidationError, match="open"):
        _reopen(personas, incident)
    _close(personas, incident)
    with pytest.raises(ValidationError, match="already closed"):
        _close(personas, incident)


def test_only_the_incidents_handler_may_move_it(personas):
    a = personas.a
    incident = _incident(personas)
    for user in (a[Role.STAFF], a[Role.HEADTEACHER], personas.b[Role.DSL]):
        with pytest.raises(PermissionDenied):
            workflows.incident_transition(user=user, incident=incident, name=workflows.CLOSE)
    # The ICT transition is the ICT technician's, whatever the incident's own handler.
    with pytest.raises(PermissionDenied):
        workflows.incident_transition(user=a[Role.DSL], incident=incident, name=workflows.TAKE_UP_ICT)
    incident.refresh_from_db()
    assert incident.status == Status.NEW


def test_every_state_can_be_reached():
    assert INCIDENT.reachable() == set(Status.values)
    assert TAKEDOWN.reachable() == set(TS.values)


# Each declared takedown transition, by the service that takes it.
def _request(p, t):
    services.takedown_request_removal(user=p.a[Role.DSL], takedown=t, host="Instagram", reference="IG-1")


def _escalate(p, t):
    # The ladder's next escalation: the helpline first, then the ISP.
    route = "isp" if t.steps.filter(type="escalated_helpline").exists() else "helpline"
    services.takedown_escalate(user=p.a[Role.DSL], takedown=t, route=route, reference="ESC-1")


def _confirm(p, t):
    services.takedown_confirm_removal(user=p.a[Role.DSL], takedown=t)


def _withdraw(p, t):
    services.takedown_withdraw(user=p.a[Role.DSL], takedown=t, note="The host amended the post")


TAKEDOWN_SERVICES = {
    workflows.REQUEST_REMOVAL: _request,
    workflows.ESCALATE: _escalate,
    workflows.CONFIRM_REMOVAL: _confirm,
    workflows.WITHDRAW: _withdraw,
}
TO_STATE = {TS.OPEN: [], TS.REQUESTED: [_request], TS.ESCALATED: [_request, _escalate]}


def test_every_takedown_transition_is_taken_by_a_service(personas):
    assert set(TAKEDOWN_SERVICES) == {t.name for t in TAKEDOWN.transitions}
    for transition in TAKEDOWN.transitions:
        for state in transition.from_states:
            takedown = _takedown(personas)
            for step in TO_STATE[state]:
                step(personas, takedown)
            takedown.refresh_from_db()
            assert takedown.status == state
            TAKEDOWN_SERVICES[transition.name](personas, takedown)
            takedown.refresh_from_db()
            assert takedown.status == transition.to_state, (transition.name, state)
            finished = transition.to_state in (TS.REMOVED, TS.WITHDRAWN)
            assert (takedown.closed_at is not None) == finished
            assert (takedown.removed_at is not None) == (transition.to_state == TS.REMOVED)


def test_the_host_is_not_asked_again_after_an_escalation(personas):
    # The ladder offers each step once: a second request to the host is refused, not recorded.
    takedown = _takedown(personas)
    _request(personas, takedown)
    _escalate(personas, takedown)
    with pytest.raises(ValidationError, match="already been recorded"):
        _request(personas, takedown)
    takedown.refresh_from_db()
    assert takedown.status == TS.ESCALATED
    assert takedown.steps.filter(type="removal_requested").count() == 1


def test_a_takedown_move_the_table_does_not_declare_is_refused(personas):
    dsl = personas.a[Role.DSL]
    refused = 0
    for state in TS.values:
        for transition in TAKEDOWN.transitions:
            if state in transition.from_states:
                continue
            takedown = _takedown(personas)
            takedown.status = state
            with pytest.raises(IllegalTransition, match="cannot be"):
                workflows.takedown_transition(user=dsl, takedown=takedown, name=transition.name)
            refused += 1
            takedown.refresh_from_db()
            assert takedown.status == TS.OPEN
    # From removed and withdrawn, nothing; from requested or escalated, not back to requested; from
    # open, no escalation before the host has been asked.
    assert refused == 2 * 4 + 2 + 1
    # Through the services: a finished takedown takes no further step.
    takedown = _takedown(personas)
    _withdraw(personas, takedown)
    for step in (_request, _escalate, _confirm, _withdraw):
        with pytest.raises(ValidationError, match="finished"):
            step(personas, takedown)


def test_a_takedown_no_longer_needed_is_closed_with_its_reason_and_the_ladder_stops(personas):
    a = personas.a
    takedown = _takedown(personas)
    incident = takedown.incident
    with pytest.raises(ValidationError, match="no longer needed"):
        services.takedown_withdraw(user=a[Role.DSL], takedown=takedown, note=" ")
    with pytest.raises(PermissionDenied):
        services.takedown_withdraw(user=a[Role.STAFF], takedown=takedown, note="Amended")
    _withdraw(personas, takedown)
    takedown.refresh_from_db()
    assert takedown.status == TS.WITHDRAWN and takedown.removed_at is None
    step = takedown.steps.get(type="withdrawn")
    assert step.note == "The host amended the post" and step.by == a[Role.DSL]
    assert incident.events.filter(type=IncidentEvent.Type.TAKEDOWN, data__step="withdrawn").exists()
    Notification.objects.all().delete()
    assert takedown_escalation_sweep(incident.reported_at + timedelta(hours=30)) == 0
    assert not Notification.objects.exists()
