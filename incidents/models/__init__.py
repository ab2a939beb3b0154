"""Models of incidents: the incident and its timeline (incident), takedowns (takedown), the
moderation log (moderation), the first-response ladder's notices (first_response), platform ages
(platforms), the evidence integrity check (integrity) and their choices (choices)."""

from incidents.models.choices import HANDLER_ACTIONS, Kind, Nature, Severity, Status
from incidents.models.first_response import FirstResponseNotice
from incidents.models.incident import (
    Evidence,
    Incident,
    IncidentEvent,
    IncidentPerson,
    IncidentQuerySet,
    evidence_path,
)
from incidents.models.integrity import IntegrityAlert, IntegrityCheck, IntegrityProblem, Problem
from incidents.models.moderation import ModerationEntry
from incidents.models.platforms import Platform
from incidents.models.takedown import Takedown, TakedownNotice, TakedownStep

__all__ = [
    "HANDLER_ACTIONS",
    "Evidence",
    "FirstResponseNotice",
    "Incident",
    "IncidentEvent",
    "IncidentPerson",
    "IncidentQuerySet",
    "IntegrityAlert",
    "IntegrityCheck",
    "IntegrityProblem",
    "Kind",
    "ModerationEntry",
    "Nature",
    "Platform",
    "Problem",
    "Severity",
    "Status",
    "Takedown",
    "TakedownNotice",
    "TakedownStep",
    # Named by the first migration as the evidence files' upload_to.
    "evidence_path",
]
