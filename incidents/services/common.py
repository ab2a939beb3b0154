"""What the incident services share: the access checks, the row locks, the timeline entry and the
notification of an incident's handlers."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts import access
from accounts.models import User
from core.notifications import notify
from incidents.models import Incident, IncidentEvent, Takedown
from incidents.services.routing import handlers_of


def event_add(
    incident: Incident, type_: str, by: User | None, text: str = "", *, reporter_sees=False, **data
) -> IncidentEvent:
    """Append a step to the incident's timeline."""
    return IncidentEvent.objects.create(
        incident=incident, type=type_, by=by, text=text, data=data, visible_to_reporter=reporter_sees
    )


def require(user: User, action: str, obj) -> None:
    """PermissionDenied unless the user may take the action on the object."""
    if not access.can(user, action, obj):
        raise PermissionDenied


def require_handler(user: User, incident: Incident) -> None:
    """Only someone who handles this kind of incident in its school, and is not named in it."""
    require(user, incident.handler_action, incident)


def case_link(incident: Incident) -> str:
    """The case page's address, for notifications."""
    return reverse("incidents:detail", args=[incident.pk])


def incident_locked(incident: Incident) -> Incident:
    """The incident's row, locked until the transaction ends."""
    return Incident.objects.select_for_update().get(pk=incident.pk)


def takedown_locked(takedown: Takedown) -> Takedown:
    """The takedown's row, locked until the transaction ends, with its incident."""
    return Takedown.objects.select_for_update().select_related("incident").get(pk=takedown.pk)


def handlers_notify(incident: Incident, *, subject: str | None = None) -> None:
    """Tell everyone who handles this incident (never the people named in it)."""
    urgent = incident.immediate_risk or incident.safeguarding_flag
    subject = subject or (
        f"{'URGENT: ' if urgent else ''}New {incident.get_kind_display().lower()} report {incident.reference}"
    )
    for user in handlers_of(incident):
        notify(user=user, subject=subject, link=case_link(incident))
