"""Retention: the trust's schedule per record type and the records listed for review."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import School, Trust
from core import registries


def record_type_choices() -> list[tuple[str, str]]:
    """The kinds of record with a retention period: those the apps registered."""
    return [(kind.key, kind.label) for kind in registries.retention_types]


class RetentionRule(models.Model):
    """The trust's schedule: how long a type of record is kept before it is reviewed."""

    class Basis(models.TextChoices):
        DATE_OF_BIRTH = "date_of_birth", "From the pupil's date of birth"
        RECORDED = "recorded", "From when the record was made"

    id = models.BigAutoField(primary_key=True)
    trust = models.ForeignKey(Trust, on_delete=models.CASCADE, related_name="retention_rules")
    record_type = models.CharField(max_length=20, choices=record_type_choices)
    basis = models.CharField(max_length=20, choices=Basis.choices)
    years = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["trust", "record_type"], name="retentionrule_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_record_type_display()}: {self.years} years {self.get_basis_display().lower()}"


class RetentionReview(models.Model):
    """A record whose retention period has ended, listed for the data protection officer to review.
    Nothing is deleted by the portal on its own."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        KEEP = "keep", "Keep for longer"
        ERASE = "erase", "Erase"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    record_type = models.CharField(max_length=20, choices=record_type_choices)
    object_id = models.CharField(max_length=64)
    object_label = models.CharField(max_length=200)
    review_due = models.DateField()
    listed_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["review_due"]
        constraints = [
            models.UniqueConstraint(fields=["record_type", "object_id"], name="retentionreview_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_record_type_display()} {self.object_label}"

    @classmethod
    def subject_exclusion_q(cls, user) -> Q:
        """Reviews of records that name the user (an incident about them): another officer
        decides them."""
        condition = Q(pk__in=[])
        for kind in registries.retention_types:
            naming = kind.naming(user)
            if naming is not None:
                condition |= Q(record_type=kind.key, object_id__in=naming)
        return condition

    def is_subject(self, user) -> bool:
        return type(self).objects.filter(pk=self.pk).filter(self.subject_exclusion_q(user)).exists()
