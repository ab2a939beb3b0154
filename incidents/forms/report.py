"""The report form: one page that a person on a phone finishes in under a minute (SPEC §3.1–3.2)."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import access
from accounts.models import Pupil, School, User
from accounts.roles import Action
from core.forms import date_field
from incidents.forms.fields import (
    MultipleFileField,
    TimeOfDayField,
    clean_url_lines,
    now_parts,
    uk_moment,
    yes_no_field,
)
from incidents.models import IncidentPerson, Kind, Nature, Platform
from incidents.services import PersonInvolved
from incidents.services.evidence import check_evidence_file

OTHER = "other"
CHOOSE_SEVERAL = "On a phone, tap each name. On a computer, hold Ctrl (Cmd on a Mac) to choose more than one."

# Pupils and parents choose from the kinds that make sense to them; "Something else" is filed as
# an online safeguarding concern so that the Designated Safeguarding Lead reads it.
COMMUNITY_KINDS = [
    (Kind.SAFEGUARDING.value, Kind.SAFEGUARDING.label),
    (Kind.CYBERBULLYING_PUPIL.value, Kind.CYBERBULLYING_PUPIL.label),
    (
        Kind.PUPIL_CONTACT.value,
        "Contact on social media that worries you (a message, friend request or follow)",
    ),
    (OTHER, "Something else"),
]

# How the people a reporter names are recorded; the handler can link others with their own role.
Role = IncidentPerson.Role
NAMED_PUPIL_ROLE = {Kind.CYBERBULLYING_PUPIL: Role.AFFECTED}
NAMED_STAFF_ROLE = {
    Kind.CYBERBULLYING_STAFF: Role.AFFECTED,
    Kind.PUPIL_CONTACT: Role.AFFECTED,
    Kind.ABUSIVE_COMMENT: Role.AFFECTED,
}
DESCRIBED_ROLE = {
    Kind.CYBERBULLYING_PUPIL: Role.ALLEGED,
    Kind.CYBERBULLYING_STAFF: Role.ALLEGED,
    Kind.ABUSIVE_COMMENT: Role.ALLEGED,
}


class PupilChoice(forms.ModelMultipleChoiceField):
    def __init__(self, *args, show_school: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.show_school = show_school

    def label_from_instance(self, pupil: Pupil) -> str:
        label = f"{pupil.last_name}, {pupil.first_name} ({pupil.get_year_group_display()})"
        return f"{label} – {pupil.school.name}" if self.show_school else label


class StaffChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user: User) -> str:
        return user.full_name or user.email


class ReportForm(forms.Form):
    """Report a concern. Workforce members may name pupils and staff from their school's directory."""

    kind = forms.ChoiceField(
        label="What are you reporting?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select what you are reporting"},
    )
    accessed_by = forms.CharField(
        label="Name of the person who accessed the content (if known)",
        help_text="For inappropriate content seen or accessed on a school device: an ICT technician will "
        "block the site and record the action taken.",
        required=False,
        max_length=200,
    )
    immediate_risk = yes_no_field(
        "Is a child at immediate risk of harm?",
        help_text="If a child is in danger now, call 999 first, then send this report.",
        required_message="Select yes if a child is at immediate risk of harm",
    )
    school = forms.ModelChoiceField(
        label="Which school is this about?",
        queryset=School.objects.none(),
        empty_label="Choose a school",
        error_messages={
            "required": "Choose the school this is about",
            "invalid_choice": "Choose one of your schools",
        },
    )
    description = forms.CharField(
        label="What does it show?",
        help_text="Describe what you saw and who it is about. If it is a nude or sexual image of anyone "
        "under 18, do not copy, save or send it: describe it here instead.",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter what it shows"},
    )
    platform = forms.ChoiceField(
        label="Where did you see it?",
        error_messages={"required": "Choose where you saw it", "invalid_choice": "Choose where you saw it"},
    )
    platform_other = forms.CharField(
        label="If another platform or website, which one?", required=False, max_length=100
    )
    urls = forms.CharField(
        label="Web addresses (if you have them)",
        help_text="Copy the address of each post, page or profile, one on each line.",
        required=False,
        max_length=12000,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocapitalize": "none"}),
    )
    seen_date = date_field("When did you see it?", name="date you saw it")
    seen_time = TimeOfDayField(
        label="Time you saw it",
        help_text="For example 14:30 or 2:30pm",
        invalid="Enter the time you saw it, for example 14:30 or 2:30pm",
        error_messages={"required": "Enter the time you saw it"},
    )
    occurred_date = date_field(
        "When did it happen? (if you know)",
        required=False,
        help_text="For example when it was posted or sent.",
        name="date it happened",
    )
    occurred_time = TimeOfDayField(
        label="Time it happened (if you know)",
        required=False,
        invalid="Enter the time it happened, for example 14:30 or 2:30pm",
    )
    nature = forms.MultipleChoiceField(
        label="What is it like? (select all that apply)",
        required=False,
        choices=Nature.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    on_school_device = forms.BooleanField(
        label="It was seen or accessed on a school device or the school network", required=False
    )
    pupils = PupilChoice(
        label="Pupils involved",
        help_text=CHOOSE_SEVERAL,
        queryset=Pupil.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        error_messages={
            "invalid_choice": "Choose pupils from the list",
            "invalid_pk_value": "Choose pupils from the list",
        },
    )
    staff = StaffChoice(
        label="Staff involved",
        help_text=CHOOSE_SEVERAL,
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
        error_messages={
            "invalid_choice": "Choose staff from the list",
            "invalid_pk_value": "Choose staff from the list",
        },
    )
    others = forms.CharField(
        label="Describe anyone else involved",
        help_text="For example a name, a username or how they are connected to the school.",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    unknown_account = forms.BooleanField(label="It came from an unknown or anonymous account", required=False)
    evidence = MultipleFileField(
        label="Screenshots or files (optional)",
        help_text="Photos, screenshots, PDFs or videos, up to 10 files. Include the date, time and address "
        "of the site in the screenshot if you can.",
        required=False,
    )
    staged = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.schools = list(access.schools_queryset(user, Action.REPORT_CONCERN))
        self.directory_schools = [s for s in self.schools if access.can(user, Action.VIEW_PUPIL_DIRECTORY, s)]
        self.workforce = bool(self.directory_schools)
        self.valid_uploads: list = []
        self.upload_types: dict[int, str] = {}

        if len(self.schools) == 1:
            del self.fields["school"]
        else:
            self.fields["school"].queryset = access.schools_queryset(user, Action.REPORT_CONCERN)
        if self.workforce:
            self.fields["kind"].choices = Kind.choices
            several = len(self.directory_schools) > 1
            self.fields["pupils"].queryset = (
                Pupil.objects.filter(school__in=self.directory_schools, is_active=True)
                .select_related("school")
                .order_by("last_name", "first_name")
            )
            self.fields["pupils"].show_school = several
            self.fields["staff"].queryset = access.staff_of(self.directory_schools).order_by("full_name")
        else:
            self.fields["kind"].choices = COMMUNITY_KINDS
            for name in ("pupils", "staff", "accessed_by", "on_school_device"):
                del self.fields[name]
        platforms = Platform.objects.filter(is_active=True).order_by("name")
        self.fields["platform"].choices = [
            ("", "Choose where you saw it"),
            *[(str(p.pk), p.name) for p in platforms],
            (OTHER, "Another platform or website"),
        ]
        self.platforms = {str(p.pk): p for p in platforms}
        if not self.is_bound:
            today, now = now_parts()
            self.initial.setdefault("seen_date", today)
            self.initial.setdefault("seen_time", now)

    @property
    def school_choice(self) -> School | None:
        """The school reported to: the only one, or the one chosen."""
        if "school" not in self.fields:
            return self.schools[0] if self.schools else None
        return self.cleaned_data.get("school") if hasattr(self, "cleaned_data") else None

    def clean_urls(self):
        return clean_url_lines(self.cleaned_data.get("urls", ""))

    def clean_platform(self):
        value = self.cleaned_data["platform"]
        return None if value == OTHER else self.platforms[value]

    def clean_evidence(self):
        uploads = self.cleaned_data.get("evidence") or []
        errors = []
        self.valid_uploads = []
        for upload in uploads:
            try:
                self.upload_types[id(upload)] = check_evidence_file(upload)
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                self.valid_uploads.append(upload)
        if errors:
            raise ValidationError(errors)
        return self.valid_uploads

    def clean(self):
        data = super().clean()
        now = timezone.now()
        if self.data.get(self.add_prefix("platform")) == OTHER and not data.get("platform_other", "").strip():
            self.add_error("platform_other", "Enter the name of the platform or website")
        seen = None
        if data.get("seen_date") and data.get("seen_time"):
            seen = uk_moment(data["seen_date"], data["seen_time"])
            if seen > now + timedelta(minutes=5):
                self.add_error("seen_date", "The date and time you saw it must be in the past")
        data["seen_at"] = seen
        occurred = None
        if data.get("occurred_time") and not data.get("occurred_date"):
            self.add_error("occurred_date", "Enter the date it happened, or leave the time empty")
        elif data.get("occurred_date"):
            occurred = uk_moment(data["occurred_date"], data.get("occurred_time"))
            if occurred > now + timedelta(minutes=5):
                self.add_error("occurred_date", "The date it happened must be in the past")
            elif seen and occurred.date() > seen.date():
                self.add_error(
                    "occurred_date", "The date it happened must be on or before the date you saw it"
                )
        data["occurred_at"] = occurred
        school = self.school_choice
        if school is not None:
            for pupil in data.get("pupils") or []:
                if pupil.school_id != school.pk:
                    self.add_error(
                        "pupils", f"{pupil.full_name} is not at {school.name}. Choose pupils at that school."
                    )
            staff = data.get("staff") or []
            if staff:
                at_school = set(
                    access.staff_of([school.pk])
                    .filter(pk__in=[p.pk for p in staff])
                    .values_list("pk", flat=True)
                )
                for person in staff:
                    if person.pk not in at_school:
                        self.add_error(
                            "staff", f"{person} does not work at {school.name}. Choose staff at that school."
                        )
        return data

    @property
    def kind_value(self) -> str:
        """The kind to file: "Something else" is an online safeguarding concern."""
        kind = self.cleaned_data["kind"]
        return Kind.SAFEGUARDING.value if kind == OTHER else kind

    def people(self) -> list[PersonInvolved]:
        """Everyone the report names, each with the role the kind of report implies."""
        data = self.cleaned_data
        kind = self.kind_value
        people = [
            PersonInvolved(role=NAMED_PUPIL_ROLE.get(kind, Role.SUBJECT), identity="pupil", pupil=pupil)
            for pupil in data.get("pupils") or []
        ]
        people += [
            PersonInvolved(role=NAMED_STAFF_ROLE.get(kind, Role.SUBJECT), identity="staff", user=person)
            for person in data.get("staff") or []
        ]
        described_role = DESCRIBED_ROLE.get(kind, Role.SUBJECT)
        if data.get("others", "").strip():
            people.append(
                PersonInvolved(role=described_role, identity="described", description=data["others"].strip())
            )
        if data.get("unknown_account"):
            people.append(
                PersonInvolved(
                    role=described_role, identity="unknown", description="Unknown or anonymous account"
                )
            )
        return people

    def service_kwargs(self) -> dict:
        """The keyword arguments for ``incident_report`` (without people and evidence)."""
        data = self.cleaned_data
        return {
            "school": self.school_choice,
            "kind": self.kind_value,
            "seen_at": data["seen_at"],
            "occurred_at": data.get("occurred_at"),
            "description": data["description"].strip(),
            "platform": data.get("platform"),
            "platform_other": data.get("platform_other", "").strip(),
            "urls": data.get("urls") or [],
            "nature": data.get("nature") or [],
            "immediate_risk": bool(data.get("immediate_risk")),
            "on_school_device": bool(data.get("on_school_device")),
            "accessed_by": data.get("accessed_by", "").strip(),
        }
