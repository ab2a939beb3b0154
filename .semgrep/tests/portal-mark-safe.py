# ruff: noqa
# Targets for .semgrep/rules/portal-mark-safe.yml (semgrep --test).
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


def marked(incident, rows):
    # ruleid: portal-mark-safe
    mark_safe(incident.description)
    # ruleid: portal-mark-safe
    mark_safe(f"<p>{incident.description}</p>")
    # ruleid: portal-mark-safe
    SafeString("<b>" + incident.reference + "</b>")
    # ruleid: portal-mark-safe
    format_html(f"<a href='/x/'>{incident.description}</a>")
    # ruleid: portal-mark-safe
    format_html(incident.description)
    # ruleid: portal-mark-safe
    format_html_join("\n", incident.template, rows)
    # ok: portal-mark-safe
    mark_safe("<br>")
    # ok: portal-mark-safe
    format_html("<a href='{}'>{}</a>", incident.url, incident.description)
    # ok: portal-mark-safe
    format_html_join("\n", "<li>{}</li>", ((row,) for row in rows))
