"""The case page's actions: each form posts to its own URL, whose view fetches the case through
the access layer and calls one service; a form with errors shows the case page again."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from accounts.roles import Action
from incidents import selectors, services
from incidents.models import Incident, IncidentEvent
from incidents.views.case import case_form, render_case, render_reporter
from incidents.views.common import apply_errors


def _act(request, incident: Incident, name: str, call: Callable[[dict], object], done: str):
    """Bind the posted form ``name``, call its service, and go back to the case page."""
    form = case_form(name, incident, request.POST, request.FILES)
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("incidents:detail", incident_id=incident.pk)
    return render_case(request, incident, bound={name: form})


@login_required
@require_POST
def set_severity(request, incident_id):
    incident = selectors.incident_for_handler(user=request.user, incident_id=incident_id)
    return _act(
        request,
        incident,
        "severity",
        lambda d: services.incident_set_severity(
            user=request.user, incident=incident, severity=d["severity"], reason=d["reason"]
        ),
        "Severity set.",
    )


@login_required
@require_POST
def assign(request, incident_id):
    incident = selectors.incident_for_handler(user=request.user, incident_id=incident_id)
    return _act(
        request,
        incident,
        "assign",
        lambda d: services.incident_assign(user=request.user, incident=incident, assignee=d["assignee"]),
        "Case assigned.",
    )


@login_required
@require_POST
def add_note(request, incident_id):
    incident = selectors.incident_for_handler(user=request.user, incident_id=incident_id)
    return _act(
        request,
        incident,
        "note",
        lambda d: services.incident_add_note(user=request.user, incident=incident, text=d["text"]),
        "Note added.",
    )


@login_required
@require_POST
def record_action(request, incident_id):
    incident = selectors.incident_for_handler(user=request.user, incident_id=incident_id)
    return _act(
        request,
        incident,
        "action",
        lambda d: services.incident_add_note(
            user=request.user, incident=incident, text=d["text"], kind=IncidentEvent.Type.ACTION
        ),
        "Action recorded.",
    )


@login_required
@require_POST
def refer(request, incident_id):
    incident = selectors.incident_for_handler(user=request.user, incident_id=incident_id)
    return _act(
        request,
        incident,
        "refer",
        lambda d: services.incident_refer(
            user=request.user, incident=incident, agency=d["agency"], reference=d["reference"], text=d["text"]
        ),
        "Referral recorded.",
    )


@login_required
@require_POST
def link_pupil(request, incident_id):
    incident = selectors.incident_for_handler(user=request.user, incident_id=incident_id)
    return _act(
        request,
        incident,
        "link",
        lambda d: services.incident_link_pupil(
            user=request.user, incident=incident, pupil=d["pupil"], role=d["role"]
        ),
        "Pupil linked to the case.",
    )


@login_required
@require_POST
def close(request, incident_id):
    incident = selectors.incident_for_handler(user=request.user, incident_id=incident_id)
    return _act(
        request,
        incident,
        "close",
        lambda d: services.incident_close(
            user=request.user,
            incident=incident,
            summary=d["summary"],
            decision=d["decision"],
            reasons=d["reasons"],
            outcome=d["outcome"],
            open_takedowns_reason=d["open_takedowns_reason"],
        ),
        "Case closed.",
    )


@login_required
@require_POST
def reopen(request, incident_id):
    incident = selectors.incident_for_handler(user=request.user, incident_id=incident_id)
    return _act(
        request,
        incident,
        "reopen",
        lambda d: services.incident_reopen(user=request.user, incident=incident, reason=d["reason"]),
        "Case reopened.",
    )


@login_required
@require_POST
def record_ict_action(request, incident_id):
    incident = selectors.incident_for_handler(
        user=request.user, incident_id=incident_id, act=Action.RECORD_ICT_ACTIONS
    )
    return _act(
        request,
        incident,
        "ict",
        lambda d: services.incident_record_ict_action(
            user=request.user,
            incident=incident,
            action_taken=d["action_taken"],
            block_applied=d["block_applied"],
        ),
        "ICT action recorded.",
    )


@login_required
@require_POST
def open_takedown(request, incident_id):
    incident = selectors.incident_for_handler(user=request.user, incident_id=incident_id)
    return _act(
        request,
        incident,
        "takedown",
        lambda d: services.takedown_open(
            user=request.user, incident=incident, content_url=d["content_url"], host=d["host"]
        ),
        "Takedown opened: the content must be removed within 24 hours of the report.",
    )


@login_required
@require_POST
def add_evidence(request, incident_id):
    """Add files to a case: its handlers, or the reporter while their report is open."""
    incident, handles = selectors.incident_for_handler_or_reporter(user=request.user, incident_id=incident_id)
    form = case_form("evidence", incident, request.POST, request.FILES)
    if form.is_valid():
        try:
            for upload in form.cleaned_data["files"]:
                services.incident_add_evidence(
                    user=request.user,
                    incident=incident,
                    upload=upload,
                    source_url=form.cleaned_data["source_url"],
                )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            count = len(form.cleaned_data["files"])
            messages.success(request, f"{count} file{'s' if count != 1 else ''} added.")
            return redirect("incidents:detail", incident_id=incident.pk)
    if not handles:
        return render_reporter(request, incident, evidence_form=form)
    return render_case(request, incident, bound={"evidence": form})
