"""The forms of site creation, branding and connection requests, field for field, each linked one-to-one
to its ApprovalRequest (blocked content and posts have modules of their own).

Each detail model names the fields of its paper form (004 Appendix A and C; 000 §4.8, §8.1; 004 §2),
checks them in ``clean`` (and its many-to-many fields in ``clean_related``, once saved), and lists
them as (label, value) rows in ``summary_rows`` for the case page and the signed PDF.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts import access
from accounts.models import ParentLink, Pupil
from accounts.roles import Action
from approvals.models.choices import Brand, Group, Platform
from approvals.models.core import ApprovalRequest
from approvals.models.validators import validate_handle, validate_not_password
from core.dates import long_date, long_datetime


def _workforce(school_id):
    return access.users_with(Action.REQUEST_APPROVAL, school_id)


def _names(users) -> str:
    return ", ".join(u.full_name or u.email for u in users)


def until_text(value) -> str:
    """The end of a period: "the end of 28 November 2026" for midnight, otherwise the date and time."""
    if not value:
        return ""
    local = timezone.localtime(value)
    if (local.hour, local.minute) == (0, 0):
        return f"the end of {long_date(local - timedelta(minutes=1))}"
    return long_datetime(local)


def _yes_no(value: bool) -> str:
    return "Yes" if value else "No"


class GroupsMixin:
    """Audience and contributors: checkbox groups with pupils' ages, schools named and other details."""

    def groups_text(self, prefix: str) -> str:
        chosen = getattr(self, prefix) or []
        parts = []
        for value in chosen:
            label = Group(value).label
            if value == Group.PUPILS:
                label += f" (ages {getattr(self, f'{prefix}_pupil_ages')})"
            elif value == Group.OTHER_SCHOOLS:
                label += f" (schools involved: {getattr(self, f'{prefix}_other_schools')})"
            elif value == Group.OTHER:
                label += f" ({getattr(self, f'{prefix}_other_details')})"
            parts.append(label)
        return "; ".join(parts)

    def groups_errors(self, prefix: str, what: str) -> dict:
        chosen = set(getattr(self, prefix) or [])
        errors = {}
        unknown = chosen - set(Group.values)
        if not chosen:
            errors[prefix] = f"Select at least one group for the proposed {what}."
        elif unknown:
            errors[prefix] = f"Select the proposed {what} from the list."  # noqa: S608  # nosec B608 - not SQL
        if Group.PUPILS in chosen and not getattr(self, f"{prefix}_pupil_ages").strip():
            errors[f"{prefix}_pupil_ages"] = "Enter the age range of the pupils of the school."
        if Group.OTHER_SCHOOLS in chosen and not getattr(self, f"{prefix}_other_schools").strip():
            errors[f"{prefix}_other_schools"] = "Name the other schools involved."
        if Group.OTHER in chosen and not getattr(self, f"{prefix}_other_details").strip():
            errors[f"{prefix}_other_details"] = f"Give details of the other {what}."
        return errors


