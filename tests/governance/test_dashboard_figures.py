"""Every figure of the trust dashboard, the school dashboard and the trustees' report, checked
against records built to give a known answer (not only that its heading shows).

Most records are built in a school of their own (school C), so that each number is exactly what the
test made: its staff, its pupils, its policy, its requests, accounts, incidents and takedowns."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.models import School, User
from accounts.roles import Role
from approvals.models import ApprovalRequest, OfficialAccount, RequestType, State
from consent.models import Purpose
from core.calendar import academic_year_for, academic_year_start
from governance import dashboards, policies
from governance.models import TrainingAttendance, TrainingSession
from governance.reports import trustee_report_generate, trustee_report_pdf_for
from incidents import services
from incidents.models import IncidentPerson, Kind, Severity, Takedown
from tests.approvals.helpers import official_account, parent_of
from tests.consent.helpers import YES, answer, answer_all
from tests.factories import PupilFactory, SchoolFactory, SchoolPeople, person
from tests.incidents.helpers import report
from tests.pdftext import pdf_text

pytestmark = pytest.mark.django_db


@dataclass
class SchoolC:
    people: SchoolPeople

    @property
    def school(self) -> School:
        return self.people.school

    def __getitem__(self, role: str) -> User:
        return self.people[role]


@pytest.fixture
def c(personas) -> SchoolC:
    """A third school of the trust with four people at work (a headteacher, a DSL, two members of
    staff), a parent, and no pupils."""
    school = SchoolFactory(trust=personas.trust, name="School C")
    people = SchoolPeople(school=school)
    for role in (Role.HEADTEACHER, Role.DSL, Role.STAFF):
        people.users[role] = person(role, school=school)
    people.users["staff2"] = person(Role.STAFF, school=school)
    people.users[Role.PARENT] = person(Role.PARENT, school=school)
    access.sync_trust(personas.trust.pk)
    return SchoolC(people)


def _figures(school, viewer=None):
    today = timezone.localdate()
    board = dashboards.dashboard(school_ids=[school.pk], viewer=viewer, today=today)
    return board, board.schools[0]


def _trust(personas, viewer=None):
    ids = list(personas.trust.schools.values_list("pk", flat=True))
    return dashboards.dashboard(school_ids=ids, viewer=viewer, today=timezone.localdate())


# --- open incidents, by kind and severity --------------------------------------------------------


def _incident(reporter, school, dsl, *, severity, kind=Kind.CYBERBULLYING_PUPIL):
    incident = report(reporter, school, kind=kind)
    services.incident_set_severity(user=dsl, incident=incident, severity=severity)
    return incident


def test_open_incidents_by_kind_and_severity(personas, c):
    staff, dsl = c[Role.STAFF], c[Role.DSL]
    _incident(staff, c.school, dsl, severity=Severity.HIGH)
    _incident(staff, c.school, dsl, severity=Severity.HIGH)
    _incident(staff, c.school, dsl, severity=Severity.LOW)
    _incident(staff, c.school, dsl, severity=Severity.CRITICAL, kind=Kind.SAFEGUARDING)
    closed = _incident(staff, c.school, dsl, severity=Severity.MEDIUM)
    services.incident_close(user=dsl, incident=closed, summary="s", decision="d", reasons="r", outcome="o")
    # School B's open incident counts on the trust's dashboard, not on school C's.
    _incident(personas.b[Role.STAFF], personas.b.school, personas.b[Role.DSL], severity=Severity.LOW)

    board, figures = _figures(c.school)
    assert figures.open_incidents == 4
    columns = [value for value, _ in board.severities]
    by_kind = {row["kind"]: dict(zip(columns, row["counts"], strict=True)) for row in board.incidents_by_kind}
    assert by_kind == {
        Kind.CYBERBULLYING_PUPIL: {0: 0, 1: 1, 2: 0, 3: 2, 4: 0},
        Kind.SAFEGUARDING: {0: 0, 1: 0, 2: 0, 3: 0, 4: 1},
    }
    assert {row["kind"]: row["total"] for row in board.incidents_by_kind} == {
        Kind.CYBERBULLYING_PUPIL: 3,
        Kind.SAFEGUARDING: 1,
    }

    trust = _trust(personas)
    assert trust.total.open_incidents == 5
    assert {s.name: s.open_incidents for s in trust.schools} == {"School A": 0, "School B": 1, "School C": 4}


# --- takedowns done inside 24 hours ---------------------------------------------------------------


def _takedown(people, school):
    incident = report(people[Role.STAFF], school)
    return services.takedown_open(
        user=people[Role.DSL], incident=incident, content_url="https://www.instagram.com/p/abc123/"
    )


def _due(takedown, at):
    """Move the takedown's deadline (as if it had been reported earlier)."""
    Takedown.objects.filter(pk=takedown.pk).update(deadline=at)
    takedown.refresh_from_db()


