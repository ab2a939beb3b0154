from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone

from core.models import AuditEntry
from governance.models import TrainingSession


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label="Person (email)", required=False, max_length=254)
    verb = forms.ChoiceField(
        label="What happened", required=False, choices=[("", "Anything"), *AuditEntry.Verb.choices]
    )
    object_type = forms.CharField(
        label="Record type", required=False, max_length=100, help_text="For example accounts.pupil"
    )
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date must be the same as or after the start date.")
        return data


class PolicyForm(forms.Form):
    title = forms.CharField(label="Policy title", max_length=200)
    scope = forms.ChoiceField(label="Who the policy applies to")
    owner = forms.ModelChoiceField(
        label="Policy owner", queryset=None, help_text="Reminded before the review is due."
    )

    def __init__(self, *args, schools, trusts, owners, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(f"trust:{t.pk}", f"The whole trust ({t.name})") for t in trusts]
        choices += [(f"school:{s.pk}", s.name) for s in schools]
        self.fields["scope"].choices = choices
        self.fields["owner"].queryset = owners
        self._schools = {str(s.pk): s for s in schools}
        self._trusts = {str(t.pk): t for t in trusts}

    def clean_scope(self):
        kind, _, pk = self.cleaned_data["scope"].partition(":")
        if kind == "trust" and pk in self._trusts:
            return (self._trusts[pk], None)
        if kind == "school" and pk in self._schools:
            school = self._schools[pk]
            return (school.trust, school)
        raise forms.ValidationError("Choose who the policy applies to.")


class PolicyVersionForm(forms.Form):
    summary = forms.CharField(
        label="What has changed", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    text = forms.CharField(label="Policy text", widget=forms.Textarea(attrs={"rows": 10}))
    approved_on = forms.DateField(label="Approval date", widget=forms.DateInput(attrs={"type": "date"}))
    next_review_due = forms.DateField(
        label="Next review date", widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("approved_on")
            and data.get("next_review_due")
            and data["next_review_due"] <= data["approved_on"]
        ):
            self.add_error("next_review_due", "The next review date must be after the approval date.")
        return data


class TrainingSessionForm(forms.Form):
    school = forms.ModelChoiceField(label="School", queryset=None)
    kind = forms.ChoiceField(label="Kind of session", widget=forms.RadioSelect)
    title = forms.CharField(label="Title", max_length=200)
    held_on = forms.DateField(label="Date held", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        if len(schools) == 1:
            # One school to choose from: it is the answer, not a question.
            self.fields["school"].empty_label = None
        self.fields["kind"].choices = TrainingSession.Kind.choices


class AttendanceForm(forms.Form):
    attendees = forms.ModelMultipleChoiceField(
        label="Who attended", queryset=None, widget=forms.CheckboxSelectMultiple, required=True
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = people


def _moment(day, at):
    """A date and time typed on a UK clock, as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, at or time(0, 0)))


class BreachForm(forms.Form):
    """A personal-data breach, as the data protection officer records it and then updates it."""

    school = forms.ModelChoiceField(label="School", queryset=None)
    what_happened = forms.CharField(
        label="What happened", widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
    data_involved = forms.CharField(
        label="What personal data was involved",
        help_text="The kinds of data and whose (pupils, parents, staff), not the data itself.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )
    people_affected = forms.IntegerField(
        label="Roughly how many people are affected (optional)", required=False, min_value=0
    )
    found_on = forms.DateField(label="Date it was found", widget=forms.DateInput(attrs={"type": "date"}))
    found_time = forms.TimeField(
        label="Time it was found",
        help_text="For example 14:30",
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    who_was_told = forms.CharField(
        label="Who was told, and when (optional)",
        help_text="The people affected, the trust, the police, the platform.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )
    ico_told_on = forms.DateField(
        label="Date the ICO was told (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    ico_told_time = forms.TimeField(
        label="Time the ICO was told (optional)",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    ico_reference = forms.CharField(label="The ICO's reference (optional)", required=False, max_length=60)
    ico_not_told_reason = forms.CharField(
        label="Why the ICO was not told (optional)",
        help_text="For example: unlikely to result in a risk to anyone's rights and freedoms, and why.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )
    actions_taken = forms.CharField(
        label="What has been done to contain it and stop it happening again (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        if len(schools) == 1:
            self.fields["school"].empty_label = None

    def clean(self):
        data = super().clean()
        now = timezone.now()
        if data.get("found_on") and data.get("found_time"):
            data["found_at"] = _moment(data["found_on"], data["found_time"])
            if data["found_at"] > now + timedelta(minutes=5):
                self.add_error("found_on", "The date and time it was found must be in the past.")
        data["ico_told_at"] = None
        if data.get("ico_told_on"):
            data["ico_told_at"] = _moment(data["ico_told_on"], data.get("ico_told_time"))
            if data["ico_told_at"] > now + timedelta(minutes=5):
                self.add_error("ico_told_on", "The date the ICO was told must be in the past.")
            if data.get("ico_not_told_reason"):
                self.add_error(
                    "ico_not_told_reason",
                    "Either give the date the ICO was told or why it was not told, not both.",
                )
        return data

    def breach_fields(self) -> dict:
        """What the services take: the form's answers with the dates and times put together."""
        data = self.cleaned_data
        names = ("what_happened", "data_involved", "people_affected", "who_was_told", "ico_reference")
        out = {name: data.get(name) for name in names}
        out.update(
            found_at=data["found_at"],
            ico_told_at=data["ico_told_at"],
            ico_not_told_reason=data.get("ico_not_told_reason", ""),
            actions_taken=data.get("actions_taken", ""),
        )
        return out
