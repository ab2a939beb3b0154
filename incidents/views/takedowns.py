"""The steps of a takedown (001 §16.3–16.6): each posts to its own URL and calls one service, which
refuses a step of the ladder that is not on offer (incidents.workflows.TAKEDOWN_LADDER)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from incidents import selectors, services, workflows
from incidents.views.case import render_case
from incidents.views.common import apply_errors
from incidents.views.ladder import TAKEDOWN_FORMS, takedown_prefix


def _step(request, takedown_id, step: str, call: Callable, done: str):
    """Bind the step's form, call its service, and go back to the case page."""
    takedown = selectors.takedown_for_handler(user=request.user, takedown_id=takedown_id)
    prefix = takedown_prefix(step, takedown)
    form = TAKEDOWN_FORMS[step](request.POST, prefix=prefix)
    if form.is_valid():
        try:
            call(takedown, form.cleaned_data)
        except workflows.IllegalTransition as exc:
            # A step already taken, or not yet on offer, has no form on the page to show the error
            # beside: the case page says why, above the ladder as it now stands.
            messages.error(request, " ".join(exc.messages))
            return redirect("incidents:detail", incident_id=takedown.incident_id)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("incidents:detail", incident_id=takedown.incident_id)
    incident = takedown.incident
    return render_case(request, incident, bound={prefix: form})


@login_required
@require_POST
def request_removal(request, takedown_id):
    return _step(
        request,
        takedown_id,
        "request",
        lambda t, d: services.takedown_request_removal(
            user=request.user, takedown=t, host=d["host"], reference=d["reference"], note=d["note"]
        ),
        "Removal request recorded.",
    )


@login_required
@require_POST
def check(request, takedown_id):
    return _step(
        request,
        takedown_id,
        "check",
        lambda t, d: services.takedown_check(
            user=request.user, takedown=t, still_present=d["still_present"], note=d["note"]
        ),
        "Check recorded.",
    )


@login_required
@require_POST
def confirm_removal(request, takedown_id):
    return _step(
        request,
        takedown_id,
        "confirm",
        lambda t, d: services.takedown_confirm_removal(user=request.user, takedown=t, note=d["note"]),
        "Removal confirmed: the takedown is complete.",
    )


@login_required
@require_POST
def escalate(request, takedown_id):
    return _step(
        request,
        takedown_id,
        "escalate",
        lambda t, d: services.takedown_escalate(
            user=request.user, takedown=t, route=d["route"], reference=d["reference"], note=d["note"]
        ),
        "Escalation recorded.",
    )


@login_required
@require_POST
def report_police(request, takedown_id):
    return _step(
        request,
        takedown_id,
        "police",
        lambda t, d: services.takedown_report_police(
            user=request.user,
            takedown=t,
            consent_given=d["consent_given"],
            reference=d["reference"],
            note=d["note"],
        ),
        "Report to the police recorded.",
    )


@login_required
@require_POST
def report_ceop(request, takedown_id):
    return _step(
        request,
        takedown_id,
        "ceop",
        lambda t, d: services.takedown_report_ceop(
            user=request.user, takedown=t, reference=d["reference"], note=d["note"]
        ),
        "Report to CEOP recorded.",
    )


@login_required
@require_POST
def offer_support(request, takedown_id):
    return _step(
        request,
        takedown_id,
        "support",
        lambda t, d: services.takedown_offer_support(user=request.user, takedown=t, note=d["note"]),
        "Support recorded.",
    )


@login_required
@require_POST
def withdraw(request, takedown_id):
    return _step(
        request,
        takedown_id,
        "withdraw",
        lambda t, d: services.takedown_withdraw(user=request.user, takedown=t, note=d["note"]),
        "Takedown closed as no longer needed.",
    )
