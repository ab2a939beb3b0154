"""Photo and video consent: the register, the annual collection and event briefings.

The register keeps two tables. ``ConsentAnswer`` is the history: every answer a parent gave (or a
member of staff entered from a paper form), never changed or deleted. ``ConsentState`` is the
current answer per pupil, academic year and purpose, written by consent.services in the same
transaction as the answer it points at, so "may this pupil appear?" is one indexed lookup. A pupil
with no state row for a purpose has no consent for it (SPEC §4.1).
"""

from __future__ import annotations

import re
import uuid
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q

from accounts import access
from accounts.models import Pupil, School, Trust
from accounts.roles import Action
from core.models import AppendOnlyModel, AppendOnlyQuerySet, SentOnce

ACADEMIC_YEAR_RE = re.compile(r"^(\d{4})/(\d{2})$")


def validate_academic_year(value: str) -> None:
    """An academic year is written "2026/27": a start year and the next year's last two digits."""
    match = ACADEMIC_YEAR_RE.match(value or "")
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise ValidationError(f"Enter an academic year like 2026/27, not “{value}”.")


class Purpose(models.TextChoices):
    """The uses of a pupil's photo or video a parent is asked about, one answer each."""

    SCHOOL_WEBSITE = "school_website", "School website"
    SCHOOL_SOCIAL_MEDIA = "school_social_media", "School social media"
    TRUST_SOCIAL_MEDIA = "trust_social_media", "Trust social media"
    PRESS_AND_MEDIA = "press_and_media", "Press and media"
    PROSPECTUS_AND_PRINT = "prospectus_and_print", "Prospectus and print"
    INTERNAL_DISPLAYS = "internal_displays", "Internal displays"
    VIDEO_AND_LIVESTREAM = "video_and_livestream", "Video and livestream"


PURPOSE_HINTS = {
    Purpose.SCHOOL_WEBSITE: "Photos and videos on the school's public website.",
    Purpose.SCHOOL_SOCIAL_MEDIA: "Posts on the school's official social media accounts.",
    Purpose.TRUST_SOCIAL_MEDIA: "Posts on the trust's official social media accounts.",
    Purpose.PRESS_AND_MEDIA: "Photos given to newspapers, magazines, television or their websites.",
    Purpose.PROSPECTUS_AND_PRINT: "The school prospectus, leaflets, newsletters and other printed material.",
    Purpose.INTERNAL_DISPLAYS: "Displays inside the school, seen by pupils, staff and visitors.",
    Purpose.VIDEO_AND_LIVESTREAM: "Recorded videos and live broadcasts of school events and lessons.",
}


class Restriction(models.TextChoices):
    """Limits a parent may place on a consent they give."""

    FIRST_NAME_ONLY = "first_name_only", "First name only"
    NO_NAME = "no_name", "No name"
    GROUP_SHOTS_ONLY = "group_shots_only", "Group shots only"


RESTRICTION_HINTS = {
    Restriction.FIRST_NAME_ONLY: "Never their surname or initials with it.",
    Restriction.NO_NAME: "No name at all beside the photo or video.",
    Restriction.GROUP_SHOTS_ONLY: "Only in photos of a group, never on their own.",
}


def validate_restrictions(values: list[str]) -> None:
    """Restrictions are known ones, each at most once, and never both a first name and no name."""
    if not isinstance(values, list) or any(v not in Restriction.values for v in values):
        raise ValidationError("Choose restrictions from the list.")
    if len(set(values)) != len(values):
        raise ValidationError("Each restriction may be chosen once.")
    if Restriction.FIRST_NAME_ONLY in values and Restriction.NO_NAME in values:
        raise ValidationError("Choose either “first name only” or “no name”, not both.")


def ordered_restrictions(values) -> list[str]:
    """Restrictions in the order the form lists them (so equal sets compare and print alike)."""
    chosen = set(values or [])
    return [value for value in Restriction.values if value in chosen]


class Decision(models.TextChoices):
    GIVEN = "given", "Consent given"
    REFUSED = "refused", "Consent refused"
    WITHDRAWN = "withdrawn", "Consent withdrawn"


class Method(models.TextChoices):
    PARENT_ONLINE = "parent_online", "By the parent or carer online"
    PAPER_FORM = "paper_form", "From a paper form, entered by staff"


