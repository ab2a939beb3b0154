"""Django forms rendered with GOV.UK Frontend markup (labels, hints, error messages)."""

from django.forms.renderers import TemplatesSetting


class GovukFormRenderer(TemplatesSetting):
    form_template_name = "govuk/form.html"
    field_template_name = "govuk/field.html"
