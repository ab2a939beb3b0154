"""Blocked content access (004 §7, App. A): the filter record, access that ends by itself, and the
filtering review pack."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.roles import Role
from approvals import selectors, services
from approvals.models import ApprovalReminder, State
from approvals.selectors import filtering_review_csv, filtering_review_rows
from approvals.services.blocked import (
    blocked_access_ending_sweep,
    blocked_access_expiry_sweep,
    blocked_filter_record,
    blocked_filter_reminder_sweep,
)
from core.calendar import academic_year_for
from core.models import Notification
from tests.approvals.helpers import approve_blocked, blocked_request
from tests.conftest import signed_in_client
from tests.pdftext import pdf_text

pytestmark = pytest.mark.django_db


def subjects(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("subject", flat=True))


def test_the_ict_technician_records_the_filter_change_applied_and_removed(personas):
    a = personas.a
    ict = a[Role.ICT_TECHNICIAN]
    request = approve_blocked(a, blocked_request(a))
    with pytest.raises(PermissionDenied):
        blocked_filter_record(user=a[Role.HEADTEACHER], request=request, change="applied")
    with pytest.raises(PermissionDenied):
        blocked_filter_record(user=personas.b[Role.ICT_TECHNICIAN], request=request, change="applied")
    with pytest.raises(ValidationError, match="No filter change has been applied"):
        blocked_filter_record(user=ict, request=request, change="removed")

    detail = blocked_filter_record(
        user=ict, request=request, change="applied", note="Allowed youtube.com for Y8"
    )
    assert detail.filter_applied_by == ict and detail.filter_applied_at is not None
    with pytest.raises(ValidationError, match="already recorded as applied"):
        blocked_filter_record(user=ict, request=request, change="applied")
    assert detail.access_status == "Access open"
    steps = list(request.steps.filter(step__startswith="filter_").values_list("label", "by_role"))
    assert steps == [("Filter change applied", "ICT technician")]


def test_a_filter_change_cannot_be_applied_before_approval_or_before_access_starts(personas):
    a = personas.a
    ict = a[Role.ICT_TECHNICIAN]
    waiting = blocked_request(a)
    with pytest.raises(ValidationError, match="not approved"):
        blocked_filter_record(user=ict, request=waiting, change="applied")
    later = approve_blocked(a, blocked_request(a, start=timezone.localdate() + timedelta(days=5)))
    with pytest.raises(ValidationError, match="Access is approved from"):
        blocked_filter_record(user=ict, request=later, change="applied")


def test_access_ends_by_itself_and_the_ict_technician_is_told_to_remove_the_change(personas):
    a = personas.a
    ict = a[Role.ICT_TECHNICIAN]
    request = approve_blocked(a, blocked_request(a, days=2))
    blocked_filter_record(user=ict, request=request, change="applied")
    ends = request.blocked_content.access_ends

    # The day before: a reminder that access ends tomorrow, once.
    day_before = ends - timedelta(hours=20)
    assert blocked_access_expiry_sweep(now=day_before) == 0
    assert blocked_access_ending_sweep(now=day_before) == 1
    assert blocked_access_ending_sweep(now=day_before + timedelta(hours=1)) == 0
    assert any("ends at the end of" in s for s in subjects(a[Role.STAFF]))

    # Time moves past the end: access expires with nobody doing anything.
    after = ends + timedelta(minutes=5)
    assert blocked_access_expiry_sweep(now=after) == 1
    request.refresh_from_db()
    detail = request.blocked_content
    assert request.state == State.APPROVED
    assert detail.expired_at == after
    assert detail.access_status == "Ended: filter change to be removed"
    assert f"Blocked content access {request.reference} has ended: remove the filter change" in subjects(ict)
    last = request.steps.order_by("-at", "-id").first()
    assert last.step == "access_ended" and last.by is None

    # Running again sends nothing twice.
    sent = Notification.objects.count()
    assert blocked_access_expiry_sweep(now=after + timedelta(minutes=5)) == 0
    assert Notification.objects.count() == sent
    assert ApprovalReminder.objects.filter(request=request, kind="access_ended").count() == 1

    # A day on, the change is still applied: one reminder a day until it is removed.
    assert blocked_filter_reminder_sweep(now=after + timedelta(days=1, hours=1)) == 1
    assert blocked_filter_reminder_sweep(now=after + timedelta(days=1, hours=2)) == 0
    blocked_filter_record(user=ict, request=request, change="removed", note="Rule deleted")
    assert blocked_filter_reminder_sweep(now=after + timedelta(days=3)) == 0
    request.blocked_content.refresh_from_db()
    assert request.blocked_content.access_status == "Ended: filter change removed"


def test_changing_an_approved_request_ends_its_access_at_once(personas):
    a = personas.a
    ict = a[Role.ICT_TECHNICIAN]
    request = approve_blocked(a, blocked_request(a))
    blocked_filter_record(user=ict, request=request, change="applied")
    detail = request.blocked_content
    detail.reasons = "Also for Year 9."
    request = services.request_edit(user=a[Role.STAFF], request=request, detail=detail)
    assert request.state == State.SUBMITTED
    request.blocked_content.refresh_from_db()
    assert request.blocked_content.expired_at is not None
    assert any(s.endswith("remove the filter change") for s in subjects(ict))


def test_the_filtering_review_pack_lists_the_years_decisions_with_reasons(personas):
    a = personas.a
    approved = approve_blocked(a, blocked_request(a))
    rejected = services.request_reject(
        user=a[Role.ICT_TECHNICIAN], request=blocked_request(a), comment="Site hosts adult content."
    )
    blocked_filter_record(user=a[Role.ICT_TECHNICIAN], request=approved, change="applied")
    year = academic_year_for(timezone.localdate())

    rows = filtering_review_rows(school=a.school, year=year)
    assert [r.reference for r in rows] == [approved.reference, rejected.reference]
    assert rows[0].decision == "Approved" and rows[0].decision_reasons == "Approved for the lesson."
    assert rows[0].ict_assessment.endswith("Low risk; YouTube only.")
    assert rows[0].filter_applied
    assert rows[1].decision == "Rejected" and rows[1].decision_reasons == "Site hosts adult content."
    assert filtering_review_rows(school=personas.b.school, year=year) == []

    parsed = list(csv.reader(io.StringIO(filtering_review_csv(rows))))
    assert parsed[0][0] == "Reference" and len(parsed) == 3
    assert parsed[2][parsed[0].index("Reasons for the decision")] == "Site hosts adult content."

    client = signed_in_client(a[Role.HEADTEACHER])
    response = client.get("/approvals/filtering/review/pdf/", {"school": a.school.pk, "year": year})
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, layout=True)
    assert approved.reference in text and rejected.reference in text
    assert "Site hosts adult content." in text
    response = client.get("/approvals/filtering/review/csv/", {"school": a.school.pk, "year": year})
    assert approved.reference in response.content.decode()
    # Another school's pack is not reachable by naming it: the first allowed school is shown instead.
    response = client.get("/approvals/filtering/review/csv/", {"school": personas.b.school.pk, "year": year})
    assert approved.reference in response.content.decode()


def test_a_csv_cell_is_never_a_formula(personas):
    from core.csv import safe_cell

    assert safe_cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert safe_cell("https://example.com") == "https://example.com"


def test_the_ict_technician_marks_the_site_sensitive_with_their_assessment(personas):
    a = personas.a
    request = blocked_request(a, sensitive=False)
    ict = signed_in_client(a[Role.ICT_TECHNICIAN])
    page = ict.get(f"/approvals/requests/{request.pk}/").content.decode()
    assert "The site is in a category blocked to keep pupils safe" in page
    response = ict.post(
        f"/approvals/requests/{request.pk}/decide/",
        {"version": 1, "decision": "ict_assess", "sensitive_category": "on", "comment": "A gambling site."},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state == State.ICT_ASSESSED and request.blocked_content.sensitive_category
    # Now the Designated Safeguarding Lead must agree before the headteacher may approve.
    assert [s.name for s in selectors.available_steps(a[Role.HEADTEACHER], request)] == []
    assert [s.name for s in selectors.available_steps(a[Role.DSL], request)] == ["dsl_agree"]
    # The headteacher's form does not offer the category; only the ICT technician records it.
    head = signed_in_client(a[Role.HEADTEACHER])
    head_page = head.get(f"/approvals/requests/{request.pk}/").content.decode()
    assert "The site is in a category blocked to keep pupils safe" not in head_page
    with pytest.raises(PermissionDenied):
        services.blocked_sensitive_set(user=a[Role.HEADTEACHER], request=request, sensitive=False)
