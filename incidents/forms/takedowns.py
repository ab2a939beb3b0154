"""The forms of the takedown ladder's steps that the case page's own forms do not already cover."""

from __future__ import annotations

from django import forms


class ReferenceStepForm(forms.Form):
    """A rung taken with whoever was contacted: their reference, if they gave one, and notes."""

    reference = forms.CharField(label="Their reference (if given)", required=False, max_length=120)
    note = forms.CharField(
        label="Notes (optional)", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
