"""The policy register: policies, their versions, acknowledgements and the reminders sent."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts import access
from accounts.models import School, Trust
from core.models import SentOnce


class PolicyQuerySet(models.QuerySet):
    def visible_to(self, user, action: str) -> PolicyQuerySet:
        """Policies of the schools where the user may take the action, and their trusts' own."""
        trusts = access.trusts_for(user, action)
        return self.filter(
            Q(school_id__in=access.schools_for(user, action)) | Q(school__isnull=True, trust__in=trusts)
        )


class Policy(models.Model):
    """A policy of the trust or of one school; its text lives in numbered versions."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="policies")
    # No school: the policy applies across the whole trust.
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="policies"
    )
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PolicyQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "policies"
        constraints = [
            models.UniqueConstraint(fields=["trust", "school", "title"], name="policy_unique_title"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def scope_label(self) -> str:
        return self.school.name if self.school_id else "Whole trust"


class PolicyVersion(models.Model):
    """One approved text of a policy. Published once; staff in scope acknowledge it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    summary = models.TextField("What has changed")
    text = models.TextField("Policy text")
    approved_on = models.DateField("Approval date")
    next_review_due = models.DateField("Next review date", db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["policy", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="policyversion_unique_number"),
            models.CheckConstraint(
                condition=Q(next_review_due__gt=models.F("approved_on")),
                name="policyversion_review_after_approval",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy} version {self.number}"

    @property
    def school_id(self):
        # The access layer reads an object's school; a trust-wide version has none.
        return self.policy.school_id


class Acknowledgement(models.Model):
    """A member of staff confirming they have read one version of a policy."""

    id = models.BigAutoField(primary_key=True)
    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="acknowledgements")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    acknowledged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "user"], name="acknowledgement_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} read {self.version}"


class PolicyReminder(SentOnce):
    """A reminder already sent, so a second run of the job sends nothing.

    ``user`` is empty for the owner's review reminders (level "30d", "7d", "due") and names the
    member of staff for acknowledgement reminders (level "ack-<ISO week>")."""

    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    level = models.CharField(max_length=20)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["version", "level"], condition=Q(user__isnull=True), name="policyreminder_review_once"
            ),
            models.UniqueConstraint(
                fields=["version", "user", "level"],
                condition=Q(user__isnull=False),
                name="policyreminder_ack_once",
            ),
        ]