class ConsentAnswerQuerySet(AppendOnlyQuerySet):
    def visible_to(self, user, action: str = Action.CHECK_CONSENT) -> ConsentAnswerQuerySet:
        """Answers about pupils of the schools where the user may take the action."""
        return access.scope(self, user, action)


class ConsentAnswer(AppendOnlyModel):
    """One answer about one purpose, as given: the register's history, append-only."""

    never_changed = "Consent answers are never changed: record a new answer instead."
    never_deleted = "Consent answers are never deleted (erasure goes through consent_erase)."

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="consent_answers")
    # The pupil's school when the answer was given: it decides who may read the answer.
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    academic_year = models.CharField(max_length=7, validators=[validate_academic_year])
    purpose = models.CharField(max_length=30, choices=Purpose.choices)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    restrictions = models.JSONField(default=list, blank=True, validators=[validate_restrictions])
    # The parent or carer whose answer this is (who holds parental responsibility).
    parent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=20, choices=Method.choices)
    # Who typed it in: the parent themselves, or the member of staff entering a paper form.
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    paper_form_dated = models.DateField("date on the paper form", null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    recorded_at = models.DateTimeField(db_index=True)

    objects = ConsentAnswerQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at"]
        indexes = [models.Index(fields=["pupil", "academic_year", "purpose", "recorded_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="given") | Q(restrictions=[]),
                name="consentanswer_restrictions_only_when_given",
            ),
            models.CheckConstraint(
                condition=Q(method="paper_form") | Q(paper_form_dated__isnull=True),
                name="consentanswer_form_date_only_for_paper",
            ),
        ]

    def __str__(self) -> str:
        purpose, decision = self.get_purpose_display(), self.get_decision_display()
        return f"{purpose} for {self.pupil} ({self.academic_year}): {decision}"

    def get_restrictions_display(self) -> list[str]:
        return [Restriction(value).label for value in self.restrictions]


class ConsentStateQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = Action.CHECK_CONSENT) -> ConsentStateQuerySet:
        """Current answers about pupils of the schools where the user may take the action."""
        return access.scope(self, user, action)

    def without_consent_or_restricted(self) -> ConsentStateQuerySet:
        """Refused, withdrawn, or given with restrictions: the policy's list (003 §10.2)."""
        return self.filter(~Q(decision=Decision.GIVEN) | ~Q(restrictions=[]))


class ConsentState(models.Model):
    """The current answer for one pupil, year and purpose; only consent.services writes it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="consent_states")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    academic_year = models.CharField(max_length=7, validators=[validate_academic_year])
    purpose = models.CharField(max_length=30, choices=Purpose.choices)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    restrictions = models.JSONField(default=list, blank=True)
    answer = models.OneToOneField(ConsentAnswer, on_delete=models.PROTECT, related_name="+")
    parent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=20, choices=Method.choices)
    answered_at = models.DateTimeField()

    objects = ConsentStateQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "academic_year", "purpose"], name="consentstate_one_per_pupil_year_purpose"
            ),
            models.CheckConstraint(
                condition=Q(decision="given") | Q(restrictions=[]),
                name="consentstate_restrictions_only_when_given",
            ),
        ]
        indexes = [models.Index(fields=["school", "academic_year", "purpose", "decision"])]

    def __str__(self) -> str:
        purpose, decision = self.get_purpose_display(), self.get_decision_display()
        return f"{purpose} for {self.pupil} ({self.academic_year}): {decision}"

    @property
    def allows(self) -> bool:
        return self.decision == Decision.GIVEN

    def get_restrictions_display(self) -> list[str]:
        return [Restriction(value).label for value in self.restrictions]


class WithdrawalFollowUp(models.Model):
    """A consent withdrawn (or narrowed) after it was given: published material showing the pupil
    for that purpose must be checked and taken down or edited by the marketing officer."""

    class Kind(models.TextChoices):
        WITHDRAWN = "withdrawn", "Consent withdrawn"
        RESTRICTED = "restricted", "Restrictions added"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    answer = models.OneToOneField(ConsentAnswer, on_delete=models.PROTECT, related_name="follow_up")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    academic_year = models.CharField(max_length=7)
    purpose = models.CharField(max_length=30, choices=Purpose.choices)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    restrictions_added = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["resolved_at", "-created_at"]
        indexes = [models.Index(fields=["school", "resolved_at", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.get_purpose_display()} for {self.pupil}"

    def get_restrictions_added_display(self) -> list[str]:
        return [Restriction(value).label for value in self.restrictions_added]


class CollectionQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = Action.RUN_CONSENT_COLLECTION) -> CollectionQuerySet:
        """A school's collections where the user may act there; a trust-wide one where they may act
        in any of its schools (they then see their own schools' part of it)."""
        schools = access.schools_for(user, action)
        trusts = School.objects.filter(pk__in=schools).values("trust_id")
        return self.filter(Q(school__in=schools) | Q(school__isnull=True, trust__in=trusts))


class Collection(models.Model):
    """The annual consent collection (003 §10.1) for one school or the whole trust."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    # Empty for a collection across every school of the trust.
    school = models.ForeignKey(School, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    academic_year = models.CharField(max_length=7, validators=[validate_academic_year])
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField()
    closes_on = models.DateField()
    message = models.TextField("message to parents", blank=True)

    objects = CollectionQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "academic_year"],
                condition=Q(school__isnull=False),
                name="collection_one_per_school_year",
            ),
            models.UniqueConstraint(
                fields=["trust", "academic_year"],
                condition=Q(school__isnull=True),
                name="collection_one_trust_wide_per_year",
            ),
        ]

    def __str__(self) -> str:
        return f"Consent collection {self.academic_year}: {self.school or 'every school'}"

    @property
    def is_trust_wide(self) -> bool:
        return self.school_id is None

    def is_open_on(self, day: date) -> bool:
        return self.opened_at.date() <= day <= self.closes_on

    def pupils_in_scope(self):
        """The pupils on roll that this collection asks about."""
        pupils = Pupil.objects.filter(is_active=True)
        if self.school_id:
            return pupils.filter(school_id=self.school_id)
        return pupils.filter(school__trust_id=self.trust_id)


class CollectionSchedule(models.Model):
    """The trust's standing decision to open the annual collection by itself (003 §10.1): on the
    same day each academic year, for every school, with the same closing period and message.

    The daily job (consent.tasks.open_scheduled_collections) opens it as the person who set the
    schedule, so the collection is theirs as if they had opened it by hand; if they may no longer
    open it, the job records why (``last_problem``) and the collections page shows it."""

    trust = models.OneToOneField(Trust, on_delete=models.CASCADE, related_name="+")
    opens_day = models.PositiveSmallIntegerField("day it opens")
    opens_month = models.PositiveSmallIntegerField("month it opens")
    weeks_open = models.PositiveSmallIntegerField("weeks it stays open", default=4)
    message = models.TextField("message to parents", blank=True)
    active = models.BooleanField(default=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField()
    last_problem = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_month__gte=1, opens_month__lte=12, opens_day__gte=1, opens_day__lte=31),
                name="collection_schedule_real_day",
            ),
            models.CheckConstraint(
                condition=Q(weeks_open__gte=1, weeks_open__lte=12), name="collection_schedule_weeks"
            ),
        ]

    def __str__(self) -> str:
        return f"Annual consent collection of {self.trust}"

    def opens_in(self, academic_year: str) -> date:
        """The day the collection of an academic year opens (September to August)."""
        start = int(academic_year[:4])
        return date(start if self.opens_month >= 9 else start + 1, self.opens_month, self.opens_day)


class CollectionReminder(SentOnce):
    """One message of a collection to one parent: number 0 is the invitation, then weekly reminders.
    Unique, so running the reminder job twice sends nothing twice."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="reminders")
    parent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "parent", "number"], name="collectionreminder_once_per_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.collection} → {self.parent} (#{self.number})"


class EventQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = Action.CHECK_CONSENT) -> EventQuerySet:
        """Events whose every school is one where the user may check consent."""
        schools = access.schools_for(user, action)
        links = Event.schools.through.objects.filter(event=OuterRef("pk"))
        return self.filter(Exists(links.filter(school__in=schools))).exclude(
            Exists(links.exclude(school__in=schools))
        )


class Event(models.Model):
    """An event or session, possibly with pupils of several schools (001 §14)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    date = models.DateField()
    location = models.CharField(max_length=200, blank=True)
    schools = models.ManyToManyField(School, related_name="+")
    pupils = models.ManyToManyField(Pupil, related_name="+", blank=True)
    # The uses photos and video from the event may be put to; a pupil without consent for any one
    # of them is on the briefing.
    purposes = models.JSONField(default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.date:%d %B %Y})"

    def get_purposes_display(self) -> list[str]:
        return [Purpose(value).label for value in self.purposes]
