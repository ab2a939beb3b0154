"""Approvals: one request record and one timeline for every kind of request (approvals.kinds
declares each kind's steps, forms and hooks). Each kind keeps its own form fields in a detail model
(approvals.models.details, .blocked and .posts) linked one-to-one to its ``ApprovalRequest``."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts import access
from accounts.models import School
from approvals.models.choices import RequestType
from core.models import AppendOnlyModel, SentOnce


class State(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Waiting for a decision"
    MARKETING_APPROVED = "marketing_approved", "Approved by the marketing officer"
    DIRECTOR_APPROVED = "director_approved", "Approved by the director of marketing"
    ICT_ASSESSED = "ict_assessed", "Assessed by the ICT technician"
    DSL_AGREED = "dsl_agreed", "Agreed by the Designated Safeguarding Lead"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    RETURNED = "returned", "Returned for changes"
    WITHDRAWN = "withdrawn", "Withdrawn"


FINAL_STATES = frozenset({State.APPROVED, State.REJECTED, State.WITHDRAWN})


class ApprovalRequestQuerySet(models.QuerySet):
    def visible_to(self, user, action: str) -> ApprovalRequestQuerySet:
        """Requests of the schools where the user may take the action."""
        return access.scope(self, user, action)


class ApprovalRequest(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=20, unique=True)
    type = models.CharField(max_length=30, choices=RequestType.choices, db_index=True)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="approval_requests")
    title = models.CharField(max_length=200)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="approval_requests"
    )
    state = models.CharField(max_length=30, choices=State.choices, default=State.DRAFT)
    # Every edit of what was asked for bumps the version; an approval holds only for its version.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    state_changed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = ApprovalRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["school", "type", "state"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def workflow(self):
        # Here, not at the top: the declarations (approvals.kinds) name this model, its detail models,
        # forms and services, and are registered only once the app is ready.
        from approvals.workflows import get_workflow

        return get_workflow(self.type)

    @property
    def detail(self):
        """The kind-specific record (the form's fields)."""
        return getattr(self, self.workflow.detail_related_name)


class ApprovalStep(AppendOnlyModel):
    """One step of a request's timeline (submitted, approved, returned …): appended, never changed."""

    never_changed = "Approval steps are never changed; add a new one."
    never_deleted = "Approval steps are never deleted."

    id = models.BigAutoField(primary_key=True)
    request = models.ForeignKey(ApprovalRequest, on_delete=models.PROTECT, related_name="steps")
    step = models.CharField(max_length=40)
    label = models.CharField(max_length=120)
    from_state = models.CharField(max_length=30, choices=State.choices)
    to_state = models.CharField(max_length=30, choices=State.choices)
    version = models.PositiveIntegerField()
    # Empty for what the portal does by itself (blocked-content access expiring at its end).
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    by_role = models.CharField(max_length=120, blank=True)
    comment = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.request.reference} {self.label}"


class ApprovalReminder(SentOnce):
    """A reminder sent about a request: one row per (request, kind, key) so a rerun sends nothing twice."""

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=30)
    key = models.CharField(max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "kind", "key"], name="approvalreminder_once"),
        ]


class RequestVersion(AppendOnlyModel):
    """What one version of a request said, as the deciders read it: kept when the request is changed,
    so that an approval can always be read against the words it approved."""

    never_changed = "A version of a request is never changed; an edit makes a new version."
    never_deleted = "Versions of a request are never deleted."

    id = models.BigAutoField(primary_key=True)
    request = models.ForeignKey(ApprovalRequest, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    # The case page's rows of this version: [label, value] pairs, as shown and printed.
    rows = models.JSONField(default=list)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["request", "number"], name="requestversion_once"),
        ]

    def __str__(self) -> str:
        return f"{self.request.reference} version {self.number}"


def signed_record_path(instance: SignedRecord, filename: str) -> str:
    return f"approvals/signed/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.pdf"


class SignedRecord(AppendOnlyModel):
    """The signed PDF of an approved version, printed once when it was approved, with its hash: what
    is downloaded later is that file, never a print of today's data."""

    never_changed = "A signed record is never changed."
    never_deleted = "Signed records are never deleted."

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.ForeignKey(ApprovalRequest, on_delete=models.PROTECT, related_name="signed_records")
    version = models.PositiveIntegerField()
    file = models.FileField(upload_to=signed_record_path, max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["version"]
        constraints = [
            models.UniqueConstraint(fields=["request", "version"], name="signedrecord_once"),
        ]

    def __str__(self) -> str:
        return f"{self.request.reference} signed record, version {self.version}"
