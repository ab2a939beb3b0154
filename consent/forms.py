"""Forms of consent. Fields that pick a school or a pupil offer only what the user may use, so a
posted id from elsewhere is a validation error."""

from __future__ import annotations

import calendar

from django import forms
from django.utils import timezone

from accounts import access
from accounts.models import Pupil, School, YearGroup
from accounts.roles import Action
from consent import selectors
from consent.models import PURPOSE_HINTS, Decision, Purpose, Restriction
from consent.services import Answer
from core.calendar import academic_year_for, next_academic_year
from core.forms import GovukDateInput

YES, NO, SKIP = "yes", "no", "skip"
YEAR_GROUP_CHOICES = [("", "Any year group"), *YearGroup.choices]
# The uses an event's photos usually go to: a pupil without consent for any of them is on the briefing.
EVENT_DEFAULT_PURPOSES = [
    Purpose.SCHOOL_WEBSITE,
    Purpose.SCHOOL_SOCIAL_MEDIA,
    Purpose.TRUST_SOCIAL_MEDIA,
    Purpose.PRESS_AND_MEDIA,
    Purpose.VIDEO_AND_LIVESTREAM,
]


def _schools_field(user, action: str, *, label: str, empty_label: str | None) -> forms.ModelChoiceField:
    """A choice of the schools where the user may take the action."""
    return forms.ModelChoiceField(
        label=label,
        queryset=access.schools_queryset(user, action).order_by("name"),
        empty_label=empty_label,
        required=empty_label is None,
        error_messages={"invalid_choice": "Choose one of your schools.", "required": "Choose a school."},
    )


