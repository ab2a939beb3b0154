"""Routing by who is named (004 §2, §6): a concern about a member of staff goes to the headteacher,
one about the headteacher to the chair of trustees, and the person named never sees it, including
when they are named on the case page after the report was made."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.roles import Action, Role
from core.models import Notification
from incidents import services
from incidents.models import Incident, IncidentEvent, Kind, Status
from incidents.services.first_response import first_response_sweep
from tests.incidents.helpers import report, staff_named

pytestmark = pytest.mark.django_db


def sees(user, incident) -> bool:
    return Incident.objects.visible_to(user).filter(pk=incident.pk).exists()


@pytest.mark.parametrize(
    ("kind", "named_role", "part", "handler"),
    [
        # A concern about a member of staff's conduct: the headteacher.
        (Kind.STAFF_CONDUCT, Role.STAFF, "subject", Action.HANDLE_STAFF_CONDUCT),
        (Kind.STAFF_CONDUCT, Role.DSL, "subject", Action.HANDLE_STAFF_CONDUCT),
        # Any concern about staff that names the headteacher, in whatever part: the chair.
        (Kind.STAFF_CONDUCT, Role.HEADTEACHER, "subject", Action.HANDLE_HEADTEACHER_CONDUCT),
        (Kind.STAFF_CONDUCT, Role.HEADTEACHER, "witness", Action.HANDLE_HEADTEACHER_CONDUCT),
        # A safeguarding concern stays with the safeguarding team; the person named is left out.
        (Kind.SAFEGUARDING, Role.STAFF, "alleged", Action.TRIAGE_INCIDENTS),
        (Kind.CYBERBULLYING_STAFF, Role.STAFF, "affected", Action.TRIAGE_INCIDENTS),
        # ICT, moderation and media reports keep their handler.
        (Kind.INAPPROPRIATE_CONTENT, Role.STAFF, "alleged", Action.RECORD_ICT_ACTIONS),
        (Kind.ABUSIVE_COMMENT, Role.STAFF, "subject", Action.MODERATE_ACCOUNTS),
    ],
)
def test_a_report_goes_to_the_handler_the_person_named_calls_for(personas, kind, named_role, part, handler):
    a = personas.a
    named = a[named_role]
    incident = report(a[Role.PARENT], a.school, kind=kind, people=[staff_named(named, part)])
    assert incident.handler_action == handler
    assert not sees(named, incident)
    holders = {
        Action.HANDLE_STAFF_CONDUCT: a[Role.HEADTEACHER],
        Action.HANDLE_HEADTEACHER_CONDUCT: personas[Role.CHAIR_OF_TRUSTEES],
        Action.TRIAGE_INCIDENTS: a[Role.DSL],
        Action.RECORD_ICT_ACTIONS: a[Role.ICT_TECHNICIAN],
        Action.MODERATE_ACCOUNTS: a[Role.MARKETING_OFFICER],
    }
    if holders[handler] != named:
        assert sees(holders[handler], incident)
    # Nobody at the other school, and nobody told who is named.
    assert not sees(personas.b[Role.HEADTEACHER], incident)
    assert not Notification.objects.filter(user=named, subject__contains=incident.reference).exists()


def test_a_report_naming_the_headteacher_reaches_the_chair_and_is_hidden_from_the_headteacher(personas):
    a = personas.a
    head, chair = a[Role.HEADTEACHER], personas[Role.CHAIR_OF_TRUSTEES]
    incident = report(a[Role.STAFF], a.school, kind=Kind.STAFF_CONDUCT, people=[staff_named(head)])
    assert incident.handler_action == Action.HANDLE_HEADTEACHER_CONDUCT
    assert sees(chair, incident)
    assert not sees(head, incident) and not sees(a[Role.DSL], incident)
    assert Notification.objects.filter(user=chair, subject__contains=incident.reference).exists()
    assert not Notification.objects.filter(user=head, subject__contains=incident.reference).exists()


# --- naming a member of staff after the report ----------------------------------------------------


def test_naming_the_headteacher_after_reporting_re_routes_to_the_chair_and_hides_it(personas):
    a = personas.a
    head, chair, ceo = a[Role.HEADTEACHER], personas[Role.CHAIR_OF_TRUSTEES], personas[Role.CEO]
    incident = report(a[Role.STAFF], a.school, kind=Kind.STAFF_CONDUCT, people=[staff_named(a[Role.STAFF])])
    assert incident.handler_action == Action.HANDLE_STAFF_CONDUCT and sees(head, incident)
    old_due = incident.respond_by

    # The chief executive, who also handles concerns about staff, finds the headteacher involved.
    services.incident_link_staff(user=ceo, incident=incident, staff_member=head, role="alleged")
    incident.refresh_from_db()
    assert incident.handler_action == Action.HANDLE_HEADTEACHER_CONDUCT
    assert incident.status == Status.NEW  # the chair has not answered it yet
    assert incident.respond_by > old_due
    assert sees(chair, incident) and not sees(head, incident) and not sees(ceo, incident)
    types = list(incident.events.values_list("type", flat=True))
    assert types[-2:] == [IncidentEvent.Type.STAFF_LINKED, IncidentEvent.Type.ROUTED]
    assert Notification.objects.filter(
        user=chair, subject=f"Report {incident.reference} passed to you: it names a member of staff"
    ).exists()
    assert not Notification.objects.filter(user=head, subject__contains="passed to you").exists()

    # The chair's own first-response ladder runs from the re-routing; the headteacher hears nothing.
    first_response_sweep(now=incident.respond_by)
    levels = set(
        incident.first_response_notices.filter(handler_action=Action.HANDLE_HEADTEACHER_CONDUCT).values_list(
            "level", flat=True
        )
    )
    assert levels == {"reminder", "chief_executive"}
    # (They were told of the report when it was theirs, before the headteacher was named.)
    after = Notification.objects.filter(user=head, subject__contains=incident.reference)
    assert list(after.values_list("subject", flat=True)) == [
        f"New concern about a member of staff's online conduct report {incident.reference}"
    ]


def test_a_deputy_named_after_reporting_loses_sight_of_it_at_once(personas):
    a = personas.a
    dsl, deputy = a[Role.DSL], a[Role.DEPUTY_DSL]
    incident = report(a[Role.PARENT], a.school, kind=Kind.SAFEGUARDING)
    assert sees(deputy, incident)
    services.incident_link_staff(user=dsl, incident=incident, staff_member=deputy, role="alleged")
    incident.refresh_from_db()
    assert incident.handler_action == Action.TRIAGE_INCIDENTS
    assert sees(dsl, incident) and not sees(deputy, incident)


def test_naming_the_headteacher_on_a_staff_case_passes_it_to_the_chair(personas):
    a = personas.a
    head, chair = a[Role.HEADTEACHER], personas[Role.CHAIR_OF_TRUSTEES]
    incident = report(
        a[Role.STAFF], a.school, kind=Kind.STAFF_CONDUCT, people=[staff_named(a[Role.MARKETING_OFFICER])]
    )
    assert incident.handler_action == Action.HANDLE_STAFF_CONDUCT
    services.incident_link_staff(user=head, incident=incident, staff_member=head, role="witness")
    incident.refresh_from_db()
    assert incident.handler_action == Action.HANDLE_HEADTEACHER_CONDUCT
    assert sees(chair, incident) and not sees(head, incident)


def test_naming_a_witness_keeps_the_case_and_counts_as_taking_it_up(personas):
    a = personas.a
    dsl = a[Role.DSL]
    incident = report(a[Role.PARENT], a.school, kind=Kind.SAFEGUARDING)
    services.incident_link_staff(user=dsl, incident=incident, staff_member=a[Role.STAFF], role="witness")
    incident.refresh_from_db()
    assert incident.handler_action == Action.TRIAGE_INCIDENTS
    assert incident.status == Status.IN_PROGRESS
    assert sees(dsl, incident) and not sees(a[Role.STAFF], incident)


def test_only_the_schools_own_staff_may_be_named(personas):
    a, b = personas.a, personas.b
    incident = report(a[Role.PARENT], a.school, kind=Kind.SAFEGUARDING)
    for outsider in (b[Role.STAFF], a[Role.PARENT], a[Role.PUPIL]):
        with pytest.raises(ValidationError):
            services.incident_link_staff(
                user=a[Role.DSL], incident=incident, staff_member=outsider, role="subject"
            )
    services.incident_link_staff(
        user=a[Role.DSL], incident=incident, staff_member=a[Role.ICT_TECHNICIAN], role="witness"
    )
    with pytest.raises(ValidationError):  # already named
        services.incident_link_staff(
            user=a[Role.DSL], incident=incident, staff_member=a[Role.ICT_TECHNICIAN], role="subject"
        )
    assert incident.people.count() == 1


# --- the case page's form -------------------------------------------------------------------------


def link_url(incident) -> str:
    return reverse("incidents:link_staff", kwargs={"incident_id": incident.pk})


def test_the_case_page_offers_only_the_schools_staff(personas, client_for):
    a, b = personas.a, personas.b
    incident = report(a[Role.PARENT], a.school, kind=Kind.SAFEGUARDING)
    html = client_for(a[Role.DSL]).get(reverse("incidents:detail", kwargs={"incident_id": incident.pk}))
    page = html.content.decode()
    assert "Name a member of staff" in page
    assert f'value="{a[Role.STAFF].pk}"' in page
    assert f'value="{b[Role.STAFF].pk}"' not in page
    assert f'value="{a[Role.PARENT].pk}"' not in page


def test_naming_the_headteacher_on_the_case_page_sends_it_to_the_chair(personas, client_for):
    a = personas.a
    head = a[Role.HEADTEACHER]
    incident = report(a[Role.STAFF], a.school, kind=Kind.STAFF_CONDUCT, people=[staff_named(a[Role.STAFF])])
    client = client_for(personas[Role.CEO])
    detail = reverse("incidents:detail", kwargs={"incident_id": incident.pk})
    assert client.get(detail).status_code == 200
    response = client.post(link_url(incident), {"staff-staff_member": str(head.pk), "staff-role": "alleged"})
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:queue")
    incident.refresh_from_db()
    assert incident.handler_action == Action.HANDLE_HEADTEACHER_CONDUCT
    # Neither the chief executive (who may not handle it) nor the headteacher named can open it now.
    assert client.get(detail).status_code == 404
    assert client_for(head).get(detail).status_code == 404
    assert client_for(personas[Role.CHAIR_OF_TRUSTEES]).get(detail).status_code == 200


def test_a_witness_named_on_the_case_page_leaves_it_with_the_dsl(personas, client_for):
    a = personas.a
    incident = report(a[Role.PARENT], a.school, kind=Kind.SAFEGUARDING)
    response = client_for(a[Role.DSL]).post(
        link_url(incident), {"staff-staff_member": str(a[Role.STAFF].pk), "staff-role": "witness"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:detail", kwargs={"incident_id": incident.pk})


def test_a_member_of_staff_from_another_school_is_refused_on_the_form(personas, client_for):
    a, b = personas.a, personas.b
    incident = report(a[Role.PARENT], a.school, kind=Kind.SAFEGUARDING)
    response = client_for(a[Role.DSL]).post(
        link_url(incident), {"staff-staff_member": str(b[Role.STAFF].pk), "staff-role": "subject"}
    )
    assert response.status_code == 200
    assert "Choose a member of staff at this school" in response.content.decode()
    assert not incident.people.exists()


def test_the_staff_form_refuses_other_schools_other_roles_and_get(personas, client_for):
    a, b = personas.a, personas.b
    incident = report(a[Role.PARENT], a.school, kind=Kind.SAFEGUARDING)
    data = {"staff-staff_member": str(a[Role.STAFF].pk), "staff-role": "subject"}
    assert client_for(b[Role.DSL]).post(link_url(incident), data).status_code == 404
    assert client_for(a[Role.STAFF]).post(link_url(incident), data).status_code == 404
    assert client_for(a[Role.DSL]).get(link_url(incident)).status_code == 405
    assert not incident.people.exists()
