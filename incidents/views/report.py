"""Reporting a concern, its confirmation, and a reporter's own reports."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts import access
from accounts.roles import Action
from incidents import selectors, services
from incidents.forms import ReportForm
from incidents.services import routing
from incidents.services.staging import EvidenceStaging
from incidents.views.common import apply_errors


@login_required
@access.require(Action.REPORT_CONCERN)
@require_http_methods(["GET", "POST"])
def report(request):
    """The report form. Valid files are kept while errors are put right (see incidents.services.staging)."""
    if request.method == "GET":
        form = ReportForm(user=request.user)
        return render(request, "incidents/report.html", {"form": form, "staged_files": []})

    data = request.POST.copy()
    staging = EvidenceStaging(request.user, data.get("staged", ""))
    staging.remove(data.getlist("remove_staged"))
    form = ReportForm(data, request.FILES, user=request.user)
    valid = form.is_valid()
    too_many = []
    for upload in form.valid_uploads:
        if staging.add(upload, form.upload_types[id(upload)]) is None:
            too_many.append(upload.name)
    if too_many:
        form.add_error("evidence", f"A report can have up to 10 files: “{too_many[0]}” was not added.")
        valid = False
    if valid:
        uploads = staging.open_all()
        try:
            incident = services.incident_report(
                reporter=request.user, people=form.people(), evidence_files=uploads, **form.service_kwargs()
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            staging.discard()
            return redirect("incidents:report_done", incident_id=incident.pk)
        finally:
            for upload in uploads:
                upload.close()
    # The page is shown again carrying the staging token, so the files kept are sent with it.
    data["staged"] = staging.token
    return render(request, "incidents/report.html", {"form": form, "staged_files": staging.files()})


@login_required
@require_GET
def report_done(request, incident_id):
    """The confirmation a reporter sees: the reference and what happens next."""
    incident = selectors.incident_for_reporter(user=request.user, incident_id=incident_id)
    context = {"incident": incident, "handler_label": routing.handler_label(incident.handler_action)}
    return render(request, "incidents/report_done.html", context)


@login_required
@require_GET
def my_reports(request):
    """The reports the signed-in person filed, with their status."""
    page = Paginator(selectors.my_reports(user=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "incidents/mine.html", {"page": page})