def test_a_takedown_still_inside_its_window_is_neither_a_hit_nor_a_miss(personas):
    # The case: one removed three minutes after opening, one opened and not yet due.
    b = personas.b
    removed = _takedown(b, b.school)
    services.takedown_confirm_removal(user=b[Role.DSL], takedown=removed)
    _takedown(b, b.school)
    _, figures = _figures(b.school)
    assert (figures.takedowns_in_time, figures.takedowns, figures.takedowns_in_time_percent) == (1, 1, 100)


def _takedown_outcomes(people, school):
    """One takedown of each outcome: returns how many count, and how many of those were in time."""
    dsl, now = people[Role.DSL], timezone.now()
    in_time = _takedown(people, school)
    services.takedown_confirm_removal(user=dsl, takedown=in_time)
    _takedown(people, school)  # inside its window: not counted
    overdue = _takedown(people, school)
    _due(overdue, now - timedelta(hours=1))  # still open past its deadline: a miss
    late = _takedown(people, school)
    _due(late, now - timedelta(hours=2))
    services.takedown_confirm_removal(user=dsl, takedown=late)  # removed after the deadline: a miss
    amended = _takedown(people, school)
    services.takedown_withdraw(user=dsl, takedown=amended, note="The host amended the post")
    # Withdrawn two hours ago, before its deadline an hour ago: not counted.
    Takedown.objects.filter(pk=amended.pk).update(
        closed_at=now - timedelta(hours=2), deadline=now - timedelta(hours=1)
    )
    given_up = _takedown(people, school)
    _due(given_up, now - timedelta(hours=3))
    services.takedown_withdraw(user=dsl, takedown=given_up, note="The site closed")  # after: a miss
    return {"counted": 4, "in_time": 1, "overdue": overdue, "late": late}


def test_takedowns_done_inside_24_hours(personas):
    b = personas.b
    known = _takedown_outcomes(b, b.school)
    board, figures = _figures(b.school)
    assert (figures.takedowns, figures.takedowns_in_time, figures.takedowns_in_time_percent) == (4, 1, 25)
    # This month's row of the trend holds all of them; the other five months are empty.
    this_month = timezone.localdate().replace(day=1)
    assert [(m["month"], m["takedowns"], m["in_time"], m["percent"]) for m in board.takedown_trend][-1] == (
        this_month,
        4,
        1,
        25,
    )
    assert len(board.takedown_trend) == 6
    assert all(m["takedowns"] == 0 and m["percent"] is None for m in board.takedown_trend[:-1])
    # A takedown opened last month is last month's.
    last_month = this_month - timedelta(days=1)
    opened = timezone.make_aware(
        timezone.datetime.combine(last_month.replace(day=10), timezone.datetime.min.time())
    )
    Takedown.objects.filter(pk=known["overdue"].pk).update(opened_at=opened)
    board, _ = _figures(b.school)
    trend = {m["month"]: (m["takedowns"], m["in_time"]) for m in board.takedown_trend}
    assert trend[last_month.replace(day=1)] == (1, 0) and trend[this_month] == (3, 1)
    trust = _trust(personas)
    assert (trust.total.takedowns, trust.total.takedowns_in_time) == (4, 1)


# --- decisions waiting and official accounts due for review --------------------------------------


def _request(school, requester, state, changed):
    return ApprovalRequest.objects.create(
        reference=f"REQ-{ApprovalRequest.objects.count() + 1:05d}",
        type=RequestType.CONNECTION,
        school=school,
        title="A request",
        requester=requester,
        state=state,
        state_changed_at=changed,
    )


