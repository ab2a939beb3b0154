"""Reporting, routing, subject exclusion, the age check, court-safe records and the takedown ladder."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.roles import Action, Role
from core.models import AppendOnlyError, Notification
from incidents import services
from incidents.models import Incident, IncidentEvent, Kind, Severity, Status, TakedownNotice
from incidents.services.escalation import takedown_escalation_sweep
from tests.factories import PupilFactory
from tests.incidents.helpers import exe_disguised_as_png, png, pupil_named, report, staff_named

pytestmark = pytest.mark.django_db


def test_a_cyberbullying_report_goes_to_the_dsl_and_tells_them_without_names(personas):
    a = personas.a
    incident = report(a[Role.STAFF], a.school, people=[pupil_named(a.child)], evidence_files=[png()])
    assert incident.handler_action == Action.TRIAGE_INCIDENTS
    assert incident.evidence.get().sha256 and len(incident.evidence.get().sha256) == 64
    note = Notification.objects.get(user=a[Role.DSL])
    assert incident.reference in note.subject
    assert a.child.last_name not in note.subject and "Unkind" not in note.subject
    # Deputy DSL and the trust safeguarding lead handle it too; school B's DSL does not.
    assert Notification.objects.filter(user=a[Role.DEPUTY_DSL]).exists()
    assert Notification.objects.filter(user=personas[Role.TRUST_SAFEGUARDING_LEAD]).exists()
    assert not Notification.objects.filter(user=personas.b[Role.DSL]).exists()


def test_a_concern_about_staff_goes_to_the_head_and_hides_from_the_subject(personas):
    a = personas.a
    incident = report(a[Role.STAFF], a.school, kind=Kind.STAFF_CONDUCT, people=[staff_named(a[Role.DSL])])
    assert incident.handler_action == Action.HANDLE_STAFF_CONDUCT
    assert incident in Incident.objects.visible_to(a[Role.HEADTEACHER])
    assert incident not in Incident.objects.visible_to(a[Role.DSL])


def test_a_concern_about_the_headteacher_goes_to_the_chair(personas):
    a = personas.a
    incident = report(
        a[Role.STAFF], a.school, kind=Kind.STAFF_CONDUCT, people=[staff_named(a[Role.HEADTEACHER])]
    )
    assert incident.handler_action == Action.HANDLE_HEADTEACHER_CONDUCT
    assert incident in Incident.objects.visible_to(personas[Role.CHAIR_OF_TRUSTEES])
    assert incident not in Incident.objects.visible_to(a[Role.HEADTEACHER])
    assert Notification.objects.filter(user=personas[Role.CHAIR_OF_TRUSTEES]).exists()
    assert not Notification.objects.filter(user=a[Role.HEADTEACHER]).exists()


def test_a_dsl_named_in_a_concern_never_sees_it(personas):
    a = personas.a
    incident = report(a[Role.STAFF], a.school, people=[staff_named(a[Role.DSL], role="alleged")])
    assert incident not in Incident.objects.visible_to(a[Role.DSL])
    assert incident in Incident.objects.visible_to(a[Role.DEPUTY_DSL])
    with pytest.raises(PermissionDenied):
        services.incident_add_note(user=a[Role.DSL], incident=incident, text="Looking into it")


def test_a_pupil_under_the_platforms_age_raises_a_flag(personas):
    a = personas.a
    # A pupil's age is taken on the day the post was seen, so that day is pinned (a leap day), with
    # one pupil a day short of 13 then and one who turned 13 the day before: the test does not
    # depend on the day it runs, and tries the boundary both ways.
    seen = datetime(2024, 2, 29, 12, tzinfo=UTC)
    twelve = PupilFactory(school=a.school, date_of_birth=date(2011, 3, 1))
    thirteen = PupilFactory(school=a.school, date_of_birth=date(2011, 2, 28))
    incident = report(
        a[Role.STAFF],
        a.school,
        kind=Kind.UNDER_AGE,
        people=[pupil_named(twelve, "subject")],
        platform_name="TikTok",
        seen_at=seen,
    )
    assert incident.safeguarding_flag
    assert incident.events.filter(type=IncidentEvent.Type.FLAG).exists()
    assert not report(
        a[Role.STAFF], a.school, people=[pupil_named(thirteen)], platform_name="TikTok", seen_at=seen
    ).safeguarding_flag


def test_another_schools_pupil_cannot_be_named(personas):
    with pytest.raises(ValidationError):
        report(personas.a[Role.STAFF], personas.a.school, people=[pupil_named(personas.b.child)])


def test_reporting_to_a_school_you_do_not_belong_to_is_refused(personas):
    with pytest.raises(PermissionDenied):
        report(personas.a[Role.STAFF], personas.b.school)


def test_an_executable_named_png_is_refused(personas):
    with pytest.raises(ValidationError, match="not an image"):
        report(personas.a[Role.STAFF], personas.a.school, evidence_files=[exe_disguised_as_png()])
    assert not Incident.objects.exists()


def test_close_needs_every_part_and_reopen_needs_a_reason(personas):
    a = personas.a
    incident = report(a[Role.STAFF], a.school)
    with pytest.raises(ValidationError):
        services.incident_close(
            user=a[Role.DSL], incident=incident, summary="Done", decision="", reasons="", outcome=""
        )
    services.incident_close(
        user=a[Role.DSL],
        incident=incident,
        summary="Messages removed",
        decision="No further action",
        reasons="Content removed and pupils spoken to",
        outcome="Resolved in school",
    )
    incident.refresh_from_db()
    assert incident.status == Status.CLOSED
    with pytest.raises(ValidationError):
        services.incident_reopen(user=a[Role.DSL], incident=incident, reason=" ")
    services.incident_reopen(user=a[Role.DSL], incident=incident, reason="New messages found")
    types = list(incident.events.values_list("type", flat=True))
    assert types[-2:] == ["closed", "reopened"]


def test_events_are_never_changed(personas):
    a = personas.a
    incident = report(a[Role.STAFF], a.school)
    event = incident.events.first()
    event.text = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()


def test_severity_assign_note_referral_are_each_on_the_timeline(personas):
    a = personas.a
    incident = report(a[Role.STAFF], a.school)
    services.incident_set_severity(user=a[Role.DSL], incident=incident, severity=Severity.HIGH)
    services.incident_assign(user=a[Role.DSL], incident=incident, assignee=a[Role.DEPUTY_DSL])
    services.incident_add_note(user=a[Role.DSL], incident=incident, text="Spoke to the pupil")
    services.incident_refer(user=a[Role.DSL], incident=incident, agency="social_care", reference="CSC-1")
    with pytest.raises(ValidationError):
        services.incident_assign(user=a[Role.DSL], incident=incident, assignee=a[Role.STAFF])
    assert list(incident.events.values_list("type", flat=True)) == [
        "reported",
        "routed",
        "severity",
        "assigned",
        "note",
        "referral",
    ]


def _at(incident, hours):
    return incident.reported_at + timedelta(hours=hours)


def test_the_ladder_sends_each_rung_once(personas):
    a = personas.a
    incident = report(a[Role.STAFF], a.school)
    takedown = services.takedown_open(
        user=a[Role.DSL], incident=incident, content_url="https://www.instagram.com/p/abc/"
    )
    Notification.objects.all().delete()

    assert takedown_escalation_sweep(_at(incident, 11)) == 0
    assert takedown_escalation_sweep(_at(incident, 12.1)) == 1
    assert takedown_escalation_sweep(_at(incident, 12.2)) == 0
    assert (
        Notification.objects.filter(subject__contains="12 hours left").count() == 3
    )  # DSL, deputy, trust lead
    assert takedown_escalation_sweep(_at(incident, 20.5)) == 1
    assert (
        Notification.objects.filter(user=a[Role.HEADTEACHER], subject__contains="4 hours left").count() == 1
    )
    assert takedown_escalation_sweep(_at(incident, 24.5)) == 1
    assert takedown_escalation_sweep(_at(incident, 24.6)) == 0
    breach = Notification.objects.filter(subject__contains="deadline missed")
    assert {n.user for n in breach} == {a[Role.HEADTEACHER], personas[Role.TRUST_SAFEGUARDING_LEAD]}
    assert takedown_escalation_sweep(_at(incident, 48.5)) == 1
    assert takedown_escalation_sweep(_at(incident, 48.6)) == 0
    assert set(TakedownNotice.objects.values_list("level", flat=True)) == {"12h", "20h", "24h", "day-1"}

    services.takedown_confirm_removal(user=a[Role.DSL], takedown=takedown)
    assert takedown_escalation_sweep(_at(incident, 80)) == 0


def test_a_late_sweep_sends_only_the_highest_rung(personas):
    a = personas.a
    incident = report(a[Role.STAFF], a.school)
    services.takedown_open(user=a[Role.DSL], incident=incident, content_url="https://example.com/post/1")
    Notification.objects.all().delete()
    assert takedown_escalation_sweep(_at(incident, 25)) == 1
    assert not Notification.objects.filter(subject__contains="12 hours left").exists()
    assert Notification.objects.filter(subject__contains="deadline missed").exists()
    assert takedown_escalation_sweep(_at(incident, 25)) == 0


def test_police_report_of_staff_cyberbullying_needs_consent(personas):
    a = personas.a
    incident = report(a[Role.STAFF], a.school, kind=Kind.CYBERBULLYING_STAFF)
    takedown = services.takedown_open(
        user=a[Role.DSL], incident=incident, content_url="https://example.com/x"
    )
    with pytest.raises(ValidationError):
        services.takedown_report_police(user=a[Role.DSL], takedown=takedown, consent_given=False)
    services.takedown_report_police(
        user=a[Role.DSL], takedown=takedown, consent_given=True, reference="PN-77"
    )
    assert takedown.steps.filter(type="reported_police").exists()


def test_immediate_risk_is_urgent(personas):
    a = personas.a
    incident = report(a[Role.STAFF], a.school, immediate_risk=True)
    assert incident.severity == Severity.HIGH
    assert incident.respond_by - incident.reported_at <= timedelta(hours=1, seconds=5)
    assert Notification.objects.filter(user=a[Role.DSL], subject__startswith="URGENT").exists()
    assert timezone.now() < incident.respond_by
