"""Records of the bottom layer: the append-only audit log and the notification inbox and outbox,
and the abstract bases of append-only records and once-only "sent" rows.

Their tables keep the names they were created under (``governance_auditentry``,
``governance_notification``): the models moved here without the data moving, and the database
triggers that guard the audit log name its table."""

import uuid

from django.conf import settings
from django.db import models


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete a row of an append-only table."""


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses bulk changes and deletes of an append-only model's rows."""

    def update(self, **kwargs):
        raise AppendOnlyError(self.model.never_changed)

    def delete(self):
        raise AppendOnlyError(self.model.never_deleted)


class AppendOnlyModel(models.Model):
    """A record of something that happened: added, never changed or deleted. Subclasses say so in
    their own words (``never_changed``, ``never_deleted``); a queryset of theirs with methods of
    its own subclasses AppendOnlyQuerySet. The tables that matter most (the audit log, consent
    answers) have database triggers too, as code can always go round a model."""

    never_changed = "These records are never changed: add a new one."
    never_deleted = "These records are never deleted."

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(self.never_changed)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(self.never_deleted)


class SentOnce(models.Model):
    """A record that something was sent (a reminder, a rung of an escalation ladder), written
    before sending by core.once.claim: a subclass's unique constraint says what "once" means."""

    id = models.BigAutoField(primary_key=True)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class AuditEntry(AppendOnlyModel):
    """Who did or saw what, when, and from where. Never changed or deleted (a database trigger
    on PostgreSQL refuses it too)."""

    class Verb(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Changed"
        DELETE = "delete", "Deleted"
        VIEW = "view", "Viewed"
        DOWNLOAD = "download", "Downloaded"
        LOGIN = "login", "Signed in"
        LOGIN_FAILED = "login_failed", "Failed sign-in"
        LOGOUT = "logout", "Signed out"
        TWO_FACTOR = "two_factor", "Two-factor"

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # No index of their own: the (actor, at) and (school, at) indexes below serve every lookup by
    # actor or school, and each index less is less work on every audited write (an MIS import
    # writes hundreds of thousands of entries).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        related_name="+",
    )
    actor_label = models.CharField(max_length=254, blank=True)
    verb = models.CharField(max_length=20, choices=Verb.choices)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    school = models.ForeignKey(
        "accounts.School",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        related_name="+",
    )
    trust = models.ForeignKey(
        "accounts.Trust",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    changes = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    path = models.CharField(max_length=300, blank=True)

    never_changed = "The audit log is append-only."
    never_deleted = "The audit log is append-only."

    class Meta:
        db_table = "governance_auditentry"
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["actor", "at"]),
            models.Index(fields=["school", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.verb} {self.object_type}"


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
        db_table = "governance_notification"
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


class Heartbeat(models.Model):
    """When a background process or periodic job last reported in (Celery beat, each worker, each
    job of the beat schedule): one row per key, overwritten each time, read by the status page."""

    key = models.CharField(max_length=150, primary_key=True)
    at = models.DateTimeField()
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key} at {self.at:%Y-%m-%d %H:%M:%S}"


class StallAlert(SentOnce):
    """The alert that a periodic job has stopped running, sent once per stall: a stall is named by
    the job's last run before it (``since``, or "never"), so a job that recovers and stalls again
    is a new stall."""

    job = models.CharField(max_length=150)
    since = models.CharField(max_length=40)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "since"], name="stall_alert_once")]

    def __str__(self) -> str:
        return f"{self.job} stalled after {self.since}"
