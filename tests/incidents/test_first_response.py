"""The first-response ladder with time moved forward: each rung once, to the right post, never to
anyone named in the report; an answered report is not chased."""

from __future__ import annotations

from datetime import timedelta

import pytest

from accounts.roles import Action, Role
from core.models import Notification
from incidents import services
from incidents.figures import overdue_first_responses
from incidents.models import FirstResponseNotice, IncidentEvent, Kind
from incidents.services.first_response import first_response_escalate, first_response_sweep
from tests.incidents.helpers import report, staff_named

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


def told(user, incident) -> list[str]:
    """The subjects of the notifications about this report that the user was sent, oldest first."""
    return list(
        Notification.objects.filter(user=user, subject__contains=incident.reference)
        .exclude(subject__startswith="New ")
        .exclude(subject__startswith="URGENT: New ")
        .order_by("created_at", "pk")
        .values_list("subject", flat=True)
    )


def unanswered(incident, after: str) -> str:
    return f"Unanswered report {incident.reference}: no first response after {after}"


def ladder_events(incident) -> list[str]:
    return list(
        IncidentEvent.objects.filter(incident=incident, type=IncidentEvent.Type.ESCALATION)
        .order_by("id")
        .values_list("data__level", flat=True)
    )


def test_an_unopened_report_climbs_the_ladder_one_rung_at_a_time(personas):
    a = personas.a
    dsl, deputy, head = a[Role.DSL], a[Role.DEPUTY_DSL], a[Role.HEADTEACHER]
    lead = personas[Role.TRUST_SAFEGUARDING_LEAD]
    incident = report(a[Role.STAFF], a.school)  # cyberbullying of a pupil: the DSL, within 24 hours
    due = incident.respond_by
    assert due - incident.reported_at == pytest.approx(24 * HOUR, abs=timedelta(seconds=5))

    assert first_response_sweep(now=due - 13 * HOUR) == 0
    assert first_response_sweep(now=due - 11 * HOUR) == 1
    assert told(dsl, incident) == [
        f"Reminder: report {incident.reference} needs a first response within 11 hours"
    ]
    assert told(head, incident) == []
    assert first_response_sweep(now=due - 10 * HOUR) == 0  # the same rung is never sent twice

    assert first_response_sweep(now=due + HOUR / 4) == 1
    assert told(deputy, incident)[-1] == unanswered(incident, "24 hours")
    assert told(head, incident) == []

    assert first_response_sweep(now=due + 12.25 * HOUR) == 1
    assert told(head, incident) == [unanswered(incident, "36 hours")]

    assert first_response_sweep(now=due + 24.25 * HOUR) == 1
    assert told(lead, incident)[-1] == unanswered(incident, "48 hours")

    # Nothing more to send, however late.
    assert first_response_sweep(now=due + 100 * HOUR) == 0
    assert ladder_events(incident) == ["reminder", "deputy", "head", "trust_lead"]
    assert FirstResponseNotice.objects.filter(incident=incident).count() == 4
    assert len(told(head, incident)) == 1
    assert len(told(dsl, incident)) == 1


def test_a_sweep_that_ran_late_tells_every_post_it_missed_once(personas):
    a = personas.a
    incident = report(a[Role.STAFF], a.school)
    assert first_response_sweep(now=incident.respond_by + 13 * HOUR) == 3
    assert first_response_sweep(now=incident.respond_by + 13 * HOUR) == 0
    assert len(told(a[Role.DEPUTY_DSL], incident)) == 2  # a handler reminded, and the deputy's rung
    assert len(told(a[Role.HEADTEACHER], incident)) == 1
    assert ladder_events(incident) == ["reminder", "deputy", "head"]


def test_an_answered_report_is_not_chased(personas):
    a = personas.a
    dsl = a[Role.DSL]
    incident = report(a[Role.STAFF], a.school)
    assert first_response_sweep(now=incident.respond_by - 11 * HOUR) == 1
    services.incident_add_note(user=dsl, incident=incident, text="Spoke to the pupil this morning.")
    assert first_response_sweep(now=incident.respond_by + 30 * HOUR) == 0
    assert told(a[Role.DEPUTY_DSL], incident) == [told(dsl, incident)[0]]  # the reminder only
    assert told(a[Role.HEADTEACHER], incident) == []
    assert ladder_events(incident) == ["reminder"]


@pytest.mark.parametrize(
    "answer",
    [
        lambda dsl, i: services.incident_set_severity(user=dsl, incident=i, severity=2),
        lambda dsl, i: services.incident_assign(user=dsl, incident=i, assignee=dsl),
        lambda dsl, i: services.incident_refer(user=dsl, incident=i, agency="police", reference="P-1"),
        lambda dsl, i: services.incident_close(
            user=dsl, incident=i, summary="s", decision="d", reasons="r", outcome="o"
        ),
    ],
    ids=["severity", "assign", "referral", "close"],
)
def test_each_first_action_counts_as_an_answer(personas, answer):
    a = personas.a
    incident = report(a[Role.STAFF], a.school)
    answer(a[Role.DSL], incident)
    assert first_response_sweep(now=incident.respond_by + 30 * HOUR) == 0
    assert not FirstResponseNotice.objects.filter(incident=incident).exists()


def test_immediate_risk_is_chased_within_the_hour(personas):
    a = personas.a
    incident = report(a[Role.STAFF], a.school, kind=Kind.SAFEGUARDING, immediate_risk=True)
    start = incident.respond_by - HOUR
    assert first_response_sweep(now=start + timedelta(minutes=14)) == 0
    assert first_response_sweep(now=start + timedelta(minutes=16)) == 1
    assert told(a[Role.DSL], incident) == [
        f"URGENT: Reminder: report {incident.reference} needs a first response within 44 minutes"
    ]
    assert first_response_sweep(now=start + timedelta(minutes=31)) == 1
    assert first_response_sweep(now=start + timedelta(minutes=46)) == 1
    assert told(a[Role.HEADTEACHER], incident) == [
        f"URGENT: Unanswered report {incident.reference}: no first response after 46 minutes"
    ]
    assert first_response_sweep(now=start + timedelta(minutes=61)) == 1
    assert ladder_events(incident) == ["reminder", "deputy", "head", "trust_lead"]