class SiteCreationRequest(GroupsMixin, models.Model):
    """004 Appendix C: social media site creation approval form."""

    request = models.OneToOneField(
        ApprovalRequest, on_delete=models.CASCADE, primary_key=True, related_name="site_creation"
    )
    team = models.CharField("Team details", max_length=200)
    department = models.CharField("Department", max_length=200)
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="Moderator of site"
    )
    purpose = models.TextField("Purpose of using social media")
    description = models.TextField(
        "Please describe why you want to set up this site and the content of the site"
    )
    aims = models.TextField("What are your aims and what do you hope to achieve by setting up this site?")
    proposed_content = models.TextField("What is the proposed content of the site?")
    audience = models.JSONField("Proposed audience of the site", default=list)
    audience_pupil_ages = models.CharField("Ages of the pupils in the audience", max_length=50, blank=True)
    audience_other_schools = models.TextField("Schools involved (audience)", blank=True)
    audience_other_details = models.TextField("Other audience: details", blank=True)
    contributors = models.JSONField("Proposed contributors to the site", default=list)
    contributors_pupil_ages = models.CharField("Ages of the pupils contributing", max_length=50, blank=True)
    contributors_other_schools = models.TextField("Schools involved (contributors)", blank=True)
    contributors_other_details = models.TextField("Other contributors: details", blank=True)
    administrators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", verbose_name="Names of administrators"
    )
    authorised_posters = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", blank=True, verbose_name="Other staff authorised to post"
    )
    vetter_name = models.CharField("Who will vet external contributors: name", max_length=200, blank=True)
    vetter_role = models.CharField("Who will vet external contributors: job role", max_length=200, blank=True)
    host = models.CharField("Who will host the site?", max_length=200)
    go_live = models.DateField("Proposed date of going live")
    recruitment = models.TextField("How do you propose to advertise for contributors?")
    parental_consent = models.TextField(
        "If contributors include pupils, how do you propose to inform and obtain the consent of parents "
        "or responsible adults?",
        blank=True,
    )
    security_measures = models.TextField(
        "What security measures will you take to prevent unwanted or unsuitable individuals from "
        "contributing or becoming 'friends' and 'followers' of the site?"
    )
    platform = models.CharField("Platform", max_length=20, choices=Platform.choices)
    handle = models.CharField("Proposed handle or web address", max_length=300, validators=[validate_handle])
    official_email = models.EmailField("Official school or trust email address the account is linked to")
    credentials_location = models.CharField(
        "Where the sign-in details will be kept",
        max_length=200,
        validators=[validate_not_password],
        help_text="For example “Trust password manager, vault Marketing”. Never the password itself.",
    )
    trust_branded = models.BooleanField("The site uses the trust's name or branding", default=False)

    def __str__(self) -> str:
        return self.make_title()

    def make_title(self) -> str:
        return f"{self.get_platform_display()} site: {self.team}"[:200]

    def clean(self) -> None:
        super().clean()
        errors = {}
        errors.update(self.groups_errors("audience", "audience"))
        errors.update(self.groups_errors("contributors", "contributors"))
        contributors = set(self.contributors or [])
        if contributors & {Group.PUPILS, Group.OTHER_SCHOOLS} and not self.parental_consent.strip():
            errors["parental_consent"] = (
                "Pupils will contribute: say how parents or responsible adults will be informed and "
                "their consent obtained."
            )
        if contributors - {Group.STAFF}:
            if not self.vetter_name.strip():
                errors["vetter_name"] = "Enter the name of the person who will vet external contributors."
            if not self.vetter_role.strip():
                errors["vetter_role"] = "Enter the job role of the person who will vet external contributors."
        if self._state.adding and self.go_live and self.go_live < timezone.localdate():
            errors["go_live"] = "The proposed date of going live must be today or in the future."
        request = getattr(self, "request", None)
        if self.moderator_id and request is not None and request.school_id:
            if not _workforce(request.school_id).filter(pk=self.moderator_id).exists():
                errors["moderator"] = "The moderator must be a member of staff of the school."
        if errors:
            raise ValidationError(errors)

    def clean_related(self) -> None:
        """At least two approved administrators, all of them (and any posters) staff of the school."""
        admins = list(self.administrators.values_list("pk", flat=True))
        if len(admins) < 2:
            raise ValidationError(
                {"administrators": "Name at least two administrators: the site must have two."}
            )
        staff = set(_workforce(self.request.school_id).values_list("pk", flat=True))
        if set(admins) - staff:
            raise ValidationError(
                {"administrators": "Every administrator must be a member of staff of the school."}
            )
        if set(self.authorised_posters.values_list("pk", flat=True)) - staff:
            raise ValidationError({"authorised_posters": "Authorised posters must be staff of the school."})

    def summary_rows(self) -> list[tuple[str, str]]:
        return [
            ("Team details", self.team),
            ("Department", self.department),
            ("Moderator of site", str(self.moderator)),
            ("Platform", self.get_platform_display()),
            ("Proposed handle or web address", self.handle),
            ("Uses the trust's name or branding", _yes_no(self.trust_branded)),
            ("Purpose of using social media", self.purpose),
            ("Why this site, and its content", self.description),
            ("Aims and what the site should achieve", self.aims),
            ("Proposed content of the site", self.proposed_content),
            ("Proposed audience of the site", self.groups_text("audience")),
            ("Proposed contributors to the site", self.groups_text("contributors")),
            ("Names of administrators", _names(self.administrators.all())),
            ("Other staff authorised to post", _names(self.authorised_posters.all()) or "None"),
            (
                "Who will vet external contributors",
                f"{self.vetter_name}, {self.vetter_role}" if self.vetter_name else "Not applicable",
            ),
            ("Who will host the site", self.host),
            ("Proposed date of going live", long_date(self.go_live)),
            ("How contributors will be recruited", self.recruitment),
            ("How parents' consent will be obtained", self.parental_consent or "Not applicable"),
            ("Security measures", self.security_measures),
            ("Official email address linked to the account", self.official_email),
            ("Where the sign-in details will be kept", self.credentials_location),
        ]


