"""The case page: the handler's full record with a form for each step, or the reporter's own view.

Each form posts to its own URL, whose view fetches the case through the access layer and calls one
service. A form with errors shows the case page again with the error next to its field and the
typed values kept.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts import access
from accounts.roles import Action
from core.audit import audit_record, audit_view
from core.files import private_file_response
from core.models import AuditEntry
from incidents import forms, selectors, services
from incidents.models import Incident, Nature, Problem
from incidents.services import integrity, routing
from incidents.views.common import apply_errors, deadline, describe_event
from incidents.views.ladder import takedown_rows

# The case page's forms: name (also the form's prefix) → form class.
CASE_FORMS = {
    "severity": forms.SeverityForm,
    "assign": forms.AssignForm,
    "note": forms.NoteForm,
    "action": forms.ActionForm,
    "refer": forms.ReferForm,
    "link": forms.LinkPupilForm,
    "staff": forms.LinkStaffForm,
    "close": forms.CloseForm,
    "reopen": forms.ReopenForm,
    "evidence": forms.EvidenceForm,
    "ict": forms.IctActionForm,
    "takedown": forms.TakedownOpenForm,
}
NEEDS_INCIDENT = {"assign", "link", "staff"}
# (form, title, button, url name) of the case actions, in the order the page shows them.
CASE_ACTIONS = [
    ("severity", "Set severity", "Save severity", "incidents:set_severity"),
    ("assign", "Assign", "Assign case", "incidents:assign"),
    ("note", "Add a note", "Save note", "incidents:add_note"),
    ("action", "Record an action taken", "Save action", "incidents:record_action"),
    ("refer", "Record a referral", "Save referral", "incidents:refer"),
    ("link", "Link a pupil", "Link pupil", "incidents:link_pupil"),
    ("staff", "Name a member of staff", "Name member of staff", "incidents:link_staff"),
    ("evidence", "Add evidence", "Add files", "incidents:add_evidence"),
    ("ict", "Record the ICT action", "Save ICT action", "incidents:ict_action"),
    ("takedown", "Open a 24-hour takedown", "Open takedown", "incidents:open_takedown"),
    ("close", "Close the case", "Close case", "incidents:close"),
    ("reopen", "Reopen the case", "Reopen case", "incidents:reopen"),
]
NATURE_LABELS = dict(Nature.choices)


def case_form(name: str, incident: Incident, data=None, files=None):
    """One of the case page's forms, bound when data is given."""
    kwargs = {"incident": incident} if name in NEEDS_INCIDENT else {}
    if name == "takedown" and data is None and incident.urls:
        kwargs["initial"] = {"content_url": incident.urls[0]}
    return CASE_FORMS[name](data, files, prefix=name, **kwargs)


def render_case(request, incident: Incident, *, bound: dict | None = None):
    """The handler's case page; ``bound`` holds a posted form (by prefix) to show with its errors."""
    bound = bound or {}
    user = request.user
    now = timezone.now()
    detail = selectors.incident_detail(incident=incident)
    can_ict = access.can(user, Action.RECORD_ICT_ACTIONS, incident)
    actions = []
    for name, title, button, url_name in CASE_ACTIONS:
        if (name == "ict" and not can_ict) or (name == "close" and not incident.is_open):
            continue
        if name == "reopen" and incident.is_open and name not in bound:
            continue
        form = bound[name] if name in bound else case_form(name, incident)
        actions.append(
            {
                "title": title,
                "button": button,
                "url": reverse(url_name, kwargs={"incident_id": incident.pk}),
                "form": form,
                "open": form.is_bound,
                "multipart": name == "evidence",
                "id": f"action-{name}",
            }
        )
    takedowns = takedown_rows(detail["takedowns"], bound=bound, now=now)
    pupil_names = {str(p.pupil_id): str(p.pupil) for p in detail["people"] if p.pupil_id}
    events = [(event, describe_event(event, pupil_names)) for event in detail["events"]]
    failing = next((form for form in bound.values() if form.is_bound and form.errors), None)
    context = {
        "incident": incident,
        "people": detail["people"],
        "events": events,
        "evidence": detail["evidence"],
        "can_see_chronology": access.can(user, Action.VIEW_SAFEGUARDING_RECORDS, incident.school),
        "takedowns": takedowns,
        "actions": actions,
        "form": failing,
        "respond_deadline": deadline(incident.respond_by, now) if incident.is_open else None,
        "natures": [NATURE_LABELS.get(n, n) for n in incident.nature],
        "handler_label": routing.handler_label(incident.handler_action),
    }
    return render(request, "incidents/case.html", context)


@login_required
@require_GET
def incident_detail(request, incident_id):
    """A handler sees the whole case; the reporter sees their report; anyone else gets 404."""
    incident, handles = selectors.incident_for_handler_or_reporter(user=request.user, incident_id=incident_id)
    if handles:
        audit_view(request, incident)
        return render_case(request, incident)
    return render_reporter(request, incident)


def render_reporter(request, incident: Incident, *, evidence_form=None):
    """The reporter's page: what they sent, its status, and only the steps marked for them."""
    view = selectors.reporter_view(incident=incident)
    if evidence_form is None and incident.is_open:
        evidence_form = forms.EvidenceForm(prefix="evidence")
    context = {
        "incident": incident,
        "events": view["events"],
        "evidence": [e for e in view["evidence"] if e.uploaded_by_id == request.user.pk],
        "natures": [NATURE_LABELS.get(n, n) for n in incident.nature],
        "handler_label": routing.handler_label(incident.handler_action),
        "evidence_form": evidence_form,
        "form": evidence_form if evidence_form is not None and evidence_form.is_bound else None,
    }
    return render(request, "incidents/case_reporter.html", context)


@login_required
@require_GET
def evidence_download(request, incident_id, evidence_id):
    """A file of the case, to its handlers, or to the reporter who uploaded it, once its contents are
    checked against the hash recorded on upload; audited."""
    evidence = selectors.evidence_for(user=request.user, incident_id=incident_id, evidence_id=evidence_id)
    finding = integrity.evidence_check_before_download(evidence=evidence, by=request.user)
    if finding is not None:
        # Refused rather than handed out: a changed file is no longer evidence of what was seen.
        context = {"evidence": evidence, "finding": finding, "missing": finding.problem == Problem.MISSING}
        return render(request, "incidents/evidence_refused.html", context, status=409)
    audit_record(
        verb=AuditEntry.Verb.DOWNLOAD,
        obj=evidence,
        request=request,
        changes={"sha256": ["", evidence.sha256]},
    )
    return private_file_response(evidence.file, download_name=evidence.original_name)


@login_required
@require_POST
def link_staff(request, incident_id):
    """Name a member of staff in the case; if it now goes to another handler, say so and leave it."""
    incident = selectors.incident_for_handler(user=request.user, incident_id=incident_id)
    form = case_form("staff", incident, request.POST)
    if form.is_valid():
        try:
            services.incident_link_staff(
                user=request.user,
                incident=incident,
                staff_member=form.cleaned_data["staff_member"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            incident.refresh_from_db(fields=["handler_action"])
            if access.can(request.user, incident.handler_action, incident):
                messages.success(request, "Member of staff named in the case.")
                return redirect("incidents:detail", incident_id=incident.pk)
            # Re-routed, or the user named themselves: the case is no longer theirs to see.
            messages.success(
                request,
                f"Member of staff named. Report {incident.reference} now goes to the "
                f"{routing.handler_label(incident.handler_action).lower()}; you no longer see it.",
            )
            return redirect("incidents:queue")
    return render_case(request, incident, bound={"staff": form})
