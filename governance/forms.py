from django import forms

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
