"""The takedown ladder (001 §16.3–16.6): the case page offers only the next steps, each once, with
what comes next and by when; a step out of turn is refused; every step is on the case timeline; a
case with an open takedown is closed only with the reason."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.management.commands.seed_demo import SCHOOLS
from accounts.models import School
from accounts.roles import Role
from core.models import AuditEntry
from incidents import services, workflows
from incidents.models import IncidentEvent, Kind, Status, Takedown, TakedownStep
from incidents.services.escalation import takedown_escalation_sweep
from tests.incidents.helpers import report

pytestmark = pytest.mark.django_db

St = TakedownStep.Type


def _takedown(personas, kind=Kind.CYBERBULLYING_PUPIL):
    a = personas.a
    incident = report(a[Role.STAFF], a.school, kind=kind)
    return services.takedown_open(
        user=a[Role.DSL], incident=incident, content_url="https://www.instagram.com/p/abc123/"
    )


def _offered(takedown) -> list[str]:
    takedown.refresh_from_db()
    taken = takedown.steps.values_list("type", flat=True)
    return [offer.rung.key for offer in workflows.takedown_rungs_on_offer(takedown, taken)]


def _next_steps(html: str) -> list[str]:
    """The labels listed under "What comes next" on the case page, in order."""
    section = html.split("What comes next", 1)[1].split("</dl>", 1)[0]
    return re.findall(r'<dt class="govuk-summary-list__key">([^<]+)</dt>', section)


def test_the_ladder_offers_each_step_in_order_and_never_twice(personas):
    dsl = personas.a[Role.DSL]
    takedown = _takedown(personas)
    # The helpline and Report Harmful Content take a case only after the host has had its chance.
    assert _offered(takedown) == ["host", "police", "ceop", "support"]
    services.takedown_request_removal(user=dsl, takedown=takedown, host="Instagram", reference="IG-1")
    assert _offered(takedown) == ["helpline", "report_harmful_content", "police", "ceop", "support"]
    services.takedown_escalate(user=dsl, takedown=takedown, route="report_harmful_content")
    assert _offered(takedown) == ["helpline", "isp", "police", "ceop", "support"]
    services.takedown_escalate(user=dsl, takedown=takedown, route="isp", reference="ISP-9")
    services.takedown_report_police(user=dsl, takedown=takedown, consent_given=False, reference="PN-1")
    services.takedown_report_ceop(user=dsl, takedown=takedown, reference="CEOP-2")
    services.takedown_offer_support(user=dsl, takedown=takedown, note="Counselling offered")
    assert _offered(takedown) == ["helpline"]
    services.takedown_confirm_removal(user=dsl, takedown=takedown)
    assert _offered(takedown) == []


def test_each_step_is_due_by_its_time_after_the_report(personas):
    takedown = _takedown(personas)
    reported = takedown.incident.reported_at
    due = {offer.rung.key: offer.due for offer in workflows.takedown_rungs_on_offer(takedown, ["opened"])}
    assert due["host"] == reported + timedelta(hours=12)
    assert due["support"] == reported + timedelta(hours=24) == takedown.deadline
    assert due["police"] is None and due["ceop"] is None
    services.takedown_request_removal(user=personas.a[Role.DSL], takedown=takedown, host="Instagram")
    due = {o.rung.key: o.due for o in workflows.takedown_rungs_on_offer(takedown, ["removal_requested"])}
    assert due["helpline"] == due["report_harmful_content"] == takedown.deadline


def test_a_step_out_of_turn_or_taken_twice_is_refused_and_not_recorded(personas):
    dsl = personas.a[Role.DSL]
    takedown = _takedown(personas)
    for route in ("helpline", "report_harmful_content", "isp"):
        with pytest.raises(ValidationError, match="ask the host to remove it"):
            services.takedown_escalate(user=dsl, takedown=takedown, route=route)
    services.takedown_request_removal(user=dsl, takedown=takedown, host="Instagram")
    with pytest.raises(ValidationError, match="Professionals Online Safety Helpline or Report Harmful"):
        services.takedown_escalate(user=dsl, takedown=takedown, route="isp")
    with pytest.raises(ValidationError, match="already been recorded"):
        services.takedown_request_removal(user=dsl, takedown=takedown, host="Instagram")
    services.takedown_offer_support(user=dsl, takedown=takedown, note="Spoke with the pupil")
    with pytest.raises(ValidationError, match="already been recorded"):
        services.takedown_offer_support(user=dsl, takedown=takedown, note="Again")
    assert list(takedown.steps.values_list("type", flat=True)) == [
        "opened",
        "removal_requested",
        "support_offered",
    ]
    # Someone who does not handle the case is refused before the ladder is even read.
    with pytest.raises(PermissionDenied):
        services.takedown_report_ceop(user=personas.a[Role.STAFF], takedown=takedown)


def test_every_step_taken_is_on_the_case_timeline(personas):
    dsl = personas.a[Role.DSL]
    takedown = _takedown(personas)
    services.takedown_request_removal(user=dsl, takedown=takedown, host="Instagram", reference="IG-1")
    services.takedown_escalate(user=dsl, takedown=takedown, route="helpline", reference="POSH-3")
    services.takedown_report_ceop(user=dsl, takedown=takedown, reference="CEOP-2")
    events = IncidentEvent.objects.filter(incident=takedown.incident, type=IncidentEvent.Type.TAKEDOWN)
    assert [(e.data["step"], e.data.get("reference", ""), e.text) for e in events.order_by("id")] == [
        ("opened", "", "Takedown opened"),
        ("removal_requested", "IG-1", "Removal requested from the host"),
        ("escalated_helpline", "POSH-3", "Escalated to the Professionals Online Safety Helpline"),
        ("reported_ceop", "CEOP-2", "Reported to CEOP"),
    ]
    # Kept from the reporter, as the rest of the handling is.
    assert not events.filter(visible_to_reporter=True).exists()


def test_the_case_page_offers_only_the_next_steps(personas, client_for):
    a = personas.a
    takedown = _takedown(personas)
    client = client_for(a[Role.DSL])
    page = reverse("incidents:detail", kwargs={"incident_id": takedown.incident_id})
    html = client.get(page).content.decode()
    assert _next_steps(html) == [
        "Ask the host to remove it",
        "Report to the police",
        "Report to CEOP",
        "Offer support to the person affected",
    ]
    assert "Record the removal request" in html and "Record an escalation" not in html
    assert "12 hours left" in html or "11 hours left" in html

    def post(name, prefix, **data):
        fields = {f"{prefix}-{takedown.pk.hex}-{key}": value for key, value in data.items()}
        return client.post(reverse(f"incidents:{name}", kwargs={"takedown_id": takedown.pk}), fields)

    # Escalating before the host has been asked: refused, with the reason, and nothing recorded.
    response = post("takedown_escalate", "escalate", route="isp")
    assert response.status_code == 302 and response["Location"] == page
    html = client.get(page).content.decode()
    assert "is not on offer yet: first ask the host to remove it" in html
    assert not takedown.steps.filter(type=St.ESCALATED_ISP).exists()
    assert post("takedown_request", "request", host="Instagram", reference="IG-1").status_code == 302
    html = client.get(page).content.decode()
    assert _next_steps(html) == [
        "Escalate to the Professionals Online Safety Helpline",
        "Escalate to Report Harmful Content",
        "Report to the police",
        "Report to CEOP",
        "Offer support to the person affected",
    ]
    assert "Record the removal request" not in html
    # The escalation form offers only the routes on the ladder now: not yet the ISP.
    escalate = html.split(f'id="escalate-{takedown.pk.hex}-action"', 1)[1].split("</details>", 1)[0]
    assert "Report Harmful Content" in escalate and "internet service provider" not in escalate
    assert post("takedown_escalate", "escalate", route="helpline", reference="POSH-1").status_code == 302
    assert post("takedown_ceop", "ceop", reference="CEOP-7").status_code == 302
    html = client.get(page).content.decode()
    assert _next_steps(html) == [
        "Escalate to Report Harmful Content",
        "Contact the internet service provider (ISP)",
        "Report to the police",
        "Offer support to the person affected",
    ]
    response = post("takedown_ceop", "ceop", reference="CEOP-8")
    assert response.status_code == 302
    assert "“Report to CEOP” has already been recorded" in client.get(page).content.decode()
    assert takedown.steps.filter(type=St.REPORTED_CEOP).count() == 1
    assert post("takedown_confirm", "confirm", confirmed="on").status_code == 302
    assert "What comes next" not in client.get(page).content.decode()


def _close(personas, incident, **extra):
    return services.incident_close(
        user=personas.a[Role.DSL],
        incident=incident,
        summary="Content reported",
        decision="No further action",
        reasons="Handled in school",
        outcome="Resolved",
        **extra,
    )


def test_a_case_with_an_open_takedown_is_closed_only_with_the_reason(personas):
    takedown = _takedown(personas)
    incident = takedown.incident
    with pytest.raises(ValidationError) as refused:
        _close(personas, incident)
    assert "open_takedowns_reason" in refused.value.error_dict
    with pytest.raises(ValidationError):
        _close(personas, incident, open_takedowns_reason="   ")
    incident.refresh_from_db()
    assert incident.status != Status.CLOSED
    _close(personas, incident, open_takedowns_reason="The ISP is handling it; the family moved school.")
    incident.refresh_from_db()
    assert incident.status == Status.CLOSED
    why = IncidentEvent.objects.get(incident=incident, type="takedown", data__has_key="open_takedowns_reason")
    assert why.data["takedowns"] == [str(takedown.pk)] and not why.visible_to_reporter
    assert "The ISP is handling it" in why.text
    entry = AuditEntry.objects.filter(object_id=str(incident.pk), verb="update").latest("id")
    assert entry.changes["open_takedowns_reason"][1].startswith("The ISP is handling it")


def test_a_case_whose_takedowns_are_finished_closes_without_a_reason(personas):
    takedown = _takedown(personas)
    services.takedown_withdraw(user=personas.a[Role.DSL], takedown=takedown, note="Host amended the post")
    _close(personas, takedown.incident)
    takedown.incident.refresh_from_db()
    assert takedown.incident.status == Status.CLOSED
    assert not IncidentEvent.objects.filter(incident=takedown.incident, data__has_key="open_takedowns_reason")


def test_closing_from_the_case_page_asks_why_while_a_takedown_is_open(personas, client_for):
    takedown = _takedown(personas)
    client = client_for(personas.a[Role.DSL])
    close = reverse("incidents:close", kwargs={"incident_id": takedown.incident_id})
    fields = {
        "close-summary": "Content reported",
        "close-decision": "No further action",
        "close-reasons": "Handled in school",
        "close-outcome": "Resolved",
    }
    response = client.post(close, fields)
    assert response.status_code == 200
    assert "A takedown of this case is still open" in response.content.decode()
    fields["close-open_takedowns_reason"] = "Police have taken over the removal."
    assert client.post(close, fields).status_code == 302
    takedown.incident.refresh_from_db()
    assert takedown.incident.status == Status.CLOSED
    assert timezone.now() >= takedown.incident.closed_at


def test_every_demo_school_has_a_takedown_part_way_up_the_ladder():
    # As make run seeds it: the demo refuses a database whose settings have DEBUG off.
    with override_settings(DEBUG=True):
        call_command("seed_demo", "--json", stdout=StringIO())
    for spec in SCHOOLS:
        school = School.objects.get(urn=spec.urn)
        climbing = [
            t
            for t in Takedown.objects.filter(school=school, closed_at__isnull=True)
            if t.steps.filter(type=St.ESCALATED_RHC).exists()
        ]
        assert len(climbing) == 1, spec.urn
        assert "isp" in _offered(climbing[0]) and "host" not in _offered(climbing[0])


def test_each_reminder_the_escalation_ladder_sends_is_on_the_case_timeline(personas):
    takedown = _takedown(personas)
    reported = takedown.deadline - timedelta(hours=24)

    def rungs() -> list[str]:
        events = IncidentEvent.objects.filter(
            incident=takedown.incident, type=IncidentEvent.Type.ESCALATION, data__ladder="takedown"
        )
        return [event.data["level"] for event in events.order_by("at", "pk")]

    assert takedown_escalation_sweep(now=reported + timedelta(hours=13)) == 1
    assert takedown_escalation_sweep(now=reported + timedelta(hours=13, minutes=5)) == 0
    assert takedown_escalation_sweep(now=reported + timedelta(hours=25)) == 1
    assert rungs() == ["12h", "24h"]
    event = IncidentEvent.objects.get(incident=takedown.incident, data__level="24h")
    assert takedown.incident.reference in event.text and not event.visible_to_reporter
    assert event.data["told"]