def test_decisions_waiting_in_age_bands_with_the_oldest(personas, c):
    now, staff = timezone.now(), c[Role.STAFF]
    _request(c.school, staff, State.SUBMITTED, now - timedelta(hours=20))
    _request(c.school, staff, State.MARKETING_APPROVED, now - timedelta(days=3))
    _request(c.school, staff, State.ICT_ASSESSED, now - timedelta(days=6))
    oldest = _request(c.school, staff, State.SUBMITTED, now - timedelta(days=10)).state_changed_at
    # Waiting for their requester, or decided: not waiting for a decision.
    for state in (State.DRAFT, State.RETURNED, State.APPROVED, State.REJECTED, State.WITHDRAWN):
        _request(c.school, staff, state, now - timedelta(days=20))
    _, figures = _figures(c.school)
    assert figures.waiting == {"under_2_days": 1, "2_to_7_days": 2, "over_7_days": 1}
    assert figures.waiting_total == 4 and figures.oldest_waiting == oldest


def test_official_accounts_overdue_and_due_within_30_days(personas):
    a, today = personas.a, timezone.localdate()
    for n, due in enumerate((-1, 0, 30, 31)):
        official_account(a, handle=f"@school_a_{n}", next_review_due=today + timedelta(days=due))
    official_account(
        a, handle="@school_a_paused", status=OfficialAccount.Status.SUSPENDED, next_review_due=today
    )
    _, figures = _figures(a.school)
    assert (figures.accounts_overdue, figures.accounts_due_soon) == (1, 2)


# --- photo consent answered this academic year ----------------------------------------------------


def test_pupils_with_every_purpose_answered_by_school_and_year_group(personas, c):
    today = timezone.localdate()
    year3 = [PupilFactory(school=c.school, year_group=3) for _ in range(2)]
    year5 = [PupilFactory(school=c.school, year_group=5) for _ in range(3)]
    left = PupilFactory(school=c.school, year_group=5, is_active=False)
    for pupil in (year3[0], year5[0], left):
        answer_all(parent_of(pupil), pupil)
    # One purpose short of all of them; and every purpose, but for next year.
    answer(parent_of(year3[1]), year3[1], {p: YES for p in Purpose.values[:-1]})
    next_year = academic_year_for(academic_year_start(academic_year_for(today)) + timedelta(days=366))
    answer_all(parent_of(year5[1]), year5[1], academic_year=next_year)

    board, figures = _figures(c.school)
    assert (figures.pupils, figures.pupils_answered, figures.consent_percent) == (5, 2, 40)
    assert [(y["label"], y["pupils"], y["answered"], y["percent"]) for y in board.consent_by_year] == [
        ("Year 3", 2, 1, 50),
        ("Year 5", 3, 1, 33),
    ]


# --- policy acknowledgements and staff training ---------------------------------------------------


