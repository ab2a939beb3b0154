"""Governance records: the notification inbox and outbox, and the registers."""

import uuid

from django.conf import settings
from django.db import models


class Notification(models.Model):
    """Something the portal told a user: shown in their inbox and sent by email (the outbox)."""

    class EmailStatus(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Could not be sent"
        NOT_SENT = "not_sent", "Portal only"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "read_at"]),
            models.Index(
                fields=["created_at"],
                condition=models.Q(email_status="pending"),
                name="notification_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.user}"


# The registers live in their own module; importing them here lets Django find them.
from governance.register_models import (  # noqa: E402, F401
    Acknowledgement,
    Policy,
    PolicyReminder,
    PolicyVersion,
    RetentionReview,
    RetentionRule,
    TrainingAttendance,
    TrainingReminder,
    TrainingSession,
    TrusteeReport,
)
