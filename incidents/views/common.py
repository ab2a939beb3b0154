"""What the incident views share: who handles incidents, deadlines in words, a timeline entry in
words, and turning a service's ValidationError into errors on the form that was posted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError

from accounts import access
from incidents.models import HANDLER_ACTIONS, IncidentEvent, Severity, TakedownStep


def handles_any(user) -> bool:
    """Does the user handle some kind of incident in at least one school?"""
    return any(access.has_any(user, action) for action in HANDLER_ACTIONS)


def handled_school_ids(user) -> frozenset:
    """The schools where the user handles some kind of incident."""
    ids: set = set()
    for action in HANDLER_ACTIONS:
        ids |= access.schools_for(user, action)
    return frozenset(ids)


def require_handler(view):
    """View decorator: sign in first; 403 unless the user handles some kind of incident somewhere."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not handles_any(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@dataclass(frozen=True)
class Deadline:
    """A deadline as people read it: "3 hours left", "Overdue by 2 hours"."""

    at: datetime
    text: str
    overdue: bool
    tag: str


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        minutes = max(minutes, 1)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    days = hours // 24
    return f"{days} days"


def deadline(at: datetime | None, now: datetime) -> Deadline | None:
    """How long is left before a deadline, or how far past it we are."""
    if at is None:
        return None
    if at <= now:
        return Deadline(at=at, text=f"Overdue by {_span(now - at)}", overdue=True, tag="govuk-tag--red")
    left = at - now
    tag = "govuk-tag--orange" if left <= timedelta(hours=4) else ""
    return Deadline(at=at, text=f"{_span(left)} left", overdue=False, tag=tag)


def apply_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: next to its field where the form has one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


Ev = IncidentEvent.Type


def _severity_label(value) -> str:
    try:
        return Severity(int(value)).label
    except (TypeError, ValueError):
        return "–"


def describe_event(event: IncidentEvent, pupil_names: dict) -> list[tuple[str, str]]:
    """The lines a handler reads under a timeline entry: (label, value), label possibly empty."""
    data, text = event.data or {}, event.text
    lines: list[tuple[str, str]]
    if event.type == Ev.ROUTED:
        lines = [("", f"Sent to the {text}")]
    elif event.type == Ev.ASSIGNED:
        lines = [("", f"Assigned to {text}")]
    elif event.type == Ev.SEVERITY:
        lines = [
            ("", f"{_severity_label(data.get('old'))} to {_severity_label(data.get('new'))}"),
            ("Why", text),
        ]
    elif event.type == Ev.REFERRAL:
        lines = [
            ("Referred to", data.get("agency_label", "")),
            ("Reference", data.get("reference", "")),
            ("", text),
        ]
    elif event.type == Ev.PUPIL_LINKED:
        lines = [("", f"{pupil_names.get(data.get('pupil'), 'A pupil')}: {text}")]
    elif event.type == Ev.EVIDENCE:
        lines = [("File", text), ("SHA-256", data.get("sha256", ""))]
    elif event.type == Ev.FLAG:
        lines = [("", text), ("Platform", data.get("platform", ""))]
    elif event.type == Ev.TAKEDOWN:
        step = data.get("step", "")
        label = TakedownStep.Type(step).label if step in TakedownStep.Type.values else text
        lines = [("", label), ("Reference", data.get("reference", ""))]
    elif event.type == Ev.ICT_ACTION:
        lines = [("Action taken", text), ("Block applied", data.get("block_applied", ""))]
    elif event.type == Ev.CLOSED:
        lines = [
            ("Summary", text),
            ("Decision", data.get("decision", "")),
            ("Reasons", data.get("reasons", "")),
            ("Outcome", data.get("outcome", "")),
        ]
    else:
        lines = [("", text)]
    return [(label, value) for label, value in lines if value]
