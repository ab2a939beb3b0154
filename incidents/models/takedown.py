"""Takedowns (001 §16.3–16.6): the content to be removed, each step taken, and the ladder's notices.

The status moves only as incidents.workflows allows.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import School
from core.models import AppendOnlyModel, SentOnce
from incidents.models.incident import Incident


class Takedown(models.Model):
    """Getting content removed within 24 hours of the report (001 §16.3–16.6)."""

    class Status(models.TextChoices):
        OPEN = "open", "Removal not yet requested"
        REQUESTED = "requested", "Removal requested"
        ESCALATED = "escalated", "Escalated"
        REMOVED = "removed", "Removal confirmed"
        WITHDRAWN = "withdrawn", "No longer needed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="takedowns")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    content_url = models.URLField("address of the content", max_length=500)
    host = models.CharField("who hosts it", max_length=120, blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    deadline = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    removal_requested_at = models.DateTimeField(null=True, blank=True)
    removal_reference = models.CharField(max_length=120, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["deadline"]
        indexes = [
            models.Index(
                fields=["deadline"],
                condition=Q(closed_at__isnull=True),
                name="takedown_open_deadline_idx",
            )
        ]

    def __str__(self) -> str:
        return f"Takedown for {self.incident}"

    @classmethod
    def subject_exclusion_q(cls, user) -> Q:
        """Takedowns of incidents that name the user: hidden from them with the incident."""
        return Q(incident__in=Incident.objects.filter(Incident.subject_exclusion_q(user)).values("pk"))

    def is_subject(self, user) -> bool:
        return self.incident.is_subject(user)

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class TakedownStep(AppendOnlyModel):
    """One recorded step of a takedown: appended, never changed."""

    never_changed = "Takedown steps are never changed; add a new one."
    never_deleted = "Takedown steps are never deleted."

    class Type(models.TextChoices):
        OPENED = "opened", "Takedown opened"
        REMOVAL_REQUESTED = "removal_requested", "Removal requested from the host"
        CHECKED = "checked", "Checked whether the content is still there"
        REMOVAL_CONFIRMED = "removal_confirmed", "Removal confirmed"
        ESCALATED_HELPLINE = "escalated_helpline", "Escalated to the Professionals Online Safety Helpline"
        ESCALATED_RHC = "escalated_rhc", "Escalated to Report Harmful Content"
        ESCALATED_ISP = "escalated_isp", "Escalated to the internet service provider"
        # Recorded before the police and CEOP were separate steps of the ladder.
        POLICE_REPORTED = "police_reported", "Reported to the police or CEOP"
        REPORTED_POLICE = "reported_police", "Reported to the police"
        REPORTED_CEOP = "reported_ceop", "Reported to CEOP"
        SUPPORT_OFFERED = "support_offered", "Support offered"
        WITHDRAWN = "withdrawn", "No longer needed"

    id = models.BigAutoField(primary_key=True)
    takedown = models.ForeignKey(Takedown, on_delete=models.PROTECT, related_name="steps")
    type = models.CharField(max_length=30, choices=Type.choices)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=120, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]


class TakedownNotice(SentOnce):
    """A rung of the escalation ladder sent for a takedown: one row per level, so never twice."""

    takedown = models.ForeignKey(Takedown, on_delete=models.CASCADE, related_name="notices")
    level = models.CharField(max_length=20)  # "12h", "20h", "24h", then "day-2", "day-3", …

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["takedown", "level"], name="takedownnotice_once_per_level")
        ]
