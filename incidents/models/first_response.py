"""The first-response ladder's notices: one row per rung sent for a report, so never twice."""

from __future__ import annotations

from django.db import models

from core.models import SentOnce
from incidents.models.incident import Incident


class FirstResponseNotice(SentOnce):
    """A rung of the first-response ladder sent for a report that nobody had taken up.

    Unique per (incident, handler action, level): a report re-routed to another handler (a member
    of staff added as its subject) starts that handler's ladder afresh.
    """

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="first_response_notices")
    handler_action = models.CharField(max_length=40)
    level = models.CharField(max_length=30)  # "reminder", then the post told: "deputy", "head", …

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "handler_action", "level"], name="firstresponsenotice_once_per_level"
            )
        ]

    def __str__(self) -> str:
        return f"{self.incident} {self.level}"
