"""Approved forms as signed PDF records: every field, and each approver's name, role, date and comment."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from approvals import services
from core.models import AuditEntry
from tests.approvals.helpers import approve_blocked, blocked_request, site_request
from tests.conftest import signed_in_client
from tests.pdftext import pdf_text as read_pdf

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    """The PDF's text as pdftotext reads it, with lines joined (long values wrap)."""
    return read_pdf(content, joined=True)


def test_an_approved_site_creation_form_names_every_approver(personas):
    a = personas.a
    director = personas[Role.DIRECTOR_OF_MARKETING]
    request = site_request(a, trust_branded=True)
    for user, name in (
        (a[Role.MARKETING_OFFICER], "marketing_approve"),
        (director, "director_approve"),
        (a[Role.HEADTEACHER], "head_approve"),
    ):
        request = services.request_take_step(
            user=user, request=request, step_name=name, comment=f"OK from {name}"
        )

    response = signed_in_client(a[Role.STAFF]).get(f"/approvals/requests/{request.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{request.reference}.pdf"' in response["Content-Disposition"]
    text = pdf_text(b"".join(response.streaming_content) if response.streaming else response.content)

    assert "Social media site creation approval form" in text
    assert "APPROVED" in text and "NOT APPROVED" not in text
    for person in (a[Role.MARKETING_OFFICER], director, a[Role.HEADTEACHER]):
        assert person.full_name in text
    for role in ("Marketing officer", "Director of marketing and communications", "Headteacher"):
        assert role in text
    assert "OK from director_approve" in text
    # Every field of Appendix C is on it.
    appendix_c = (
        "Year 6 team",
        "Upper key stage 2",
        "@northfield_year6",
        "Instagram (Meta)",
        "year6@school.example",
        "Trust password manager, vault Year 6",
        "Keep families informed",
    )
    for value in appendix_c:
        assert value in text
    assert AuditEntry.objects.filter(object_id=str(request.pk), verb="download").exists()


def test_a_blocked_content_record_carries_the_assessment_and_decision(personas):
    a = personas.a
    request = approve_blocked(a, blocked_request(a))
    # An approved request's PDF is the signed record kept when it was approved (a stored file).
    response = signed_in_client(a[Role.ICT_TECHNICIAN]).get(f"/approvals/requests/{request.pk}/pdf/")
    assert response.streaming
    text = pdf_text(b"".join(response.streaming_content))
    assert "Blocked content access request form" in text
    assert "https://www.youtube.com/watch?v=abc123" in text
    assert a[Role.ICT_TECHNICIAN].full_name in text and a[Role.HEADTEACHER].full_name in text
    assert "Low risk; YouTube only." in text and "Approved for the lesson." in text


def test_a_request_not_yet_approved_says_so(personas):
    a = personas.a
    request = site_request(a)
    text = pdf_text(signed_in_client(a[Role.STAFF]).get(f"/approvals/requests/{request.pk}/pdf/").content)
    assert "NOT APPROVED" in text
    assert "No approval has been given to this version" in text
