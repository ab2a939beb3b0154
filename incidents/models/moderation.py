"""The marketing officer's moderation log of comments on school accounts (004 §1)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from accounts.models import School
from incidents.models.incident import Incident
from incidents.models.platforms import Platform


class ModerationEntry(models.Model):
    """The marketing officer's log of inappropriate comments on school accounts (004 §1)."""

    class ActionTaken(models.TextChoices):
        HIDDEN = "hidden", "Comment hidden"
        DELETED = "deleted", "Comment deleted"
        REPORTED = "reported", "Reported to the platform"
        BLOCKED = "blocked", "Commenter blocked"
        REFERRED = "referred", "Referred to the DSL or headteacher"
        NO_ACTION = "no_action", "No action needed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="moderation_entries")
    account = models.CharField("school account", max_length=200)
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, null=True, blank=True)
    comment_url = models.URLField("address of the comment", max_length=500, blank=True)
    comment_text = models.TextField("what the comment said")
    commenter = models.CharField("who posted it (name or handle, if known)", max_length=200, blank=True)
    seen_at = models.DateTimeField("when it was seen")
    action_taken = models.CharField(max_length=20, choices=ActionTaken.choices)
    action_detail = models.TextField("details of the action", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, null=True, blank=True, related_name="moderation_entries"
    )

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name_plural = "moderation entries"

    def __str__(self) -> str:
        return f"{self.account} {self.seen_at:%Y-%m-%d}"
