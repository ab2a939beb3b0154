"""Django forms rendered with GOV.UK Frontend markup (labels, hints, error messages).

``GovukFormRenderer`` is the project's FORM_RENDERER: every form renders through
``templates/govuk/form.html`` and each field through ``templates/govuk/field.html``. Its bound
field puts the GOV.UK classes on each widget (keeping any class the form gave it), so a form
only declares ordinary Django fields and widgets.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import django.forms
from django import forms
from django.conf import settings
from django.forms.renderers import BaseRenderer, EngineMixin
from django.template.backends.django import DjangoTemplates
from django.utils.functional import cached_property


class GovukDateInput(forms.MultiWidget):
    """GOV.UK's date input: day, month and year boxes that a ``forms.DateField`` reads as one date.

    The day box carries the field's own id (``id_<name>``), so labels and error summary links
    that point at the field land on the first box.
    """

    template_name = "govuk/widgets/date_input.html"
    use_fieldset = True
    parts = (("day", "Day", 2), ("month", "Month", 2), ("year", "Year", 4))

    def __init__(self, attrs=None):
        widgets = {
            name: forms.TextInput(
                attrs={
                    "class": f"govuk-input govuk-date-input__input govuk-input--width-{width}",
                    "inputmode": "numeric",
                }
            )
            for name, _label, width in self.parts
        }
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if isinstance(value, str) and not hasattr(value, "typed"):
            try:
                value = datetime.date.fromisoformat(value)
            except ValueError:
                return [None, None, None]
        if isinstance(value, datetime.date):
            return [str(value.day), str(value.month), str(value.year)]
        typed = getattr(value, "typed", None)
        if typed is not None:
            return list(typed)
        return [None, None, None]

    def value_from_datadict(self, data, files, name):
        day, month, year = ((data.get(f"{name}_{part}") or "").strip() for part, _label, _width in self.parts)
        if not (day or month or year):
            return None
        # A two-digit year would parse as the first century: only a four-digit year is a date.
        value = f"{year}-{month}-{day}" if len(year) == 4 else f"invalid-{year}-{month}-{day}"
        return _TypedDate(value, typed=(day, month, year))

    def value_omitted_from_data(self, data, files, name):
        return not any(f"{name}_{part}" in data for part, _label, _width in self.parts)

    def id_for_label(self, id_):
        return id_

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        error_class = "govuk-input--error" if (attrs or {}).get("aria-invalid") == "true" else ""
        base_id = context["widget"]["attrs"].get("id")
        for index, (sub, (part, label, _width)) in enumerate(
            zip(context["widget"]["subwidgets"], self.parts, strict=True)
        ):
            sub_attrs = sub["attrs"]
            sub_attrs["class"] = " ".join(c for c in (self.widgets[index].attrs["class"], error_class) if c)
            sub_attrs.pop("aria-invalid", None)
            if base_id:
                sub_attrs["id"] = base_id if index == 0 else f"{base_id}_{part}"
            sub["label"] = label
        return context


class _TypedDate(str):
    """The date as typed ('YYYY-M-D' for DateField to parse), keeping each box's text for redisplay."""

    typed: tuple[str, str, str]

    def __new__(cls, value: str, *, typed: tuple[str, str, str]):
        obj = super().__new__(cls, value)
        obj.typed = typed
        return obj


def date_field(
    label: str, *, name: str = "date", required: bool = True, help_text: str = ""
) -> forms.DateField:
    """A GOV.UK date input (day, month, year) whose errors name the date in plain words."""
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=GovukDateInput(),
        error_messages={
            "required": f"Enter the {name}",
            "invalid": f"Enter the {name} as a real date, for example 27 3 2026",
        },
    )


# (kind, base class, error class) for widgets that render as one element.
_SINGLE_ELEMENT_CLASSES = {
    "textarea": ("govuk-textarea", "govuk-textarea--error"),
    "select": ("govuk-select", "govuk-select--error"),
    "file": ("govuk-file-upload", "govuk-file-upload--error"),
    "checkbox": ("govuk-checkboxes__input", ""),
    "radios": ("govuk-radios__input", ""),
    "checkboxes": ("govuk-checkboxes__input", ""),
    "password": (
        "govuk-input govuk-password-input__input govuk-js-password-input-input",
        "govuk-input--error",
    ),
    "number": ("govuk-input", "govuk-input--error"),
    "input": ("govuk-input", "govuk-input--error"),
}


def widget_kind(widget: forms.Widget) -> str:
    """Which GOV.UK component a widget renders as."""
    if isinstance(widget, GovukDateInput):
        return "date"
    if isinstance(widget, forms.HiddenInput | forms.MultipleHiddenInput):
        return "hidden"
    # CheckboxSelectMultiple is a RadioSelect subclass: test it first.
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.FileInput):
        return "file"
    if isinstance(widget, forms.PasswordInput):
        return "password"
    if isinstance(widget, forms.NumberInput):
        return "number"
    if isinstance(widget, forms.MultiWidget):
        return "multi"
    return "input"


class GovukBoundField(forms.BoundField):
    """A bound field that knows its GOV.UK component and puts its classes on the widget."""

    @cached_property
    def govuk_kind(self) -> str:
        return widget_kind(self.field.widget)

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        kind = widget_kind(widget or self.field.widget)
        if kind in _SINGLE_ELEMENT_CLASSES:
            base, error = _SINGLE_ELEMENT_CLASSES[kind]
            own = (widget or self.field.widget).attrs.get("class", "")
            if kind == "number" and "govuk-input--width" not in own:
                own = f"{own} govuk-input--width-10".strip()
            classes = [base, own, attrs.get("class", "")]
            if self.errors and error:
                classes.append(error)
            attrs["class"] = " ".join(c for c in classes if c)
        if kind == "number":
            # Rendered as a text input (templates/django/forms/widgets/number.html): the bounds
            # are checked by the form, and these attributes are not valid on a text input.
            for name in ("min", "max", "step"):
                attrs[name] = False
        if kind == "password":
            attrs.setdefault("spellcheck", "false")
            attrs.setdefault("autocapitalize", "none")
        return attrs

    @cached_property
    def subwidgets(self):
        options = super().subwidgets
        # GOV.UK's convention (and the error summary's links): the first option carries the
        # field's own id, so ``#id_<name>`` reaches the first radio or checkbox.
        if self.govuk_kind in {"radios", "checkboxes"} and options and self.auto_id:
            options[0].data["attrs"]["id"] = self.auto_id
        return options


class GovukFormRenderer(EngineMixin, BaseRenderer):
    """Renders forms with the project's GOV.UK templates, falling back to Django's widget templates."""

    backend = DjangoTemplates
    form_template_name = "govuk/form.html"
    field_template_name = "govuk/field.html"
    bound_field_class = GovukBoundField

    @cached_property
    def engine(self):
        # The project's templates/ first (GOV.UK overrides), then Django's own widget templates,
        # without needing "django.forms" in INSTALLED_APPS.
        project_dirs = [Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])]
        django_forms_dir = Path(django.forms.__file__).parent / "templates"
        return self.backend(
            {
                "APP_DIRS": True,
                "DIRS": [*project_dirs, django_forms_dir],
                "NAME": "govukforms",
                "OPTIONS": {},
            }
        )
