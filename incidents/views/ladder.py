"""The takedowns on the case page: for each, the ladder's steps on offer (what comes next and by
when, incidents.workflows.TAKEDOWN_LADDER) and a form for each of them, then the checks.

A step already taken, or whose turn has not come, has no form; its service refuses it as well.
"""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse

from incidents import forms, workflows
from incidents.services.takedowns import ESCALATION_ROUTES
from incidents.views.common import deadline

# A takedown step's form: name (also its prefix, with the takedown's id) → form class.
TAKEDOWN_FORMS = {
    "request": forms.RequestRemovalForm,
    "check": forms.CheckForm,
    "confirm": forms.ConfirmRemovalForm,
    "escalate": forms.EscalateForm,
    "police": forms.PoliceForm,
    "ceop": forms.ReferenceStepForm,
    "support": forms.SupportForm,
    "withdraw": forms.WithdrawTakedownForm,
}
# (form, title, button, url name) of each form; the ladder decides which of the first ones show.
TAKEDOWN_ACTIONS = {
    "request": ("Record the removal request", "Save removal request", "incidents:takedown_request"),
    "escalate": ("Record an escalation", "Save escalation", "incidents:takedown_escalate"),
    "police": ("Record the report to the police", "Save police report", "incidents:takedown_police"),
    "ceop": ("Record the report to CEOP", "Save CEOP report", "incidents:takedown_ceop"),
    "support": ("Record support offered", "Save support", "incidents:takedown_support"),
    "check": ("Record a check", "Save check", "incidents:takedown_check"),
    "confirm": ("Confirm removal", "Confirm the content has gone", "incidents:takedown_confirm"),
    "withdraw": ("Close as no longer needed", "Close takedown", "incidents:takedown_withdraw"),
}
# The form that records each rung of the ladder: the escalations share one, choosing the route.
RUNG_FORM = {
    "host": "request",
    "helpline": "escalate",
    "report_harmful_content": "escalate",
    "isp": "escalate",
    "police": "police",
    "ceop": "ceop",
    "support": "support",
}
# Open while the takedown is, whatever rung it has reached.
ALWAYS = ("check", "confirm", "withdraw")


def takedown_prefix(step: str, takedown) -> str:
    """The prefix of a takedown step's form: unique on a page with several takedowns."""
    return f"{step}-{takedown.pk.hex}"


def _form(step: str, takedown, bound: dict, routes: list[str]):
    prefix = takedown_prefix(step, takedown)
    if prefix in bound:
        return bound[prefix]
    form = TAKEDOWN_FORMS[step](prefix=prefix)
    if step == "escalate":
        labels = dict(form.fields["route"].choices)
        form.fields["route"].choices = [(route, labels[route]) for route in routes]
    return form


def takedown_rows(takedowns, *, bound: dict, now: datetime) -> list[dict]:
    """Each takedown with its deadline, the ladder's steps on offer and their forms."""
    rows = []
    for takedown in takedowns:
        offers = workflows.takedown_rungs_on_offer(takedown, [s.type for s in takedown.steps.all()])
        routes = [o.rung.key for o in offers if o.rung.key in ESCALATION_ROUTES]
        names = list(dict.fromkeys(RUNG_FORM[o.rung.key] for o in offers)) if takedown.is_open else []
        steps = []
        for name in [*names, *(ALWAYS if takedown.is_open else ())]:
            title, button, url_name = TAKEDOWN_ACTIONS[name]
            form = _form(name, takedown, bound, routes)
            steps.append(
                {
                    "title": title,
                    "button": button,
                    "url": reverse(url_name, kwargs={"takedown_id": takedown.pk}),
                    "form": form,
                    "open": form.is_bound,
                    "id": f"{takedown_prefix(name, takedown)}-action",
                }
            )
        rows.append(
            {
                "takedown": takedown,
                "deadline": deadline(takedown.deadline, now) if takedown.is_open else None,
                "next": [{"rung": o.rung, "due": deadline(o.due, now) if o.due else None} for o in offers],
                "steps": steps,
            }
        )
    return rows
