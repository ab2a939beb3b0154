"""The incident pages: each works for the right role, refuses the wrong one, keeps what was typed
when something is wrong, and never shows a reporter the handlers' notes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from core.models import AuditEntry
from incidents import services
from incidents.models import Incident, IncidentEvent, Kind, ModerationEntry, Platform, Severity, Status
from tests.incidents.helpers import PNG_BYTES, exe_disguised_as_png, png, pupil_named, report, staff_named

pytestmark = pytest.mark.django_db

DESCRIPTION = "Nasty comments under a photo of a Year 9 pupil"


def report_data(**overrides) -> dict:
    """A valid report as the form posts it."""
    now = timezone.localtime()
    data = {
        "kind": Kind.CYBERBULLYING_PUPIL,
        "immediate_risk": "no",
        "description": DESCRIPTION,
        "platform": str(Platform.objects.get(name="Instagram").pk),
        "platform_other": "",
        "urls": "https://www.instagram.com/p/abc123/\nwww.instagram.com/someone",
        "seen_date_day": str(now.day),
        "seen_date_month": str(now.month),
        "seen_date_year": str(now.year),
        "seen_time": "00:01",
        "others": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def url(name, **kwargs):
    return reverse(f"incidents:{name}", kwargs=kwargs)


# --- reporting -------------------------------------------------------------------------------------


def test_staff_report_with_a_screenshot_and_a_pupil(personas, client_for):
    a = personas.a
    client = client_for(a[Role.STAFF])
    page = client.get(url("report"))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'value="{a.child.pk}"' in html and str(personas.b.child.pk) not in html

    data = report_data(
        pupils=[str(a.child.pk)], staff=[str(a[Role.MARKETING_OFFICER].pk)], nature=["bullying"]
    )
    data["evidence"] = [png("first.png"), png("second.png")]
    response = client.post(url("report"), data)
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == url("report_done", incident_id=incident.pk)
    assert incident.reporter == a[Role.STAFF] and incident.school == a.school
    assert incident.urls == ["https://www.instagram.com/p/abc123/", "https://www.instagram.com/someone"]
    assert incident.nature == ["bullying"] and not incident.immediate_risk
    assert sorted(e.original_name for e in incident.evidence.all()) == ["first.png", "second.png"]
    people = {(p.identity, p.role) for p in incident.people.all()}
    assert people == {("pupil", "affected"), ("staff", "subject")}

    done = client.get(response["Location"])
    assert incident.reference in done.content.decode()
    assert "gone to the Designated Safeguarding Lead at School A" in done.content.decode()
    # Only the reporter sees the confirmation.
    assert client_for(a[Role.DSL]).get(response["Location"]).status_code == 404


def test_pupils_and_parents_see_their_own_kinds_and_no_directory(personas, client_for):
    pupil = personas.a[Role.PUPIL]
    html = client_for(pupil).get(url("report")).content.decode()
    assert "Something else" in html and Kind.STAFF_CONDUCT.label not in html
    assert 'name="pupils"' not in html and 'name="staff"' not in html

    parent = client_for(personas.a[Role.PARENT])
    response = parent.post(url("report"), report_data(kind="other", unknown_account="on"))
    assert response.status_code == 302
    incident = Incident.objects.get(reporter=personas.a[Role.PARENT])
    assert incident.kind == Kind.SAFEGUARDING
    assert incident.people.get().identity == "unknown"


def test_a_pupil_cannot_post_directory_ids(personas, client_for):
    # A pupil has no directory: ids posted anyway are ignored, never linked.
    client = client_for(personas.a[Role.PUPIL])
    client.post(url("report"), report_data(pupils=[str(personas.a.child.pk)]))
    assert not Incident.objects.get().people.exists()


def test_a_pupil_of_another_school_is_a_clear_error(personas, client_for):
    client = client_for(personas.a[Role.STAFF])
    response = client.post(url("report"), report_data(pupils=[str(personas.b.child.pk)]))
    assert response.status_code == 200
    assert "Choose pupils from the list" in response.content.decode()
    assert DESCRIPTION in response.content.decode()
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"description": ""}, "description", "Enter what it shows"),
        (
            {"urls": "https://ok.example/a\nnot a web address"},
            "urls",
            "“not a web address” is not a web address",
        ),
        ({"kind": ""}, "kind", "Select what you are reporting"),
        ({"immediate_risk": None}, "immediate_risk", "Select yes if a child is at immediate risk of harm"),
        ({"seen_time": "25:99"}, "seen_time", "Enter the time you saw it"),
        ({"seen_date_month": "13"}, "seen_date", "Enter the date you saw it as a real date"),
        ({"platform": "other"}, "platform_other", "Enter the name of the platform or website"),
    ],
)
def test_bad_input_is_named_next_to_its_field_and_the_rest_is_kept(
    personas, client_for, overrides, field, message
):
    client = client_for(personas.a[Role.STAFF])
    response = client.post(url("report"), report_data(**overrides))
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert f'id="id_{field}_error"' in html and message in html
    assert f'href="#id_{field}"' in html
    if field != "description":
        assert DESCRIPTION in html
    assert "https://ok.example/a" in html or "instagram.com/p/abc123" in html
    assert not Incident.objects.exists()


def test_an_executable_named_png_is_refused_by_name_and_the_good_file_is_kept(personas, client_for):
    staff = personas.a[Role.STAFF]
    client = client_for(staff)
    data = report_data(description="")
    data["evidence"] = [exe_disguised_as_png(), png("bullying.png")]
    response = client.post(url("report"), data)
    html = response.content.decode()
    assert "“holiday.png” is not an image, PDF or video" in html
    assert 'id="id_evidence_error"' in html
    assert "Files already added" in html and "bullying.png" in html
    token = response.context["form"].data["staged"]
    assert token

    # Sent again with the description put right and no file chosen: the kept file goes with it.
    response = client.post(url("report"), report_data(staged=token))
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert [e.original_name for e in incident.evidence.all()] == ["bullying.png"]
    assert incident.evidence.get().file.read() == PNG_BYTES


def test_a_kept_file_can_be_removed_and_another_persons_token_opens_nothing(personas, client_for):
    client = client_for(personas.a[Role.STAFF])
    data = report_data(description="")
    data["evidence"] = [png("mistake.png")]
    token = client.post(url("report"), data).context["form"].data["staged"]
    # Another member of staff cannot use the token.
    other = client_for(personas.a[Role.ICT_TECHNICIAN])
    assert other.post(url("report"), report_data(staged=token)).status_code == 302
    assert not Incident.objects.get(reporter=personas.a[Role.ICT_TECHNICIAN]).evidence.exists()
    # The owner removes it.
    staged_id = (
        client.post(url("report"), report_data(description="", staged=token)).context["staged_files"][0].id
    )
    response = client.post(url("report"), report_data(staged=token, remove_staged=[staged_id]))
    assert response.status_code == 302
    assert not Incident.objects.get(reporter=personas.a[Role.STAFF]).evidence.exists()


def test_a_file_over_the_size_limit_is_refused(personas, client_for, settings):
    settings.PORTAL_EVIDENCE_MAX_BYTES = 50
    client = client_for(personas.a[Role.STAFF])
    big = SimpleUploadedFile("large.png", PNG_BYTES + b"\0" * 100, content_type="image/png")
    response = client.post(url("report"), {**report_data(), "evidence": [big]})
    html = response.content.decode()
    assert response.status_code == 200
    assert "“large.png” is" in html and "or smaller" in html
    assert DESCRIPTION in html
    assert not Incident.objects.exists()


def test_a_report_is_saved_when_the_queue_is_down(
    personas, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    from core import tasks

    def broker_down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(tasks.deliver_notification, "apply_async", broker_down)
    client = client_for(personas.a[Role.STAFF])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url("report"), report_data())
    assert callbacks, "the notification was handed to the queue after commit"
    assert response.status_code == 302
    assert Incident.objects.count() == 1


def test_reporting_needs_the_report_action(personas, client_for):
    assert client_for(personas[Role.TRUSTEE]).get(url("report")).status_code == 403


# --- the queue -------------------------------------------------------------------------------------


def test_the_queue_lists_the_schools_own_concerns_most_urgent_first(personas, client_for):
    a, b = personas.a, personas.b
    calm = report(a[Role.STAFF], a.school)
    urgent = report(a[Role.STAFF], a.school, immediate_risk=True)
    other_school = report(b[Role.STAFF], b.school)
    overdue = report(a[Role.STAFF], a.school)
    Incident.objects.filter(pk=overdue.pk).update(respond_by=timezone.now() - timedelta(hours=3))

    response = client_for(a[Role.DSL]).get(url("queue"))
    assert response.status_code == 200
    refs = [row["incident"].reference for row in response.context["rows"]]
    assert refs[0] == urgent.reference and refs[1] == overdue.reference
    assert calm.reference in refs and other_school.reference not in refs
    html = response.content.decode()
    assert "Overdue by 3 hours" in html and "hours left" in html

    # The trust safeguarding lead sees every school, with a School column.
    trust_lead = client_for(personas[Role.TRUST_SAFEGUARDING_LEAD]).get(url("queue"))
    assert other_school.reference in trust_lead.content.decode() and trust_lead.context["show_school"]


def test_queue_filters(personas, client_for):
    a = personas.a
    bullying = report(a[Role.STAFF], a.school, people=[pupil_named(a.child)])
    contact = report(a[Role.STAFF], a.school, kind=Kind.PUPIL_CONTACT, platform_name="TikTok")
    Incident.objects.filter(pk=contact.pk).update(respond_by=timezone.now() - timedelta(minutes=5))
    client = client_for(a[Role.DSL])

    def refs(**params):
        return {row["incident"].reference for row in client.get(url("queue"), params).context["rows"]}

    assert refs(kind=Kind.PUPIL_CONTACT) == {contact.reference}
    assert refs(platform=str(Platform.objects.get(name="TikTok").pk)) == {contact.reference}
    assert refs(overdue="on") == {contact.reference}
    assert refs(pupil=a.child.last_name) == {bullying.reference}
    assert refs(status=Status.CLOSED) == set()
    assert refs(severity="nonsense") == {bullying.reference, contact.reference}


def test_each_handler_sees_their_own_kind_and_others_are_refused(personas, client_for):
    a = personas.a
    conduct = report(
        a[Role.STAFF], a.school, kind=Kind.STAFF_CONDUCT, people=[staff_named(a[Role.MARKETING_OFFICER])]
    )
    head = client_for(a[Role.HEADTEACHER]).get(url("queue"))
    assert [row["incident"] for row in head.context["rows"]] == [conduct]
    assert conduct not in [
        row["incident"] for row in client_for(a[Role.DSL]).get(url("queue")).context["rows"]
    ]
    for role in (Role.STAFF, Role.PUPIL, Role.PARENT):
        assert client_for(a[role]).get(url("queue")).status_code == 403
    assert client_for(personas[Role.TRUSTEE]).get(url("queue")).status_code == 403


# --- the case page ---------------------------------------------------------------------------------


@pytest.fixture
def case(personas):
    """A cyberbullying report by school A's staff member, with a screenshot and a DSL's note."""
    a = personas.a
    incident = report(a[Role.STAFF], a.school, people=[pupil_named(a.child)], evidence_files=[png()])
    services.incident_add_note(user=a[Role.DSL], incident=incident, text="Private: spoke to the family")
    return incident


def test_the_handler_sees_the_whole_case_and_each_view_is_audited(personas, client_for, case):
    response = client_for(personas.a[Role.DSL]).get(url("detail", incident_id=case.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Private: spoke to the family" in html and "Nasty" not in html
    assert case.description in html and "screenshot.png" in html
    assert AuditEntry.objects.filter(verb="view", object_id=str(case.pk), actor=personas.a[Role.DSL]).exists()


def test_another_schools_handler_and_a_bystander_get_404(personas, client_for, case):
    for user in (
        personas.b[Role.DSL],
        personas.a[Role.HEADTEACHER],
        personas.a[Role.PUPIL],
        personas.b[Role.STAFF],
    ):
        assert client_for(user).get(url("detail", incident_id=case.pk)).status_code == 404
        assert (
            client_for(user).post(url("add_note", incident_id=case.pk), {"note-text": "x"}).status_code == 404
        )


def test_the_reporter_sees_the_status_but_never_the_notes(personas, client_for, case):
    services.incident_refer(user=personas.a[Role.DSL], incident=case, agency="social_care", reference="CSC-9")
    html = client_for(personas.a[Role.STAFF]).get(url("detail", incident_id=case.pk)).content.decode()
    assert case.reference in html and "In progress" in html
    assert "Private: spoke to the family" not in html and "CSC-9" not in html
    assert "Record a referral" not in html


def test_pupils_and_parents_see_only_their_own_reports(personas, client_for):
    a = personas.a
    mine = report(a[Role.PUPIL], a.school)
    theirs = report(a[Role.PARENT], a.school)
    services.incident_add_note(user=a[Role.DSL], incident=mine, text="DSL only: check with form tutor")
    pupil = client_for(a[Role.PUPIL])
    listed = pupil.get(url("mine"))
    assert [i.reference for i in listed.context["page"].object_list] == [mine.reference]
    assert pupil.get(url("detail", incident_id=theirs.pk)).status_code == 404
    assert "DSL only" not in pupil.get(url("detail", incident_id=mine.pk)).content.decode()
    parent = client_for(a[Role.PARENT])
    assert [i.reference for i in parent.get(url("mine")).context["page"].object_list] == [theirs.reference]
    assert parent.get(url("detail", incident_id=mine.pk)).status_code == 404


def test_post_only_views_refuse_get(personas, client_for, case):
    client = client_for(personas.a[Role.DSL])
    for name in (
        "set_severity",
        "assign",
        "add_note",
        "record_action",
        "refer",
        "link_pupil",
        "close",
        "reopen",
        "open_takedown",
        "add_evidence",
        "ict_action",
    ):
        assert client.get(url(name, incident_id=case.pk)).status_code == 405, name


def test_severity_assign_note_action_referral_and_link(personas, client_for, case):
    a = personas.a
    client = client_for(a[Role.DSL])
    detail = url("detail", incident_id=case.pk)
    steps = [
        ("set_severity", {"severity-severity": str(Severity.HIGH), "severity-reason": "Widely shared"}),
        ("assign", {"assign-assignee": str(a[Role.DEPUTY_DSL].pk)}),
        ("add_note", {"note-text": "Called the parent"}),
        ("record_action", {"action-text": "Pupils spoken to"}),
        ("refer", {"refer-agency": "police", "refer-reference": "PN-123"}),
        ("link_pupil", {"link-pupil": str(a.pupil_record.pk), "link-role": "alleged"}),
    ]
    for name, data in steps:
        response = client.post(url(name, incident_id=case.pk), data)
        assert response.status_code == 302 and response["Location"] == detail, name
    case.refresh_from_db()
    assert case.severity == Severity.HIGH and case.assigned_to == a[Role.DEPUTY_DSL]
    types = list(case.events.values_list("type", flat=True))
    assert types[-6:] == ["severity", "assigned", "note", "action", "referral", "pupil_linked"]
    html = client.get(detail).content.decode()
    assert "PN-123" in html and "Pupils spoken to" in html and a.pupil_record.last_name in html


def test_a_bad_case_form_shows_its_error_and_keeps_what_was_typed(personas, client_for, case):
    a = personas.a
    client = client_for(a[Role.DSL])
    response = client.post(url("set_severity", incident_id=case.pk), {"severity-reason": "Typed reason kept"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Select how serious this is" in html and 'id="id_severity-severity_error"' in html
    assert "Typed reason kept" in html
    # A pupil of school B, or a member of staff who does not handle safeguarding, is refused.
    response = client.post(
        url("link_pupil", incident_id=case.pk),
        {"link-pupil": str(personas.b.child.pk), "link-role": "affected"},
    )
    assert "Choose a pupil at this school" in response.content.decode()
    response = client.post(url("assign", incident_id=case.pk), {"assign-assignee": str(a[Role.STAFF].pk)})
    assert "Choose someone who handles this kind of concern" in response.content.decode()
    # A referral without an agency.
    response = client.post(url("refer", incident_id=case.pk), {"refer-reference": "REF-77"})
    assert "Choose who the referral was made to" in response.content.decode()
    assert "REF-77" in response.content.decode()


def test_close_and_reopen(personas, client_for, case):
    client = client_for(personas.a[Role.DSL])
    response = client.post(
        url("close", incident_id=case.pk), {"close-summary": "Removed", "close-decision": ""}
    )
    assert "Enter the decision" in response.content.decode() and "Removed" in response.content.decode()
    response = client.post(
        url("close", incident_id=case.pk),
        {
            "close-summary": "Removed",
            "close-decision": "No further action",
            "close-reasons": "Resolved",
            "close-outcome": "Content removed",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    reporter_html = (
        client_for(personas.a[Role.STAFF]).get(url("detail", incident_id=case.pk)).content.decode()
    )
    assert "Closed" in reporter_html and "No further action" not in reporter_html
    assert client.post(url("reopen", incident_id=case.pk), {"reopen-reason": "New posts"}).status_code == 302
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS


def test_only_the_ict_technician_records_the_ict_action(personas, client_for):
    a = personas.a
    incident = report(a[Role.STAFF], a.school, kind=Kind.INAPPROPRIATE_CONTENT, accessed_by="Year 8 pupil")
    ict = client_for(a[Role.ICT_TECHNICIAN])
    assert "Record the ICT action" in ict.get(url("detail", incident_id=incident.pk)).content.decode()
    response = ict.post(
        url("ict_action", incident_id=incident.pk),
        {"ict-action_taken": "Site blocked", "ict-block_applied": "*.bet.example"},
    )
    assert response.status_code == 302
    assert incident.events.filter(type=IncidentEvent.Type.ICT_ACTION, text="Site blocked").exists()
    # The DSL handles safeguarding cases but may not record ICT actions on them.
    case = report(a[Role.STAFF], a.school)
    assert (
        client_for(a[Role.DSL])
        .post(url("ict_action", incident_id=case.pk), {"ict-action_taken": "x"})
        .status_code
        == 403
    )


def test_evidence_downloads_are_private_and_audited(personas, client_for, case):
    evidence = case.evidence.get()
    link = url("evidence", incident_id=case.pk, evidence_id=evidence.pk)
    response = client_for(personas.a[Role.DSL]).get(link)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff" and "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == PNG_BYTES
    assert AuditEntry.objects.filter(verb="download", object_id=str(evidence.pk)).exists()
    assert client_for(personas.a[Role.STAFF]).get(link).status_code == 200  # the reporter's own file
    assert client_for(personas.b[Role.DSL]).get(link).status_code == 404
    assert client_for(personas.a[Role.PUPIL]).get(link).status_code == 404


def test_adding_evidence_later(personas, client_for, case):
    reporter = client_for(personas.a[Role.STAFF])
    response = reporter.post(
        url("add_evidence", incident_id=case.pk), {"evidence-files": [exe_disguised_as_png()]}
    )
    assert "is not an image, PDF or video" in response.content.decode()
    response = reporter.post(url("add_evidence", incident_id=case.pk), {"evidence-files": [png("later.png")]})
    assert response.status_code == 302
    assert case.evidence.filter(original_name="later.png", uploaded_by=personas.a[Role.STAFF]).exists()


def test_the_takedown_steps(personas, client_for):
    a = personas.a
    incident = report(a[Role.STAFF], a.school, kind=Kind.CYBERBULLYING_STAFF)
    client = client_for(a[Role.DSL])
    response = client.post(
        url("open_takedown", incident_id=incident.pk), {"takedown-content_url": "not a url"}
    )
    assert "Enter the address of the content" in response.content.decode()
    response = client.post(
        url("open_takedown", incident_id=incident.pk),
        {"takedown-content_url": "https://www.instagram.com/p/abc123/", "takedown-host": "Instagram"},
    )
    assert response.status_code == 302
    takedown = incident.takedowns.get()
    html = client.get(url("detail", incident_id=incident.pk)).content.decode()
    assert "hours left" in html and "Record the removal request" in html

    def post(name, **data):
        prefix = {
            "takedown_request": "request",
            "takedown_check": "check",
            "takedown_confirm": "confirm",
            "takedown_escalate": "escalate",
            "takedown_police": "police",
            "takedown_support": "support",
        }[name]
        fields = {f"{prefix}-{takedown.pk.hex}-{key}": value for key, value in data.items()}
        return client.post(url(name, takedown_id=takedown.pk), fields)

    response = post("takedown_request", reference="IG-1")
    assert "Enter who hosts the content" in response.content.decode() and "IG-1" in response.content.decode()
    assert post("takedown_request", host="Instagram", reference="IG-1").status_code == 302
    assert post("takedown_check", still_present="yes").status_code == 302
    assert post("takedown_escalate", route="report_harmful_content", reference="RHC-5").status_code == 302
    response = post("takedown_police", reference="PN-1")
    assert "consent is needed" in response.content.decode()
    assert post("takedown_police", consent_given="on", reference="PN-1").status_code == 302
    assert post("takedown_support", note="Counselling offered").status_code == 302
    assert "Confirm that you have checked" in post("takedown_confirm").content.decode()
    assert post("takedown_confirm", confirmed="on").status_code == 302
    takedown.refresh_from_db()
    assert takedown.status == "removed" and takedown.closed_at
    assert list(takedown.steps.values_list("type", flat=True)) == [
        "opened",
        "removal_requested",
        "checked",
        "escalated_rhc",
        "reported_police",
        "support_offered",
        "removal_confirmed",
    ]
    assert (
        client_for(personas.b[Role.DSL]).post(url("takedown_check", takedown_id=takedown.pk)).status_code
        == 404
    )
    assert client.get(url("takedown_check", takedown_id=takedown.pk)).status_code == 405


def test_a_takedown_no_longer_needed_is_closed_from_the_case_page(personas, client_for):
    a = personas.a
    incident = report(a[Role.STAFF], a.school)
    takedown = services.takedown_open(
        user=a[Role.DSL], incident=incident, content_url="https://www.instagram.com/p/abc123/"
    )
    client = client_for(a[Role.DSL])
    assert "Close as no longer needed" in client.get(url("detail", incident_id=incident.pk)).content.decode()
    field = f"withdraw-{takedown.pk.hex}-note"
    response = client.post(url("takedown_withdraw", takedown_id=takedown.pk), {field: ""})
    assert "Enter why the takedown is no longer needed" in response.content.decode()
    response = client.post(url("takedown_withdraw", takedown_id=takedown.pk), {field: "The host amended it"})
    assert response.status_code == 302
    takedown.refresh_from_db()
    assert takedown.status == "withdrawn" and takedown.closed_at and takedown.removed_at is None
    html = client.get(url("detail", incident_id=incident.pk)).content.decode()
    assert "Takedown: No longer needed" in html and "The host amended it" in html
    assert "Close as no longer needed" not in html
    assert (
        client_for(personas.b[Role.DSL])
        .post(url("takedown_withdraw", takedown_id=takedown.pk), {field: "x"})
        .status_code
        == 404
    )
    assert client.get(url("takedown_withdraw", takedown_id=takedown.pk)).status_code == 405


# --- chronology, moderation log, platforms ------------------------------------------------------


def test_the_chronology_is_for_safeguarding_leads_of_the_pupils_school(personas, client_for, case):
    a = personas.a
    page = client_for(a[Role.DSL]).get(url("chronology", pupil_id=a.child.pk))
    assert page.status_code == 200
    assert case.reference in page.content.decode() and "Private: spoke to the family" in page.content.decode()
    assert AuditEntry.objects.filter(verb="view", object_id=str(a.child.pk)).exists()
    assert client_for(personas.b[Role.DSL]).get(url("chronology", pupil_id=a.child.pk)).status_code == 404
    assert client_for(a[Role.STAFF]).get(url("chronology", pupil_id=a.child.pk)).status_code == 404


def test_the_moderation_log(personas, client_for):
    a = personas.a
    client = client_for(a[Role.MARKETING_OFFICER])
    response = client.post(url("moderation_new"), {"account": "@schoola", "comment_text": "Rude words"})
    assert response.status_code == 200 and "Select the action taken" in response.content.decode()
    assert "Rude words" in response.content.decode()
    # Seen yesterday: "09:15 today" is in the future for a run before a quarter past nine, and the
    # form rightly refuses a comment seen in the future.
    seen = timezone.localdate() - timedelta(days=1)
    response = client.post(
        url("moderation_new"),
        {
            "account": "@schoola",
            "comment_text": "Rude words",
            "action_taken": "hidden",
            "seen_time": "09:15",
            "seen_date_day": seen.day,
            "seen_date_month": seen.month,
            "seen_date_year": seen.year,
        },
    )
    assert response.status_code == 302
    entry = ModerationEntry.objects.get()
    assert entry.school == a.school and entry.recorded_by == a[Role.MARKETING_OFFICER]
    assert "Rude words" in client.get(url("moderation_log")).content.decode()
    assert (
        "Rude words"
        not in client_for(personas.b[Role.MARKETING_OFFICER]).get(url("moderation_log")).content.decode()
    )
    assert client_for(a[Role.STAFF]).get(url("moderation_log")).status_code == 403


def test_moderation_record_checks_access(personas):
    with pytest.raises(PermissionDenied):
        services.moderation_record(
            user=personas.a[Role.MARKETING_OFFICER],
            school=personas.b.school,
            account="@b",
            comment_text="x",
            seen_at=timezone.now(),
            action_taken="hidden",
        )


def test_platform_ages_are_edited_by_the_trust_administrator_and_audited(personas, client_for):
    tiktok = Platform.objects.get(name="TikTok")
    admin = client_for(personas[Role.TRUST_ADMINISTRATOR])
    assert "TikTok" in admin.get(url("platforms")).content.decode()
    response = admin.post(
        url("platform_edit", platform_id=tiktok.pk), {"minimum_age": "abc", "is_active": "on"}
    )
    assert "Enter the minimum age as a whole number" in response.content.decode()
    assert (
        admin.post(
            url("platform_edit", platform_id=tiktok.pk), {"minimum_age": "14", "is_active": "on"}
        ).status_code
        == 302
    )
    tiktok.refresh_from_db()
    assert tiktok.minimum_age == 14
    assert AuditEntry.objects.get(object_id=str(tiktok.pk), verb="update").changes == {
        "minimum_age": [13, 14]
    }
    assert client_for(personas.a[Role.DSL]).get(url("platforms")).status_code == 403


def test_files_kept_for_reports_never_sent_are_purged_after_a_day(personas, client_for):
    from django.core.files.storage import default_storage

    from incidents.services.staging import EvidenceStaging, purge_stale_staging
    from incidents.tasks import purge_evidence_staging

    client = client_for(personas.a[Role.STAFF])
    data = report_data(description="")
    data["evidence"] = [png("abandoned.png")]
    token = client.post(url("report"), data).context["form"].data["staged"]
    staging = EvidenceStaging(personas.a[Role.STAFF], token)
    assert [f.name for f in staging.files()] == ["abandoned.png"]
    purge_evidence_staging()  # everything is less than a day old: nothing goes
    assert [f.name for f in staging.files()] == ["abandoned.png"]
    assert purge_stale_staging(now=timezone.now() + timedelta(days=2)) >= 1
    assert staging.files() == []
    assert not default_storage.exists(f"evidence-staging/{staging.staging_id}/manifest.json")


def test_a_person_in_two_schools_chooses_one_and_names_only_its_pupils(personas, client_for):
    from tests.factories import membership

    a, b = personas.a, personas.b
    teacher = a[Role.STAFF]
    membership(teacher, Role.STAFF, school=b.school)  # its grants follow by signal
    client = client_for(teacher)
    html = client.get(url("report")).content.decode()
    assert "Which school is this about?" in html and str(b.child.pk) in html

    response = client.post(url("report"), report_data(school=str(a.school.pk), pupils=[str(b.child.pk)]))
    assert f"{b.child.full_name} is not at School A" in response.content.decode()
    assert DESCRIPTION in response.content.decode()
    response = client.post(url("report"), report_data(school=str(b.school.pk), pupils=[str(b.child.pk)]))
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert incident.school == b.school and incident.people.get().pupil == b.child
    assert client.post(url("report"), report_data()).context["form"].errors["school"] == [
        "Choose the school this is about"
    ]
