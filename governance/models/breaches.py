"""The personal-data breach log (UK GDPR Articles 33 and 34): what happened, when it was found,
who was told, and whether the ICO was told within 72 hours of it being found, or why not."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import School
from core.models import SentOnce

ICO_HOURS = 72


class BreachQuerySet(models.QuerySet):
    def awaiting_ico_decision(self) -> BreachQuerySet:
        """Breaches where nobody has yet recorded telling the ICO or why it was not told."""
        return self.filter(ico_told_at__isnull=True, ico_not_told_reason="")


class Breach(models.Model):
    """One personal-data breach, recorded by the data protection officer."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=20, unique=True)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    what_happened = models.TextField("What happened")
    data_involved = models.TextField("What personal data was involved")
    people_affected = models.PositiveIntegerField(
        "Roughly how many people are affected", null=True, blank=True
    )
    occurred_at = models.DateTimeField("When it happened, if known", null=True, blank=True)
    found_at = models.DateTimeField("When it was found")
    # Stored, not recomputed: the 72 hours run from when it was found (Article 33(1)).
    ico_due_at = models.DateTimeField(db_index=True)
    who_was_told = models.TextField(
        "Who was told (the people affected, the trust, the police, others), and when", blank=True
    )
    ico_told_at = models.DateTimeField("When the ICO was told", null=True, blank=True)
    ico_reference = models.CharField("The ICO's reference", max_length=60, blank=True)
    ico_not_told_reason = models.TextField("Why the ICO was not told", blank=True)
    actions_taken = models.TextField(
        "What has been done to contain it and stop it happening again", blank=True
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BreachQuerySet.as_manager()

    class Meta:
        ordering = ["-found_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ico_told_at__isnull=True) | Q(ico_not_told_reason=""),
                name="breach_ico_told_or_reason_not_both",
            ),
        ]

    def __str__(self) -> str:
        return f"Breach {self.reference}"

    @staticmethod
    def due_for(found_at):
        return found_at + timedelta(hours=ICO_HOURS)

    @property
    def ico_decided(self) -> bool:
        return self.ico_told_at is not None or bool(self.ico_not_told_reason)

    @property
    def ico_status(self) -> str:
        """Where the breach stands with the ICO, in the log's words."""
        if self.ico_told_at is not None:
            return "ICO told in time" if self.ico_in_time else "ICO told late"
        if self.ico_not_told_reason:
            return "ICO not told: reason recorded"
        return "ICO deadline passed" if timezone.now() > self.ico_due_at else "ICO decision due"

    @property
    def ico_in_time(self) -> bool | None:
        """Was the ICO told within 72 hours (None when it was not told)."""
        return None if self.ico_told_at is None else self.ico_told_at <= self.ico_due_at


class BreachReminder(SentOnce):
    """A reminder of a breach's ICO deadline already sent ("24h" left, "due"), so it is sent once."""

    breach = models.ForeignKey(Breach, on_delete=models.CASCADE, related_name="reminders")
    level = models.CharField(max_length=10)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["breach", "level"], name="breachreminder_once_per_level"),
        ]
