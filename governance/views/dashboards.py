"""Dashboards for a school and for the trust, and the trustees' termly reports."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts import access
from accounts.roles import Action
from core.audit import audit_record
from core.models import AuditEntry
from governance import dashboards
from governance.models import TrusteeReport
from governance.reports import trustee_report_generate as trustee_report_generate_service
from governance.reports import trustee_report_pdf_for

DASHBOARD_ACTIONS = (Action.VIEW_DASHBOARD, Action.VIEW_AGGREGATES)


def dashboard_schools(user) -> frozenset:
    """The schools whose aggregate figures the user may see."""
    return access.schools_for_any(user, *DASHBOARD_ACTIONS)


@login_required
@require_GET
def dashboard(request):
    schools = dashboard_schools(request.user)
    if not schools:
        raise PermissionDenied
    figures = dashboards.dashboard(school_ids=schools, viewer=request.user)
    return render(request, "governance/dashboard.html", {"d": figures, "single_school": len(schools) == 1})


@login_required
@require_GET
def school_dashboard(request, school_id):
    schools = dashboard_schools(request.user)
    if not schools:
        raise PermissionDenied
    if school_id not in schools:
        raise Http404
    figures = dashboards.dashboard(school_ids=[school_id], viewer=request.user)
    return render(
        request, "governance/dashboard.html", {"d": figures, "single_school": True, "school_page": True}
    )


def _trusts_reported_to(user) -> list:
    return list(access.trusts_for(user, Action.VIEW_TRUSTEE_REPORTS))


@login_required
@access.require(Action.VIEW_TRUSTEE_REPORTS)
@require_GET
def trustee_reports(request):
    trusts = _trusts_reported_to(request.user)
    reports = TrusteeReport.objects.filter(trust__in=trusts).select_related("trust")
    return render(request, "governance/trustee_reports.html", {"reports": reports})


@login_required
@access.require(Action.VIEW_TRUSTEE_REPORTS)
@require_POST
def trustee_report_generate(request):
    for trust in _trusts_reported_to(request.user):
        trustee_report_generate_service(trust=trust, user=request.user)
    messages.success(request, "The trustees' report has been generated.")
    return redirect("governance:trustee_reports")


@login_required
@access.require(Action.VIEW_TRUSTEE_REPORTS)
@require_GET
def trustee_report_download(request, report_id):
    report = access.get_trust_record_for(
        request.user, TrusteeReport, Action.VIEW_TRUSTEE_REPORTS, pk=report_id
    )
    content = trustee_report_pdf_for(report=report, reader=request.user)
    if content is None:
        raise Http404
    audit_record(verb=AuditEntry.Verb.DOWNLOAD, obj=report, request=request)
    name = f"trustees-report-{report.term.replace('/', '-').replace(' ', '-')}.pdf"
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store, private"
    return response
