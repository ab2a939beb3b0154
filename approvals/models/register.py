"""The official accounts register (SPEC §2.2; 004 §2) and the follow-ups it keeps: annual review
reminders and the takedown of posts whose pupils' consent was withdrawn."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from accounts import access
from accounts.models import Pupil, School
from approvals.models.choices import Platform, PostPurpose
from approvals.models.core import ApprovalRequest
from approvals.models.validators import validate_handle, validate_not_password
from core.models import SentOnce


class SchoolOwnedQuerySet(models.QuerySet):
    def visible_to(self, user, action: str):
        """Rows of the schools where the user may take the action."""
        return access.scope(self, user, action)


class OfficialAccount(models.Model):
    """A school or trust social media account, created only by approving a site creation request."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        CLOSED = "closed", "Closed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="official_accounts")
    platform = models.CharField(max_length=20, choices=Platform.choices)
    handle = models.CharField("Handle or web address", max_length=300, validators=[validate_handle])
    purpose = models.TextField()
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    administrators = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="administered_accounts")
    authorised_posters = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="postable_accounts", blank=True
    )
    official_email = models.EmailField("Linked official email address")
    credentials_location = models.CharField(
        "Where the sign-in details are kept", max_length=200, validators=[validate_not_password]
    )
    trust_branded = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    next_review_due = models.DateField("Next annual review", db_index=True)
    last_reviewed_at = models.DateTimeField(null=True, blank=True)
    last_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    last_review_note = models.TextField(blank=True)
    site_request = models.OneToOneField(
        ApprovalRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="official_account"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SchoolOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["platform", "handle"]
        constraints = [
            # One open entry per account: a closed account's handle may be registered again.
            models.UniqueConstraint(
                Lower("handle"),
                "platform",
                condition=~Q(status="closed"),
                name="officialaccount_unique_open",
                violation_error_message="This account is already in the official accounts register.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.handle} ({self.get_platform_display()})"

    @property
    def consent_purpose(self) -> str:
        """The photo consent a post on this account needs."""
        return PostPurpose.TRUST_SOCIAL_MEDIA if self.trust_branded else PostPurpose.SCHOOL_SOCIAL_MEDIA

    def may_post(self, user) -> bool:
        """Is the user an administrator, authorised poster or the moderator of this account?"""
        if user.pk == self.moderator_id:
            return True
        return (
            self.administrators.filter(pk=user.pk).exists()
            or self.authorised_posters.filter(pk=user.pk).exists()
        )

    def clean_related(self) -> None:
        """The register holds at least two administrators for every account (004 App. C)."""
        if self.administrators.count() < 2:
            raise ValidationError(
                {"administrators": "An official account needs at least two administrators."}
            )


class AccountReminder(SentOnce):
    """A reminder sent about an account: one row per (account, kind, key) so a rerun sends nothing twice."""

    account = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=30)
    key = models.CharField(max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "kind", "key"], name="accountreminder_once"),
        ]


class PostTakedownTask(models.Model):
    """An approved post shows a pupil whose consent for its purpose was withdrawn: take it down."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    post = models.ForeignKey("approvals.PostRequest", on_delete=models.PROTECT, related_name="takedown_tasks")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=30)
    academic_year = models.CharField(max_length=9)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)

    objects = SchoolOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["done_at", "created_at"]
        constraints = [
            # A second announcement of the same withdrawal adds nothing while the first is open.
            models.UniqueConstraint(
                fields=["post", "pupil", "purpose"],
                condition=Q(done_at__isnull=True),
                name="posttakedown_open_once",
            ),
        ]

    def __str__(self) -> str:
        return f"Take down {self.post.request.reference}"
