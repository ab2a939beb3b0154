"""An incident: what the reporter submitted, the people named, its evidence and its timeline.

Court-safe by construction: what a reporter submitted is never changed; every later step is a new
``IncidentEvent``. The few current-state fields on ``Incident`` (status, severity, assignee,
deadlines) are written only by incidents.services, each change alongside its event; the status
moves only as incidents.workflows allows.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts import access
from accounts.models import Pupil, School
from core.models import AppendOnlyModel
from incidents.models.choices import HANDLER_ACTIONS, Kind, Severity, Status
from incidents.models.platforms import Platform


class IncidentQuerySet(models.QuerySet):
    def visible_to(self, user) -> IncidentQuerySet:
        """Incidents the user handles: by each incident's handling action, school and subject exclusion."""
        return access.scope_by_action_field(
            self, user, action_field="handler_action", actions=HANDLER_ACTIONS
        )

    def reported_by(self, user) -> IncidentQuerySet:
        """A reporter's own reports (they see their status, never the handlers' notes)."""
        return self.filter(reporter=user)


class Incident(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=20, unique=True)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="incidents")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    # Who handles it (SPEC §3.3): the action the access table gives the handler, set when reported.
    handler_action = models.CharField(max_length=40)  # one of HANDLER_ACTIONS

    # What the reporter submitted: never changed afterwards.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reported_incidents"
    )
    reported_at = models.DateTimeField(auto_now_add=True, db_index=True)
    occurred_at = models.DateTimeField("when it happened", null=True, blank=True)
    seen_at = models.DateTimeField("when it was seen")
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, null=True, blank=True)
    platform_other = models.CharField("other platform or website", max_length=100, blank=True)
    urls = models.JSONField("web addresses", default=list, blank=True)
    description = models.TextField("what it shows")
    nature = models.JSONField(default=list, blank=True)
    immediate_risk = models.BooleanField("a child is at immediate risk", default=False)
    on_school_device = models.BooleanField("seen or accessed on a school device or network", default=False)
    accessed_by = models.CharField(
        "name of the person who accessed the content (if known)", max_length=200, blank=True
    )

    # Current state, each change written with its IncidentEvent.
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    severity = models.IntegerField(choices=Severity.choices, default=Severity.UNSET)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_incidents",
    )
    respond_by = models.DateTimeField("first response due")
    safeguarding_flag = models.BooleanField(default=False)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-reported_at"]
        indexes = [
            models.Index(fields=["school", "handler_action", "status"]),
            models.Index(fields=["status", "-severity", "respond_by"]),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED

    @classmethod
    def subject_exclusion_q(cls, user) -> Q:
        """Incidents naming the user (as a member of staff or as a pupil with a login)."""
        # Two subqueries, each an index lookup: one with OR across the join to pupils read every
        # person named in every incident on each queue page.
        return Q(pk__in=IncidentPerson.objects.filter(user=user).values("incident_id")) | Q(
            pk__in=IncidentPerson.objects.filter(pupil__user=user).values("incident_id")
        )

    def is_subject(self, user) -> bool:
        """Is the user named in this incident?"""
        return self.people.filter(Q(user=user) | Q(pupil__user=user)).exists()


class IncidentPerson(models.Model):
    """Someone involved: a pupil or member of staff from the directory, or a description."""

    class Role(models.TextChoices):
        SUBJECT = "subject", "The person the concern is about"
        AFFECTED = "affected", "Affected (for example bullied)"
        ALLEGED = "alleged", "Alleged to be responsible"
        WITNESS = "witness", "Witness"

    class Identity(models.TextChoices):
        PUPIL = "pupil", "Pupil"
        STAFF = "staff", "Member of staff"
        DESCRIBED = "described", "Described"
        UNKNOWN = "unknown", "Unknown or anonymous account"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="people")
    role = models.CharField(max_length=20, choices=Role.choices)
    identity = models.CharField(max_length=20, choices=Identity.choices)
    pupil = models.ForeignKey(
        Pupil, on_delete=models.PROTECT, null=True, blank=True, related_name="incident_links"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    description = models.CharField(max_length=300, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(identity="pupil") & Q(pupil__isnull=False) & Q(user__isnull=True))
                | (Q(identity="staff") & Q(user__isnull=False) & Q(pupil__isnull=True))
                | (Q(identity__in=["described", "unknown"]) & Q(pupil__isnull=True) & Q(user__isnull=True)),
                name="incidentperson_identity_matches_link",
            ),
        ]
        indexes = [models.Index(fields=["pupil", "incident"]), models.Index(fields=["user", "incident"])]

    def __str__(self) -> str:
        if self.pupil_id:
            return str(self.pupil)
        if self.user_id:
            return str(self.user)
        return self.description or self.get_identity_display()


def evidence_path(instance: Evidence, filename: str) -> str:
    # The stored name never contains what the uploader called the file.
    return f"evidence/{instance.incident.school_id}/{instance.incident_id}/{instance.id}"


class Evidence(AppendOnlyModel):
    """A screenshot or file (001 §9.2), stored privately and hashed on upload: never changed or
    deleted (database triggers refuse it too), so the hash recorded is the one taken on upload."""

    never_changed = "Evidence is never changed; add the corrected file as new evidence."
    never_deleted = "Evidence is never deleted."

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    captured_at = models.DateTimeField("when the screenshot was taken", null=True, blank=True)
    source_url = models.URLField("address of the site", max_length=500, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def school_id(self):
        return self.incident.school_id


class IncidentEvent(AppendOnlyModel):
    """One step of an incident's timeline: appended, never changed."""

    never_changed = "Incident events are never changed; add a new one."
    never_deleted = "Incident events are never deleted."

    class Type(models.TextChoices):
        REPORTED = "reported", "Reported"
        ROUTED = "routed", "Routed"
        ASSIGNED = "assigned", "Assigned"
        SEVERITY = "severity", "Severity set"
        NOTE = "note", "Note"
        ACTION = "action", "Action taken"
        REFERRAL = "referral", "Referral made"
        PUPIL_LINKED = "pupil_linked", "Pupil linked"
        STAFF_LINKED = "staff_linked", "Member of staff named"
        EVIDENCE = "evidence", "Evidence added"
        FLAG = "flag", "Safeguarding flag"
        TAKEDOWN = "takedown", "Takedown"
        ESCALATION = "escalation", "Escalation"
        ICT_ACTION = "ict_action", "ICT action"
        CLOSED = "closed", "Closed"
        REOPENED = "reopened", "Reopened"

    class Agency(models.TextChoices):
        POLICE = "police", "Police"
        CEOP = "ceop", "CEOP"
        SOCIAL_CARE = "social_care", "Children's social care"
        LADO = "lado", "Local authority designated officer (LADO)"
        EARLY_HELP = "early_help", "Early help"

    id = models.BigAutoField(primary_key=True)
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="events")
    type = models.CharField(max_length=20, choices=Type.choices)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    text = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    # Only handlers see internal events; the reporter sees the status changes.
    visible_to_reporter = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.incident} {self.get_type_display()}"
