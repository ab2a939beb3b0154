"""What every request form shares: the requester and school, sections of fields, errors in plain
words, and saving many-to-many fields once the request exists."""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone

from accounts import access
from accounts.models import User
from accounts.roles import Action
from approvals.models import ApprovalRequest


def workforce(school) -> forms.models.QuerySet:
    """The school's members of staff (everyone who may make a request there)."""
    return access.users_with(Action.REQUEST_APPROVAL, school.pk).order_by("full_name", "email")


class RequestForm(forms.ModelForm):
    """What every kind's form shares: the requester and school, sections, and saving related rows."""

    intro: str = ""
    policy: str = ""
    # (heading, field names): the page shows the fields under a heading per section.
    sections: list[tuple[str, list[str]]] = []
    # Fields that are dates people type: must not be in the past when typed or changed.
    future_dates: dict[str, str] = {}

    def __init__(self, *args, user: User, school, type_: str, **kwargs):
        self.user = user
        self.school = school
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if field.error_messages.get("required") == forms.Field.default_error_messages["required"]:
                field.error_messages["required"] = required_message(field)
        if self.instance._state.adding:
            # The model's own checks read the request's school and requester before it exists.
            self.instance.request = ApprovalRequest(school=school, requester=user, type=type_)

    def section_fields(self):
        """(heading, bound fields) for each section, then any field no section names."""
        named = set()
        for heading, names in self.sections:
            fields = [self[name] for name in names if name in self.fields]
            named |= set(names)
            if fields:
                yield heading, fields
        rest = [self[name] for name in self.fields if name not in named]
        if rest:
            yield "", rest

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        for name, what in self.future_dates.items():
            value = cleaned.get(name)
            if value and value < today and (self.instance._state.adding or name in self.changed_data):
                self.add_error(name, f"The {what} must be today or in the future.")
        return cleaned

    def title(self) -> str:
        return self.instance.make_title()

    def after_save(self, detail) -> None:
        """Set the many-to-many fields once the detail row exists."""
        for name, field in self.fields.items():
            if isinstance(field, forms.ModelMultipleChoiceField) and _is_many_to_many(detail, name):
                getattr(detail, name).set(self.cleaned_data.get(name) or [])


def required_message(field: forms.Field) -> str:
    """A required field's error in the words of its label: "Enter the site content"."""
    label = str(field.label or "this")
    label = label[0].lower() + label[1:] if not label[:2].isupper() else label
    verb = "Choose" if isinstance(field.widget, forms.Select | forms.RadioSelect) else "Enter"
    return f"{verb} {label.rstrip('?')}"


def _is_many_to_many(detail, name: str) -> bool:
    try:
        return detail._meta.get_field(name).many_to_many
    except FieldDoesNotExist:
        return False


def is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def initial_from(form: forms.BaseForm) -> dict:
    """What was typed into a bound form, as initial values for a fresh one (files cannot be kept)."""
    initial = {}
    for name, field in form.fields.items():
        if isinstance(field, forms.FileField):
            continue
        initial[name] = field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
    return initial
