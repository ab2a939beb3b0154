"""Form fields the approval forms share: several files at once, people of a school."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from accounts.models import Pupil


class MultipleFileInput(forms.ClearableFileInput):
    """A file input that lets the person choose several files at once."""

    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Cleans to a list of uploads; each one is checked by the form so one bad file names itself."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        items = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if not items and self.required:
            raise ValidationError(self.error_messages["required"], code="required")
        return items


class PeopleChoice(forms.ModelMultipleChoiceField):
    """Members of staff as checkboxes, by name."""

    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, user) -> str:
        return user.full_name or user.email


class PersonChoice(forms.ModelChoiceField):
    """One member of staff, by name."""

    def label_from_instance(self, user) -> str:
        return user.full_name or user.email


class PupilsChoice(forms.ModelMultipleChoiceField):
    """Pupils as checkboxes; only some are listed (a class), but any pupil of the queryset is valid."""

    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, pupil: Pupil) -> str:
        klass = f", {pupil.class_name}" if pupil.class_name else ""
        return f"{pupil.last_name}, {pupil.first_name} ({pupil.get_year_group_display()}{klass})"