class ChildConsentForm(forms.Form):
    """A parent's answers for one child: yes or no for every purpose, with restrictions on a yes."""

    answer_choices = [(YES, "Yes"), (NO, "No")]

    def __init__(self, *args, states: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        states = states or {}
        for purpose in Purpose:
            state = states.get(purpose.value)
            self.fields[purpose.value] = forms.ChoiceField(
                label=purpose.label,
                help_text=PURPOSE_HINTS[purpose],
                choices=self.answer_choices,
                widget=forms.RadioSelect,
                initial=self._initial_answer(state),
                error_messages={"required": f"Choose yes or no for {purpose.label.lower()}"},
            )
            self.fields[f"{purpose.value}__restrictions"] = forms.MultipleChoiceField(
                label=f"If yes, any restrictions on {purpose.label.lower()}?",
                choices=Restriction.choices,
                widget=forms.CheckboxSelectMultiple,
                required=False,
                initial=list(state.restrictions) if state is not None else [],
            )

    def _initial_answer(self, state) -> str | None:
        """The radio to preselect for a current answer."""
        if state is None:
            return None
        return YES if state.decision == Decision.GIVEN else NO

    def purpose_fields(self):
        """(answer field, restrictions field) for each purpose, in order, for the template."""
        return [(self[p], self[f"{p}__restrictions"]) for p in Purpose.values]

    def clean(self):
        cleaned = super().clean()
        for purpose in Purpose:
            chosen = cleaned.get(f"{purpose.value}__restrictions") or []
            if Restriction.FIRST_NAME_ONLY in chosen and Restriction.NO_NAME in chosen:
                self.add_error(
                    f"{purpose.value}__restrictions",
                    f"Choose either “first name only” or “no name” for {purpose.label.lower()}, not both",
                )
        return cleaned

    def answers(self) -> dict[str, Answer]:
        """The answers to record: purpose → Answer (purposes left unanswered are left out)."""
        out = {}
        for purpose in Purpose.values:
            value = self.cleaned_data.get(purpose)
            if value == YES:
                out[purpose] = Answer(
                    Decision.GIVEN, tuple(self.cleaned_data.get(f"{purpose}__restrictions") or ())
                )
            elif value == NO:
                out[purpose] = Answer(Decision.REFUSED)
        return out


class PaperConsentForm(ChildConsentForm):
    """A paper consent form entered by the marketing officer on the parent's behalf."""

    answer_choices = [(YES, "Yes"), (NO, "No"), (SKIP, "Not answered on the form")]

    def __init__(self, *args, pupil: Pupil, **kwargs):
        super().__init__(*args, **kwargs)
        for purpose in Purpose.values:
            self.fields[purpose].initial = SKIP
            self.fields[f"{purpose}__restrictions"].initial = []
        parents = selectors.parents_with_responsibility(pupil=pupil)
        self.fields = {
            "parent": forms.ModelChoiceField(
                label="Parent or carer who signed the form",
                queryset=parents,
                empty_label="Choose a parent or carer",
                error_messages={
                    "required": "Choose the parent or carer who signed the form",
                    "invalid_choice": "Choose one of the pupil's parents or carers with parental "
                    "responsibility",
                },
            ),
            "paper_form_dated": forms.DateField(
                label="Date on the form",
                help_text="For example, 5 9 2026",
                widget=GovukDateInput,
                error_messages={
                    "required": "Enter the date on the form",
                    "invalid": "Date on the form must be a real date",
                },
            ),
            **self.fields,
            "note": forms.CharField(
                label="Note (optional)",
                help_text="Anything else the parent wrote, or where the paper form is kept.",
                required=False,
                max_length=300,
                widget=forms.Textarea(attrs={"rows": 3}),
            ),
        }

    def clean_paper_form_dated(self):
        value = self.cleaned_data["paper_form_dated"]
        if value > timezone.localdate():
            raise forms.ValidationError("Date on the form must be today or in the past")
        return value

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.answers():
            raise forms.ValidationError("Enter at least one answer from the form")
        return cleaned


class CheckForm(forms.Form):
    """Pick pupils by name, class or year group, and the use of the photo or video."""

    names = forms.CharField(
        label="Pupils' names",
        help_text="One or more names or MIS ids, separated by commas. For example: Ava Smith, Ben Jones",
        required=False,
        max_length=1000,
    )
    year_group = forms.TypedChoiceField(
        label="Year group", required=False, coerce=int, empty_value=None, choices=YEAR_GROUP_CHOICES
    )
    class_name = forms.CharField(label="Class or form", required=False, max_length=40)
    purpose = forms.ChoiceField(
        label="Use of the photo or video",
        choices=[("", "Choose a use"), *Purpose.choices],
        error_messages={"required": "Choose the use of the photo or video"},
        widget=forms.Select(attrs={"class": "govuk-!-width-full"}),
    )
    academic_year = forms.ChoiceField(label="Academic year", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        years = selectors.years_with_answers()
        self.fields["academic_year"].choices = [(y, y) for y in years]
        self.fields["academic_year"].initial = selectors.current_academic_year()
        schools = access.schools_for(user, Action.CHECK_CONSENT)
        if len(schools) > 1:
            self.fields["school"] = _schools_field(
                user, Action.CHECK_CONSENT, label="School", empty_label="Any school"
            )
            self.order_fields(["names", "school", "year_group", "class_name", "purpose", "academic_year"])

    def clean_names(self) -> list[str]:
        """The names typed, one per comma, at most fifty."""
        return [name.strip() for name in self.cleaned_data["names"].split(",") if name.strip()][:50]

    def clean_academic_year(self) -> str:
        """This academic year unless another is chosen."""
        return self.cleaned_data.get("academic_year") or selectors.current_academic_year()

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("names") or cleaned.get("year_group") is not None or cleaned.get("class_name")):
            raise forms.ValidationError("Enter pupils' names, or choose a year group or class")
        return cleaned


class RegisterFilterForm(forms.Form):
    academic_year = forms.ChoiceField(label="Academic year", required=False)
    year_group = forms.TypedChoiceField(
        label="Year group", required=False, coerce=int, empty_value=None, choices=YEAR_GROUP_CHOICES
    )
    purpose = forms.ChoiceField(label="Use", required=False, choices=[("", "Any use"), *Purpose.choices])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["academic_year"].choices = [(y, y) for y in selectors.years_with_answers()]
        self.fields["academic_year"].initial = selectors.current_academic_year()
        if len(access.schools_for(user, Action.CHECK_CONSENT)) > 1:
            self.fields["school"] = _schools_field(
                user, Action.CHECK_CONSENT, label="School", empty_label="Any school"
            )
            self.order_fields(["school", "academic_year", "year_group", "purpose"])


TRUST_WIDE = "trust"


class CollectionOpenForm(forms.Form):
    """Open the annual collection for one school, or every school of the trust."""

    scope = forms.ChoiceField(
        label="Who is asked",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a school, or every school in the trust"},
    )
    academic_year = forms.ChoiceField(
        label="Academic year",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the academic year"},
    )
    closes_on = forms.DateField(
        label="Closing date",
        help_text=(
            "Reminders go each week until this date to parents who have not answered. For example, 30 9 2026"
        ),
        widget=GovukDateInput,
        error_messages={"required": "Enter the closing date", "invalid": "Closing date must be a real date"},
    )
    message = forms.CharField(
        label="Message to parents (optional)",
        help_text="Added to the invitation and the reminders. Do not name any pupil.",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.schools = list(access.schools_queryset(user, Action.RUN_CONSENT_COLLECTION).order_by("name"))
        choices = [(str(school.pk), school.name) for school in self.schools]
        self.trust = self._whole_trust(user)
        if self.trust is not None:
            choices.append((TRUST_WIDE, f"Every school in {self.trust.name}"))
        self.fields["scope"].choices = choices
        this_year = academic_year_for(timezone.localdate())
        self.fields["academic_year"].choices = [(this_year, this_year), (next_academic_year(this_year),) * 2]

    def _whole_trust(self, user):
        """The trust, if the user runs the collection in every one of its schools."""
        held = {school.pk for school in self.schools}
        trusts = {school.trust for school in self.schools}
        for trust in trusts:
            if set(School.objects.filter(trust=trust).values_list("pk", flat=True)) <= held:
                return trust
        return None

    def target(self) -> dict:
        """The school or trust to pass to collection_open."""
        scope = self.cleaned_data["scope"]
        if scope == TRUST_WIDE:
            return {"trust": self.trust}
        return {"school": next(s for s in self.schools if str(s.pk) == scope)}


MONTHS = [(number, calendar.month_name[number]) for number in (*range(9, 13), *range(1, 9))]


class CollectionScheduleForm(forms.Form):
    """The day each academic year the trust's collection opens by itself, and for how long."""

    active = forms.BooleanField(
        label="Open the collection each year by itself",
        required=False,
        help_text="Untick to pause it: no collection opens until you tick it again.",
    )
    opens_day = forms.IntegerField(
        label="Day it opens",
        min_value=1,
        max_value=31,
        help_text="For example, 8",
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-2", "inputmode": "numeric"}),
        error_messages={
            "required": "Enter the day it opens",
            "invalid": "Day it opens must be a number",
            "min_value": "Day it opens must be between 1 and 31",
            "max_value": "Day it opens must be between 1 and 31",
        },
    )
    opens_month = forms.TypedChoiceField(
        label="Month it opens",
        coerce=int,
        choices=MONTHS,
        error_messages={"required": "Choose the month it opens"},
    )
    weeks_open = forms.IntegerField(
        label="Weeks it stays open",
        min_value=1,
        max_value=12,
        help_text="Parents who have not answered are reminded each week until it closes.",
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-2", "inputmode": "numeric"}),
        error_messages={
            "required": "Enter how many weeks it stays open",
            "invalid": "Weeks it stays open must be a number",
            "min_value": "A collection stays open for 1 to 12 weeks",
            "max_value": "A collection stays open for 1 to 12 weeks",
        },
    )
    message = forms.CharField(
        label="Message to parents (optional)",
        help_text="Added to the invitation and the reminders. Do not name any pupil.",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class EventForm(forms.Form):
    name = forms.CharField(label="Name of the event", max_length=200)
    date = forms.DateField(
        label="Date of the event",
        help_text="For example, 14 3 2027",
        widget=GovukDateInput,
        error_messages={
            "required": "Enter the date of the event",
            "invalid": "Date of the event must be a real date",
        },
    )
    location = forms.CharField(label="Where (optional)", required=False, max_length=200)
    schools = forms.ModelMultipleChoiceField(
        label="Schools attending",
        help_text="Only schools where you check consent are listed.",
        queryset=School.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one school",
            "invalid_choice": "Choose from your schools",
        },
    )
    purposes = forms.MultipleChoiceField(
        label="How photos and video from the event may be used",
        help_text=(
            "A pupil is on the briefing list if their parent has not given consent for any one of the "
            "uses you tick, so tick every use the photos or video may be put to."
        ),
        choices=Purpose.choices,
        initial=EVENT_DEFAULT_PURPOSES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one use of the photos and video"},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        schools = access.schools_queryset(user, Action.CHECK_CONSENT).order_by("name")
        self.fields["schools"].queryset = schools
        if len(schools) == 1:
            self.fields["schools"].initial = list(schools)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Enter the name of the event")
        return name


class EventPupilSearchForm(forms.Form):
    """Find pupils of the event's schools to add (a GET form)."""

    names = CheckForm.base_fields["names"]
    year_group = CheckForm.base_fields["year_group"]
    class_name = CheckForm.base_fields["class_name"]

    def __init__(self, *args, event_schools, **kwargs):
        super().__init__(*args, **kwargs)
        if len(event_schools) > 1:
            self.fields["school"] = forms.ModelChoiceField(
                label="School",
                queryset=School.objects.filter(pk__in=[s.pk for s in event_schools]).order_by("name"),
                empty_label="Any of the event's schools",
                required=False,
            )
            self.order_fields(["names", "school", "year_group", "class_name"])

    clean_names = CheckForm.clean_names

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("names") or cleaned.get("year_group") is not None or cleaned.get("class_name")):
            raise forms.ValidationError("Enter pupils' names, or choose a year group or class")
        return cleaned


class EventAddPupilsForm(forms.Form):
    """The ticked pupils to add; only pupils of the event's schools that the user may see are valid."""

    pupils = forms.ModelMultipleChoiceField(
        label="Pupils attending",
        queryset=Pupil.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Tick at least one pupil",
            "invalid_choice": "Choose pupils of the event's schools",
        },
    )

    def __init__(self, *args, user, event_schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupils"].queryset = Pupil.objects.visible_to(user, Action.CHECK_CONSENT).filter(
            school__in=event_schools, is_active=True
        )


class EventRemovePupilForm(forms.Form):
    pupil = forms.UUIDField()


class FollowUpResolveForm(forms.Form):
    resolution = forms.CharField(
        label="What you checked and did",
        help_text="For example: took the photo off the website news page and the Facebook post of 12 May.",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what you checked and what you took down or changed"},
    )
