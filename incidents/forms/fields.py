"""Form fields the incident forms share: several files at once, times as people type them, web
addresses one per line, yes/no questions, and a UK date and time made into one moment."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone

UK = ZoneInfo("Europe/London")
MAX_URLS = 20
MAX_URL_LENGTH = 500


class MultipleFileInput(forms.FileInput):
    """A file input that lets the person choose several files at once."""

    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Cleans to a list of uploads (Django's "Uploading multiple files" recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        # Each file is checked by the form (incidents.services.evidence), so that one bad file does not
        # hide which of the others were good.
        items = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if not items and self.required:
            raise ValidationError(self.error_messages["required"], code="required")
        return items


_TIME = re.compile(r"^(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?$", re.IGNORECASE)


def parse_time(text: str) -> time:
    """A time as people write it: 14:30, 14.30, 2:30pm, 2pm, 9am."""
    match = _TIME.match(text.strip())
    if not match:
        raise ValidationError("invalid")
    hour, minute = int(match["h"]), int(match["m"] or 0)
    ampm = (match["ampm"] or "").replace(".", "").lower()
    if ampm:
        if not 1 <= hour <= 12:
            raise ValidationError("invalid")
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    elif match["m"] is None:
        # A bare number ("14") is too ambiguous to guess at.
        raise ValidationError("invalid")
    if hour > 23 or minute > 59:
        raise ValidationError("invalid")
    return time(hour, minute)


class TimeOfDayField(forms.CharField):
    """A time of day in a text box, read leniently (see ``parse_time``)."""

    def __init__(self, *, invalid: str, **kwargs):
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"class": "govuk-input--width-5", "autocomplete": "off"})
        )
        super().__init__(**kwargs)
        self.invalid_message = invalid

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return parse_time(value)
        except ValidationError:
            raise ValidationError(self.invalid_message, code="invalid") from None


def uk_moment(day: date, at: time | None) -> datetime:
    """A date and time on a UK clock, as an aware datetime."""
    return datetime.combine(day, at or time(0, 0), tzinfo=UK)


def now_parts() -> tuple[date, str]:
    """Today's date and the time now on a UK clock, as a form's initial values."""
    now = timezone.localtime(timezone.now(), UK)
    return now.date(), now.strftime("%H:%M")


def clean_url_lines(text: str) -> list[str]:
    """Web addresses typed one per line; each bad one is named in its own error."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(lines) > MAX_URLS:
        raise ValidationError(f"Enter no more than {MAX_URLS} web addresses.")
    validate = URLValidator(schemes=["http", "https"])
    urls, errors = [], []
    for line in lines:
        # People paste "www.example.com/post" as often as "https://…": both are addresses.
        candidate = line if re.match(r"^[a-z][a-z0-9+.-]*://", line, re.IGNORECASE) else f"https://{line}"
        try:
            if len(candidate) > MAX_URL_LENGTH:
                raise ValidationError("too long")
            validate(candidate)
        except ValidationError:
            errors.append(
                ValidationError(
                    "“%(line)s” is not a web address. Enter each address on its own line, "
                    "for example https://www.instagram.com/p/abc123",
                    params={"line": line[:120]},
                    code="bad_url",
                )
            )
            continue
        if candidate not in urls:
            urls.append(candidate)
    if errors:
        raise ValidationError(errors)
    return urls


YES_NO = [("yes", "Yes"), ("no", "No")]


def yes_no_field(label: str, *, required_message: str, help_text: str = "", required: bool = True):
    """A yes/no question as GOV.UK radios, cleaning to True or False."""
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=required,
        widget=forms.RadioSelect,
        error_messages={"required": required_message},
    )
