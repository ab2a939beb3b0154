"""Forms of the queue filters, the inspection pack, the moderation log and the platform table."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone

from accounts.models import School
from core.calendar import academic_year_for, academic_year_start
from core.forms import date_field
from incidents.forms.fields import TimeOfDayField, now_parts, uk_moment
from incidents.models import Kind, ModerationEntry, Platform, Severity, Status

# The queue's status filter for every case not yet closed: what the queue opens on.
OPEN = "open"


class QueueFilterForm(forms.Form):
    """Filters of the queue, read from the query string; a bad value is simply ignored."""

    kind = forms.ChoiceField(label="Kind", required=False, choices=[("", "Any kind"), *Kind.choices])
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[(OPEN, "Open (new or in progress)"), ("", "Any status"), *Status.choices],
    )
    severity = forms.TypedChoiceField(
        label="Severity",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Any severity"), *Severity.choices],
    )
    platform = forms.ModelChoiceField(
        label="Platform",
        required=False,
        queryset=Platform.objects.order_by("name"),
        empty_label="Any platform",
    )
    pupil = forms.CharField(label="Pupil's name", required=False, max_length=100)
    school = forms.ModelChoiceField(
        label="School", required=False, queryset=School.objects.none(), empty_label="Any school"
    )
    overdue = forms.BooleanField(label="Overdue only", required=False)

    def __init__(self, *args, schools=None, **kwargs):
        super().__init__(*args, **kwargs)
        if schools is None:
            del self.fields["school"]
        else:
            self.fields["school"].queryset = schools


class InspectionPackForm(forms.Form):
    """The period (and school) of the referrals in an inspection pack."""

    date_from = date_field("From", name="start date")
    date_to = date_field("To", name="end date")
    school = forms.ModelChoiceField(
        label="School", required=False, queryset=School.objects.none(), empty_label="Every school"
    )

    def __init__(self, *args, schools=None, **kwargs):
        super().__init__(*args, **kwargs)
        if schools is None:
            del self.fields["school"]
        else:
            self.fields["school"].queryset = schools
        if not self.is_bound:
            # The academic year so far.
            today = timezone.localdate()
            self.initial.setdefault("date_from", academic_year_start(academic_year_for(today)))
            self.initial.setdefault("date_to", today)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date must be the same as or after the start date")
        if end and end > timezone.localdate() + timedelta(days=1):
            self.add_error("date_to", "The end date must be today or in the past")
        return data


class ModerationForm(forms.Form):
    """An inappropriate comment on a school account and what was done (004 §1)."""

    school = forms.ModelChoiceField(
        label="School",
        queryset=School.objects.none(),
        empty_label="Choose a school",
        error_messages={"required": "Choose the school whose account it was"},
    )
    account = forms.CharField(
        label="School account",
        max_length=200,
        help_text="For example @northfieldprimary on Instagram.",
        error_messages={"required": "Enter the school account"},
    )
    platform = forms.ModelChoiceField(
        label="Platform",
        required=False,
        queryset=Platform.objects.order_by("name"),
        empty_label="Choose a platform",
    )
    comment_url = forms.URLField(
        label="Address of the comment (if known)",
        required=False,
        max_length=500,
        assume_scheme="https",
        error_messages={
            "invalid": "Enter the address of the comment, for example https://www.facebook.com/…"
        },
    )
    comment_text = forms.CharField(
        label="What the comment said",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter what the comment said"},
    )
    commenter = forms.CharField(
        label="Who posted it (name or handle, if known)", required=False, max_length=200
    )
    seen_date = date_field("When was it seen?", name="date it was seen")
    seen_time = TimeOfDayField(
        label="Time it was seen",
        help_text="For example 14:30",
        invalid="Enter the time it was seen, for example 14:30",
        error_messages={"required": "Enter the time it was seen"},
    )
    action_taken = forms.ChoiceField(
        label="Action taken",
        choices=ModerationEntry.ActionTaken.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the action taken"},
    )
    action_detail = forms.CharField(
        label="Details of the action (optional)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.schools = list(schools)
        if len(self.schools) == 1:
            del self.fields["school"]
        else:
            self.fields["school"].queryset = schools
        if not self.is_bound:
            today, now = now_parts()
            self.initial.setdefault("seen_date", today)
            self.initial.setdefault("seen_time", now)

    def clean(self):
        data = super().clean()
        if data.get("seen_date") and data.get("seen_time"):
            data["seen_at"] = uk_moment(data["seen_date"], data["seen_time"])
            if data["seen_at"] > timezone.now() + timedelta(minutes=5):
                self.add_error("seen_date", "The date and time it was seen must be in the past")
        return data

    @property
    def school_choice(self) -> School:
        return self.schools[0] if "school" not in self.fields else self.cleaned_data["school"]


class PlatformForm(forms.Form):
    """A platform's minimum age (000 §3.2) and whether reporters can choose it."""

    minimum_age = forms.IntegerField(
        label="Minimum age",
        required=False,
        min_value=1,
        max_value=21,
        help_text="In years. Leave empty if the platform sets no minimum age.",
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3", "inputmode": "numeric"}),
        error_messages={
            "invalid": "Enter the minimum age as a whole number, for example 13",
            "min_value": "Enter a minimum age between 1 and 21",
            "max_value": "Enter a minimum age between 1 and 21",
        },
    )
    is_active = forms.BooleanField(label="Offer this platform on the report form", required=False)
