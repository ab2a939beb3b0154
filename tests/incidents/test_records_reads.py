"""What a pupil's chronology and the inspection pack include: every incident about the pupil that
the reader may see as a safeguarding record, whoever handles it, and police reports made as a step
of a takedown, not only referrals recorded on the case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from incidents import services
from incidents.models import Kind
from incidents.selectors import pupil_chronology
from tests.incidents.helpers import pupil_named, report, staff_named
from tests.pdftext import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def about_the_child(personas):
    """Incidents about school A's child, handled by different people, and one about another pupil."""
    a, b = personas.a, personas.b
    child = pupil_named(a.child)
    return {
        "safeguarding": report(a[Role.STAFF], a.school, people=[child]),
        # Handled by the headteacher, not the DSL.
        "staff_conduct": report(
            a[Role.MARKETING_OFFICER],
            a.school,
            kind=Kind.STAFF_CONDUCT,
            people=[child, staff_named(a[Role.STAFF])],
        ),
        # Handled by the ICT technician.
        "device": report(a[Role.STAFF], a.school, kind=Kind.INAPPROPRIATE_CONTENT, people=[child]),
        # Names the DSL: hidden from the DSL, shown to the deputy.
        "naming_the_dsl": report(
            a[Role.HEADTEACHER],
            a.school,
            kind=Kind.STAFF_CONDUCT,
            people=[child, staff_named(a[Role.DSL])],
        ),
        "another_pupil": report(a[Role.STAFF], a.school, people=[pupil_named(a.pupil_record)]),
        "other_school": report(b[Role.STAFF], b.school, people=[pupil_named(b.child)]),
    }


def references(entries) -> set[str]:
    return {entry["incident"].reference for entry in entries}


def test_the_chronology_shows_every_incident_about_the_pupil_the_reader_may_see(personas, about_the_child):
    a = personas.a
    every = {about_the_child[name].reference for name in ("safeguarding", "staff_conduct", "device")}
    naming_the_dsl = about_the_child["naming_the_dsl"].reference
    assert references(pupil_chronology(user=a[Role.DSL], pupil=a.child)) == every
    assert references(pupil_chronology(user=a[Role.DEPUTY_DSL], pupil=a.child)) == every | {naming_the_dsl}
    trust_lead = personas[Role.TRUST_SAFEGUARDING_LEAD]
    assert references(pupil_chronology(user=trust_lead, pupil=a.child)) == every | {naming_the_dsl}
    # Another school's DSL holds no safeguarding records of school A.
    assert references(pupil_chronology(user=personas.b[Role.DSL], pupil=a.child)) == set()


def test_the_chronology_page_lists_incidents_the_dsl_does_not_handle(personas, client_for, about_the_child):
    page = client_for(personas.a[Role.DSL]).get(
        reverse("incidents:chronology", kwargs={"pupil_id": personas.a.child.pk})
    )
    html = page.content.decode()
    assert about_the_child["staff_conduct"].reference in html and about_the_child["device"].reference in html
    assert about_the_child["naming_the_dsl"].reference not in html
    assert about_the_child["another_pupil"].reference not in html


def pack_params(start, end) -> dict:
    return {
        "date_from_day": start.day,
        "date_from_month": start.month,
        "date_from_year": start.year,
        "date_to_day": end.day,
        "date_to_month": end.month,
        "date_to_year": end.year,
    }


def test_the_inspection_pack_includes_police_reports_made_through_a_takedown(personas, client_for):
    a, b = personas.a, personas.b
    dsl = a[Role.DSL]
    incident = report(a[Role.STAFF], a.school, people=[pupil_named(a.child)])
    services.incident_refer(user=dsl, incident=incident, agency="social_care", reference="CSC-5")
    takedown = services.takedown_open(user=dsl, incident=incident, content_url="https://example.com/v/1")
    services.takedown_report_police(
        user=dsl, takedown=takedown, consent_given=True, reference="CAD-77", note="Threats to the pupil"
    )
    elsewhere = report(b[Role.STAFF], b.school)
    b_takedown = services.takedown_open(
        user=b[Role.DSL], incident=elsewhere, content_url="https://example.com/v/2"
    )
    services.takedown_report_police(
        user=b[Role.DSL], takedown=b_takedown, consent_given=True, reference="CAD-B"
    )

    today = timezone.localdate()
    params = pack_params(today - timedelta(days=7), today)
    response = client_for(dsl).get(reverse("incidents:inspection_pack"), params)
    assert response.status_code == 200
    text = pdf_text(response.content, joined=True)
    assert "CSC-5" in text and "CAD-77" in text and "Police" in text
    assert "Reported as a step of a takedown" in text and "Threats to the pupil" in text
    assert "CAD-B" not in text
    # Outside the period, it is left out like any referral.
    earlier = pack_params(today - timedelta(days=30), today - timedelta(days=8))
    assert "CAD-77" not in pdf_text(
        client_for(dsl).get(reverse("incidents:inspection_pack"), earlier).content
    )
