"""Governance registers: policies and their acknowledgements, training, retention and trustees'
reports. Imported by governance.models so Django finds them under the governance app."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts import access
from accounts.models import School, Trust
from core import registries
from core.calendar import term_of
from core.models import SentOnce


class PolicyQuerySet(models.QuerySet):
    def visible_to(self, user, action: str) -> PolicyQuerySet:
        """Policies of the schools where the user may take the action, and their trusts' own."""
        schools = access.schools_for(user, action)
        trusts = School.objects.filter(pk__in=schools).values("trust_id")
        return self.filter(Q(school_id__in=schools) | Q(school__isnull=True, trust_id__in=trusts))


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


class TrusteeReport(models.Model):
    """A generated trustees' report (aggregate figures only), kept as a private file."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="trustee_reports")
    term = models.CharField(max_length=20)
    # The termly run makes one per term; on-demand reports may be made at any time.
    scheduled = models.BooleanField(default=False)
    file = models.FileField(upload_to="trustee-reports/")
    # The figures the file shows (governance.dashboards.Dashboard.to_data), and what each incident
    # counted in them added (dashboards.counted_incidents): a reader named in one of those
    # incidents is given the same report without it (governance.reports.trustee_report_pdf_for).
    figures = models.JSONField(default=dict, blank=True)
    counted = models.JSONField(default=dict, blank=True)
    generated_at = models.DateTimeField(auto_now_add=True)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-generated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["trust", "term"],
                condition=Q(scheduled=True),
                name="trusteereport_one_scheduled_per_term",
            ),
        ]

    def __str__(self) -> str:
        return f"Trustees' report {self.term}"


class TrainingReminder(SentOnce):
    """A "training due" reminder already sent to a member of staff for a term (sent once)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    term = models.CharField(max_length=20)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "term"], name="trainingreminder_once_per_term"),
        ]
