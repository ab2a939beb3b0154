"""Filtering: the ICT technician's filter changes to make, and the filtering review pack of a year's
blocked content decisions (DfE filtering and monitoring standard)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts import access
from accounts.roles import Action
from approvals import selectors
from approvals.forms.decisions import FilteringReviewForm
from approvals.pdf import filtering_review_pdf as render_pdf
from core.audit import audit_record
from core.models import AuditEntry


@login_required
@access.require(Action.RECORD_ICT_ACTIONS)
@require_GET
def filter_changes(request):
    """Approved access waiting for its filter change, access open now, and changes to remove."""
    return render(request, "approvals/filter_changes.html", selectors.filter_changes_for(user=request.user))


def _review_choice(request):
    """The school and academic year asked for (the first school and this year when not given)."""
    schools = list(access.schools_queryset(request.user, Action.VIEW_DASHBOARD).order_by("name"))
    years = selectors.recent_academic_years()
    form = FilteringReviewForm(request.GET or None, schools=schools, years=years)
    school, year = schools[0], years[0]
    if form.is_valid():
        school = next(s for s in schools if str(s.pk) == form.cleaned_data["school"])
        year = form.cleaned_data["year"]
    elif not request.GET:
        form = FilteringReviewForm(
            initial={"school": str(school.pk), "year": year}, schools=schools, years=years
        )
    return form, school, year


@login_required
@access.require(Action.VIEW_DASHBOARD)
@require_GET
def filtering_review(request):
    """The review pack on screen, with its PDF and CSV."""
    form, school, year = _review_choice(request)
    rows = selectors.filtering_review_rows(school=school, year=year)
    context = {"form": form if form.is_bound else None, "choice_form": form, "school": school, "year": year,
               "rows": rows}  # fmt: skip
    return render(request, "approvals/filtering_review.html", context)


def _download(request, school, year: str, fmt: str, content: bytes | str, content_type: str) -> HttpResponse:
    audit_record(
        verb=AuditEntry.Verb.DOWNLOAD,
        object_type="approvals.filtering_review",
        object_id=f"{school.pk}:{year}",
        object_repr=f"Filtering review {school} {year}",
        school_id=school.pk,
        changes={"format": [None, fmt]},
    )
    response = HttpResponse(content, content_type=content_type)
    name = f"filtering-review-{school.urn}-{year.replace('/', '-')}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
@access.require(Action.VIEW_DASHBOARD)
@require_GET
def filtering_review_pdf(request):
    """The review pack as a PDF."""
    _form, school, year = _review_choice(request)
    rows = selectors.filtering_review_rows(school=school, year=year)
    return _download(
        request, school, year, "pdf", render_pdf(school=school, year=year, rows=rows), "application/pdf"
    )


@login_required
@access.require(Action.VIEW_DASHBOARD)
@require_GET
def filtering_review_csv_view(request):
    """The review pack as CSV."""
    _form, school, year = _review_choice(request)
    rows = selectors.filtering_review_rows(school=school, year=year)
    return _download(
        request, school, year, "csv", selectors.filtering_review_csv(rows), "text/csv; charset=utf-8"
    )