def test_people_named_in_the_report_are_never_told(personas):
    a = personas.a
    deputy, head = a[Role.DEPUTY_DSL], a[Role.HEADTEACHER]
    # The deputy DSL is a witness: the DSL still handles it, and the deputy's rung passes to the DSL.
    witness = staff_named(deputy, "witness")
    incident = report(a[Role.STAFF], a.school, kind=Kind.SAFEGUARDING, people=[witness])
    assert incident.handler_action == Action.TRIAGE_INCIDENTS
    first_response_sweep(now=incident.respond_by + 30 * HOUR)
    assert ladder_events(incident) == ["reminder", "deputy", "head", "trust_lead"]
    assert told(deputy, incident) == []
    assert len(told(a[Role.DSL], incident)) == 2  # the reminder, and the deputy's rung in their place

    # A report about the headteacher goes to the chair; the headteacher hears nothing of it.
    about_head = report(a[Role.STAFF], a.school, kind=Kind.STAFF_CONDUCT, people=[staff_named(head)])
    assert about_head.handler_action == Action.HANDLE_HEADTEACHER_CONDUCT
    first_response_sweep(now=about_head.respond_by + 30 * HOUR)
    assert ladder_events(about_head) == ["reminder", "chief_executive", "trust_lead"]
    assert Notification.objects.filter(user=head, subject__contains=about_head.reference).count() == 0
    assert len(told(personas[Role.CHAIR_OF_TRUSTEES], about_head)) == 1
    ceo_notice = Notification.objects.get(user=personas[Role.CEO], subject__contains=about_head.reference)
    # The chief executive may not open a concern about the headteacher: told the reference, no link.
    assert ceo_notice.link == ""
    event = IncidentEvent.objects.get(incident=about_head, data__level="chief_executive")
    assert str(head.pk) not in event.data["told"]


@pytest.mark.parametrize(
    ("kind", "handler_role", "second_post"),
    [
        (Kind.INAPPROPRIATE_CONTENT, Role.ICT_TECHNICIAN, Role.DSL),
        (Kind.ABUSIVE_COMMENT, Role.MARKETING_OFFICER, Role.DIRECTOR_OF_MARKETING),
        (Kind.MEDIA_ENQUIRY, Role.DIRECTOR_OF_MARKETING, Role.HEADTEACHER),
    ],
)
def test_ict_marketing_and_media_reports_are_chased_the_same_way(personas, kind, handler_role, second_post):
    a = personas.a
    incident = report(a[Role.STAFF], a.school, kind=kind)
    assert incident.respond_by - incident.reported_at == pytest.approx(72 * HOUR, abs=timedelta(seconds=5))
    handler = a.users.get(handler_role) or personas[handler_role]
    second = a.users.get(second_post) or personas[second_post]
    first_response_sweep(now=incident.respond_by - 35 * HOUR)
    assert told(handler, incident) == [
        f"Reminder: report {incident.reference} needs a first response within 35 hours"
    ]
    first_response_sweep(now=incident.respond_by + HOUR)
    assert told(second, incident)[-1] == unanswered(incident, "3 days")
    first_response_sweep(now=incident.respond_by + 80 * HOUR)
    assert len(ladder_events(incident)) == 4
    assert len(told(personas[Role.TRUST_SAFEGUARDING_LEAD], incident)) == 1


def test_subjects_carry_no_pupil_name_or_concern_text(personas):
    a = personas.a
    pupil = a.child
    incident = report(
        a[Role.STAFF],
        a.school,
        people=[services.PersonInvolved(role="affected", identity="pupil", pupil=pupil)],
    )
    first_response_sweep(now=incident.respond_by + 30 * HOUR)
    about = Notification.objects.filter(subject__contains=incident.reference)
    subjects = list(about.values_list("subject", flat=True))
    assert subjects
    for subject in subjects:
        assert pupil.first_name not in subject
        assert pupil.last_name not in subject
        assert "group chat" not in subject


def test_a_rung_claimed_by_another_run_is_not_sent_again(personas):
    a = personas.a
    incident = report(a[Role.STAFF], a.school)
    FirstResponseNotice.objects.create(
        incident=incident, handler_action=incident.handler_action, level="reminder"
    )
    # This run read the report before the other run's row was written: it must still send nothing.
    stale = type(incident).objects.get(pk=incident.pk)
    stale._prefetched_objects_cache = {"first_response_notices": FirstResponseNotice.objects.none()}
    assert first_response_escalate(incident=stale, now=incident.respond_by - 11 * HOUR) == 0
    assert told(a[Role.DSL], incident) == []


def test_the_overdue_figure_counts_reports_not_yet_answered(personas):
    a = personas.a
    waiting = report(a[Role.STAFF], a.school)
    answered = report(a[Role.STAFF], a.school)
    report(a[Role.STAFF], a.school, kind=Kind.ABUSIVE_COMMENT)  # due in three days, not one
    services.incident_add_note(user=a[Role.DSL], incident=answered, text="Looked into it.")
    later = waiting.respond_by + HOUR
    assert overdue_first_responses(waiting.respond_by - HOUR, [a.school.pk]) == 0
    assert overdue_first_responses(later, [a.school.pk]) == 1
    assert overdue_first_responses(later, [personas.b.school.pk]) == 0
