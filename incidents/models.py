"""Incidents: what people saw online, the case each becomes, its evidence, takedowns and timeline.

Court-safe by construction: what a reporter submitted is never changed; every later step is a new
``IncidentEvent``. The few current-state fields on ``Incident`` (status, severity, assignee,
deadlines) are written only by incidents.services, each change alongside its event.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts import access
from accounts.models import Pupil, School
from accounts.roles import Action
from core.models import AppendOnlyModel, SentOnce


class Platform(models.Model):
    """A social media platform and the minimum age its terms set (000 §3.2), editable by the trust."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=60, unique=True)
    minimum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Kind(models.TextChoices):
    SAFEGUARDING = "safeguarding", "Online safeguarding concern"
    CYBERBULLYING_PUPIL = "cyberbullying_pupil", "Cyberbullying of a pupil"
    CYBERBULLYING_STAFF = "cyberbullying_staff", "Cyberbullying of a member of staff"
    PUPIL_CONTACT = "pupil_contact", "Contact from a pupil on social media"
    UNDER_AGE = "under_age", "Pupil on a platform below its minimum age"
    STAFF_CONDUCT = "staff_conduct", "Concern about a member of staff's online conduct"
    INAPPROPRIATE_CONTENT = (
        "inappropriate_content",
        "Inappropriate content seen or accessed on a school device",
    )
    ABUSIVE_COMMENT = "abusive_comment", "Abusive comment on a school account"
    MEDIA_ENQUIRY = "media_enquiry", "Media enquiry received through social media"


class Nature(models.TextChoices):
    """Unacceptable content (000 §4.2)."""

    ABUSIVE = "abusive", "Abusive"
    COMMERCIALLY_SENSITIVE = "commercially_sensitive", "Commercially sensitive"
    CONFIDENTIAL = "confidential", "Confidential"
    DEFAMATORY = "defamatory", "Defamatory"
    DISCRIMINATORY = "discriminatory", "Discriminatory"
    FRAUDULENT = "fraudulent", "Fraudulent"
    COPYRIGHT = "copyright", "In violation of copyright laws"
    INDECENT = "indecent", "Indecent"
    BULLYING = "bullying", "Likely to be considered bullying or victimisation"
    HARASSMENT = "harassment", "Likely to be considered harassment (related to protected characteristics)"
    OFFENSIVE_LIKELY = "offensive_likely", "Likely to be considered offensive"
    REPUTATIONAL = "reputational", "Likely to cause reputational damage"
    IDENTIFIES = "identifies", "Likely to identify an individual, without the permission of the individual"
    VIOLENCE = "violence", "Likely to promote violence or terrorism"
    MALICIOUS = "malicious", "Malicious"
    MISLEADING = "misleading", "Misleading"
    OBSCENE = "obscene", "Obscene"
    OFFENSIVE = "offensive", "Offensive (for example, racially, religiously, sexually or politically)"
    PORNOGRAPHIC = "pornographic", "Pornographic"
    UNLAWFUL = "unlawful", "Unlawful"
    SAFEGUARDING = "safeguarding", "Raises a safeguarding concern"


class Severity(models.IntegerChoices):
    # Higher is more urgent; the queue sorts on it.
    UNSET = 0, "Not yet assessed"
    LOW = 1, "Low"
    MEDIUM = 2, "Medium"
    HIGH = 3, "High"
    CRITICAL = 4, "Critical"


class Status(models.TextChoices):
    NEW = "new", "New"
    IN_PROGRESS = "in_progress", "In progress"
    CLOSED = "closed", "Closed"


# The actions that can govern an incident's handling (see incidents.routing).
HANDLER_ACTIONS = (
    Action.TRIAGE_INCIDENTS,
    Action.HANDLE_STAFF_CONDUCT,
    Action.HANDLE_HEADTEACHER_CONDUCT,
    Action.RECORD_ICT_ACTIONS,
    Action.MODERATE_ACCOUNTS,
    Action.HANDLE_MEDIA_ENQUIRIES,
)


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


class Evidence(models.Model):
    """A screenshot or file (001 §9.2), stored privately and hashed on upload."""

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


class Takedown(models.Model):
    """Getting content removed within 24 hours of the report (001 §16.3–16.6)."""

    class Status(models.TextChoices):
        OPEN = "open", "Removal not yet requested"
        REQUESTED = "requested", "Removal requested"
        ESCALATED = "escalated", "Escalated"
        REMOVED = "removed", "Removal confirmed"
        WITHDRAWN = "withdrawn", "No longer needed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="takedowns")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    content_url = models.URLField("address of the content", max_length=500)
    host = models.CharField("who hosts it", max_length=120, blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    deadline = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    removal_requested_at = models.DateTimeField(null=True, blank=True)
    removal_reference = models.CharField(max_length=120, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["deadline"]
        indexes = [
            models.Index(
                fields=["deadline"],
                condition=Q(closed_at__isnull=True),
                name="takedown_open_deadline_idx",
            )
        ]

    def __str__(self) -> str:
        return f"Takedown for {self.incident}"

    @classmethod
    def subject_exclusion_q(cls, user) -> Q:
        """Takedowns of incidents that name the user: hidden from them with the incident."""
        return Q(incident__in=Incident.objects.filter(Incident.subject_exclusion_q(user)).values("pk"))

    def is_subject(self, user) -> bool:
        return self.incident.is_subject(user)

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class TakedownStep(AppendOnlyModel):
    """One recorded step of a takedown: appended, never changed."""

    never_changed = "Takedown steps are never changed; add a new one."
    never_deleted = "Takedown steps are never deleted."

    class Type(models.TextChoices):
        OPENED = "opened", "Takedown opened"
        REMOVAL_REQUESTED = "removal_requested", "Removal requested from the host"
        CHECKED = "checked", "Checked whether the content is still there"
        REMOVAL_CONFIRMED = "removal_confirmed", "Removal confirmed"
        ESCALATED_HELPLINE = "escalated_helpline", "Escalated to the Professionals Online Safety Helpline"
        ESCALATED_RHC = "escalated_rhc", "Escalated to Report Harmful Content"
        ESCALATED_ISP = "escalated_isp", "Escalated to the internet service provider"
        POLICE_REPORTED = "police_reported", "Reported to the police or CEOP"
        SUPPORT_OFFERED = "support_offered", "Support offered"
        WITHDRAWN = "withdrawn", "No longer needed"

    id = models.BigAutoField(primary_key=True)
    takedown = models.ForeignKey(Takedown, on_delete=models.PROTECT, related_name="steps")
    type = models.CharField(max_length=30, choices=Type.choices)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=120, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]


class TakedownNotice(SentOnce):
    """A rung of the escalation ladder sent for a takedown: one row per level, so never twice."""

    takedown = models.ForeignKey(Takedown, on_delete=models.CASCADE, related_name="notices")
    level = models.CharField(max_length=20)  # "12h", "20h", "24h", then "day-2", "day-3", …

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["takedown", "level"], name="takedownnotice_once_per_level")
        ]


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
