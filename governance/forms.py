from django import forms

from governance.models import AuditEntry


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label="Person (email)", required=False, max_length=254)
    verb = forms.ChoiceField(label="What happened", required=False, choices=[("", "Anything"), *AuditEntry.Verb.choices])
    object_type = forms.CharField(label="Record type", required=False, max_length=100,
                                  help_text="For example accounts.pupil")
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date must be the same as or after the start date.")
        return data
