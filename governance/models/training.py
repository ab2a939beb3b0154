"""Training records: sessions held in a school, who attended, and the reminders sent."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from accounts.models import School
from core.calendar import term_of
from core.models import SentOnce


class TrainingSession(models.Model):
    """A training session held in a school: staff termly training or a parents' session."""

    class Kind(models.TextChoices):
        STAFF = "staff", "Staff online safety training"
        PARENT = "parent", "Parents' online safety session"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="training_sessions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(max_length=200)
    held_on = models.DateField()
    term = models.CharField(max_length=20, db_index=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return f"{self.title} ({self.held_on:%d %B %Y})"

    def save(self, *args, **kwargs):
        self.term = term_of(self.held_on)
        super().save(*args, **kwargs)


class TrainingAttendance(models.Model):
    """Who attended a session (staff by account; parents by account when they have one)."""

    id = models.BigAutoField(primary_key=True)
    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="trainingattendance_unique"),
        ]


class TrainingReminder(SentOnce):
    """A "training due" reminder already sent to a member of staff for a term (sent once)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    term = models.CharField(max_length=20)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "term"], name="trainingreminder_once_per_term"),
        ]