class BrandingRequest(models.Model):
    """000 §4.8, §9.4: permission to use the trust's or the school's branding on social media."""

    request = models.OneToOneField(
        ApprovalRequest, on_delete=models.CASCADE, primary_key=True, related_name="branding"
    )
    brand = models.CharField("Branding to be used", max_length=10, choices=Brand.choices)
    platform = models.CharField("Platform", max_length=20, choices=Platform.choices)
    where = models.CharField("Account, page or web address where it will appear", max_length=300)
    usage = models.TextField("How the branding will be used")
    reason = models.TextField("Why it is needed")
    start_date = models.DateField("Date it will first be used")
    end_date = models.DateField("Date it will stop being used", null=True, blank=True)

    def __str__(self) -> str:
        return self.make_title()

    def make_title(self) -> str:
        return f"Branding on {self.get_platform_display()}: {self.where}"[:200]

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self._state.adding and self.start_date and self.start_date < timezone.localdate():
            errors["start_date"] = "The date it will first be used must be today or in the future."
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = "The end date must be on or after the date it will first be used."
        if errors:
            raise ValidationError(errors)

    def summary_rows(self) -> list[tuple[str, str]]:
        return [
            ("Branding to be used", self.get_brand_display()),
            ("Platform", self.get_platform_display()),
            ("Where it will appear", self.where),
            ("How the branding will be used", self.usage),
            ("Why it is needed", self.reason),
            ("First used", long_date(self.start_date)),
            ("Stops being used", long_date(self.end_date) or "Ongoing"),
        ]


class ConnectionRequest(models.Model):
    """000 §8.1: a member of staff asks to connect online with a pupil or a parent for a school reason."""

    request = models.OneToOneField(
        ApprovalRequest, on_delete=models.CASCADE, primary_key=True, related_name="connection"
    )
    staff_member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="Member of staff"
    )
    pupil = models.ForeignKey(
        Pupil, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="Pupil"
    )
    parent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="Parent or carer",
    )
    platform = models.CharField("Platform", max_length=20, choices=Platform.choices)
    profile = models.CharField("The profile you will use", max_length=200)
    reason = models.TextField("The legitimate school reason for connecting")
    until = models.DateField("Date the connection will end", null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(pupil__isnull=False) & Q(parent__isnull=True))
                | (Q(pupil__isnull=True) & Q(parent__isnull=False)),
                name="connection_with_one_person",
            )
        ]

    def __str__(self) -> str:
        return self.make_title()

    def make_title(self) -> str:
        who = "a pupil" if self.pupil_id else "a parent"
        return f"Connect with {who} on {self.get_platform_display()}"

    def clean(self) -> None:
        super().clean()
        request = getattr(self, "request", None)
        school_id = request.school_id if request is not None else None
        if bool(self.pupil_id) == bool(self.parent_id):
            raise ValidationError("Choose either one pupil or one parent or carer.")
        if self.pupil_id and school_id and self.pupil.school_id != school_id:
            raise ValidationError({"pupil": "Choose a pupil of the school."})
        if self.parent_id and school_id:
            if not ParentLink.objects.filter(parent_id=self.parent_id, pupil__school_id=school_id).exists():
                raise ValidationError({"parent": "Choose a parent or carer of a pupil of the school."})
        if self.until and self.until < timezone.localdate() and self._state.adding:
            raise ValidationError({"until": "The end date must be today or in the future."})

    def summary_rows(self) -> list[tuple[str, str]]:
        if self.pupil_id:
            who = ("Pupil", f"{self.pupil.full_name} ({self.pupil.get_year_group_display()})")
        else:
            who = ("Parent or carer", str(self.parent))
        return [
            ("Member of staff", str(self.staff_member)),
            who,
            ("Platform", self.get_platform_display()),
            ("Profile the member of staff will use", self.profile),
            ("Legitimate school reason", self.reason),
            ("Connection ends", long_date(self.until) or "Not set"),
        ]
