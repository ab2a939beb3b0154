"""The chronology and inspection pack PDFs, read back as text with pdftotext."""

from __future__ import annotations

from datetime import date, timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from core.models import AuditEntry
from incidents import services
from tests.factories import PupilFactory
from tests.incidents.helpers import pupil_named, report
from tests.pdftext import pdf_text

pytestmark = pytest.mark.django_db


def test_a_pupils_chronology_pdf_lists_their_entries_and_no_one_elses(personas, client_for):
    a = personas.a
    pupil = a.child
    other = PupilFactory(school=a.school, first_name="Zebedee", last_name="Otherchild")
    first = report(a[Role.STAFF], a.school, people=[pupil_named(pupil)])
    services.incident_add_note(user=a[Role.DSL], incident=first, text="Spoke to the class teacher")
    services.incident_refer(user=a[Role.DSL], incident=first, agency="social_care", reference="CSC-2211")
    unrelated = report(a[Role.STAFF], a.school, people=[pupil_named(other)])
    services.incident_add_note(user=a[Role.DSL], incident=unrelated, text="About someone else entirely")

    response = client_for(a[Role.DSL]).get(reverse("incidents:chronology_pdf", kwargs={"pupil_id": pupil.pk}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    text = pdf_text(response.content, joined=True)
    assert f"Chronology: {pupil.full_name}" in text
    assert first.reference in text and "Spoke to the class teacher" in text and "CSC-2211" in text
    assert unrelated.reference not in text and "About someone else entirely" not in text
    assert other.last_name not in text
    assert f"by {a[Role.DSL].full_name}" in text and "Generated" in text
    assert AuditEntry.objects.filter(verb="download", object_id=str(pupil.pk), actor=a[Role.DSL]).exists()
    # Another school's DSL cannot have it.
    assert (
        client_for(personas.b[Role.DSL])
        .get(reverse("incidents:chronology_pdf", kwargs={"pupil_id": pupil.pk}))
        .status_code
        == 404
    )


def test_the_inspection_pack_lists_the_periods_referrals(personas, client_for):
    a, b = personas.a, personas.b
    inside = report(a[Role.STAFF], a.school)
    services.incident_refer(user=a[Role.DSL], incident=inside, agency="lado", reference="LADO-42")
    earlier = report(a[Role.STAFF], a.school)
    # Recorded sixty days ago: the timeline cannot be back-dated afterwards (a database trigger
    # refuses any change), so the clock is.
    sixty_days_ago = timezone.now() - timedelta(days=60)
    with mock.patch("django.utils.timezone.now", return_value=sixty_days_ago):
        services.incident_refer(user=a[Role.DSL], incident=earlier, agency="police", reference="OLD-1")
    elsewhere = report(b[Role.STAFF], b.school)
    services.incident_refer(user=b[Role.DSL], incident=elsewhere, agency="police", reference="SCHOOLB-9")

    today = timezone.localdate()
    start = today - timedelta(days=7)
    params = {
        "date_from_day": start.day,
        "date_from_month": start.month,
        "date_from_year": start.year,
        "date_to_day": today.day,
        "date_to_month": today.month,
        "date_to_year": today.year,
    }
    url = reverse("incidents:inspection_pack")
    client = client_for(a[Role.DSL])
    assert b"Download the PDF" in client.get(url).content
    response = client.get(url, params)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, joined=True)
    assert inside.reference in text and "LADO-42" in text
    assert "Local authority designated officer" in text
    assert "OLD-1" not in text and "SCHOOLB-9" not in text
    assert AuditEntry.objects.filter(verb="download", object_type="incidents.inspection_pack").exists()

    # The trust safeguarding lead may choose a school, or have every school.
    trust_lead = client_for(personas[Role.TRUST_SAFEGUARDING_LEAD])
    text = pdf_text(trust_lead.get(url, {**params, "school": str(b.school.pk)}).content, joined=True)
    assert "SCHOOLB-9" in text and "LADO-42" not in text
    text = pdf_text(trust_lead.get(url, params).content, joined=True)
    assert "SCHOOLB-9" in text and "LADO-42" in text


def test_a_bad_period_is_a_clear_error(personas, client_for):
    client = client_for(personas.a[Role.DSL])
    today = date.today()
    response = client.get(
        reverse("incidents:inspection_pack"),
        {
            "date_from_day": today.day,
            "date_from_month": today.month,
            "date_from_year": today.year,
            "date_to_day": 1,
            "date_to_month": 1,
            "date_to_year": 2001,
        },
    )
    assert response.status_code == 200
    assert "The end date must be the same as or after the start date" in response.content.decode()
    assert client_for(personas.a[Role.STAFF]).get(reverse("incidents:inspection_pack")).status_code == 403