def _published(c):
    head = c[Role.HEADTEACHER]
    today = timezone.localdate()
    policy = policies.policy_create(
        user=head, trust=c.school.trust, school=c.school, title="Social media policy", owner=head
    )
    version = policies.policy_version_add(
        user=head,
        policy=policy,
        summary="First version",
        text="Staff must not befriend pupils on personal accounts.",
        approved_on=today,
        next_review_due=today + timedelta(days=365),
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        policies.policy_version_publish(user=head, version=version)
    version.refresh_from_db()
    return version


def test_staff_and_acknowledgements_of_the_current_policy(personas, c):
    _, figures = _figures(c.school)
    # The headteacher, the DSL and two members of staff; not the parent; no policy yet.
    assert (figures.staff, figures.acknowledgements_expected, figures.acknowledgement_percent) == (4, 0, None)
    version = _published(c)
    policies.acknowledgement_record(user=c[Role.STAFF], version=version)
    policies.acknowledgement_record(user=c[Role.DSL], version=version)
    _, figures = _figures(c.school)
    assert (figures.acknowledgements, figures.acknowledgements_expected) == (2, 4)
    assert figures.acknowledgement_percent == 50
    # School A's staff were not asked about school C's policy.
    a = _trust(personas).schools[0]
    assert (a.name, a.acknowledgements_expected, a.acknowledgements) == ("School A", 0, 0)


def test_staff_trained_this_term(personas, c):
    head, today = c[Role.HEADTEACHER], timezone.localdate()

    def session(kind=TrainingSession.Kind.STAFF, held_on=today):
        return TrainingSession.objects.create(
            school=c.school, kind=kind, title="Online safety", held_on=held_on, created_by=head
        )

    first, second = session(), session()
    for attended, user in ((first, c[Role.STAFF]), (second, c[Role.STAFF]), (first, c["staff2"])):
        TrainingAttendance.objects.create(session=attended, user=user, recorded_by=head)
    # A parents' session, and last year's staff training: not this term's staff training.
    TrainingAttendance.objects.create(
        session=session(TrainingSession.Kind.PARENT), user=c[Role.DSL], recorded_by=head
    )
    TrainingAttendance.objects.create(
        session=session(held_on=today - timedelta(days=400)), user=c[Role.DSL], recorded_by=head
    )
    _, figures = _figures(c.school)
    assert (figures.staff_trained, figures.staff, figures.training_percent) == (2, 4, 50)


# --- the trust's totals, the pages and the trustees' report ---------------------------------------


def _build_everything(personas, c):
    """Known records across schools B and C: returns what the trust's totals should be."""
    b, now = personas.b, timezone.now()
    _takedown_outcomes(b, b.school)  # 6 open incidents; 4 takedowns counted, 1 of them in time
    _request(c.school, c[Role.STAFF], State.SUBMITTED, now - timedelta(days=10))
    version = _published(c)
    policies.acknowledgement_record(user=c[Role.STAFF], version=version)
    pupil = PupilFactory(school=c.school, year_group=4)
    answer_all(parent_of(pupil), pupil)


def test_the_trust_dashboard_page_shows_the_numbers(personas, c, client_for):
    _build_everything(personas, c)
    html = client_for(personas[Role.TRUSTEE]).get(reverse("governance:dashboard")).content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "25% takedowns done inside 24 hours" in text
    assert "25% (1 of 4)" in text  # school B's row
    trust = _trust(personas)
    assert trust.total.takedowns_in_time_percent == 25
    assert trust.total.waiting_total == 1
    assert (trust.total.acknowledgements, trust.total.acknowledgements_expected) == (1, 4)
    # Schools A and B have two pupils each (the personas'); school C one, answered.
    assert (trust.total.pupils, trust.total.pupils_answered) == (5, 1)


def test_the_school_dashboard_page_shows_its_own_numbers(personas, client_for):
    b = personas.b
    _takedown_outcomes(b, b.school)
    url = reverse("governance:school_dashboard", kwargs={"school_id": b.school.pk})
    html = client_for(b[Role.HEADTEACHER]).get(url).content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "25% takedowns done inside 24 hours" in text and "25% (1 of 4)" in text


def test_the_trustees_report_keeps_and_prints_the_same_numbers(personas, c):
    _build_everything(personas, c)
    report_row = trustee_report_generate(trust=personas.trust, user=personas[Role.CEO])
    total = report_row.figures["total"]
    assert (total["takedowns"], total["takedowns_in_time"]) == (4, 1)
    assert total["open_incidents"] == 6
    assert total["waiting"] == {"under_2_days": 0, "2_to_7_days": 0, "over_7_days": 1}
    assert (total["acknowledgements"], total["acknowledgements_expected"]) == (1, 4)
    assert (total["pupils"], total["pupils_answered"]) == (5, 1)
    with report_row.file.open("rb") as handle:
        text = pdf_text(handle.read(), joined=True)
    assert "25% (1 of 4, last 6 months)" in text


def test_a_reader_named_in_a_counted_incident_reads_the_report_without_it(personas, c):
    b = personas.b
    known = _takedown_outcomes(b, b.school)
    named = b[Role.STAFF]
    IncidentPerson.objects.create(
        incident=known["late"].incident,
        role=IncidentPerson.Role.SUBJECT,
        identity=IncidentPerson.Identity.STAFF,
        user=named,
        added_by=b[Role.DSL],
    )
    report_row = trustee_report_generate(trust=personas.trust)
    text = pdf_text(trustee_report_pdf_for(report=report_row, reader=named), joined=True)
    # Less the late removal: 1 in time of 3, as their own dashboard shows it.
    assert "33% (1 of 3, last 6 months)" in text
    live = _trust(personas, viewer=named).total
    assert (live.takedowns, live.takedowns_in_time) == (3, 1)
