"""Printable documents of consent (WeasyPrint): the pre-event briefing and the register."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from governance.printing import html_to_pdf


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render a template (HTML and print CSS, no external resources) to PDF bytes."""
    html = render_to_string(
        template_name,
        {**context, "trust_name": settings.PORTAL_TRUST_NAME, "generated_at": timezone.localtime()},
    )
    return html_to_pdf(html)


def event_briefing_pdf(*, event, attendees, by) -> bytes:
    """The pre-event briefing (001 §14): pupils without consent, identified positively, then those
    who may appear only under restrictions."""
    without = [(pupil, verdict) for pupil, verdict in attendees if not verdict.allowed]
    restricted = [
        (pupil, verdict) for pupil, verdict in attendees if verdict.allowed and verdict.restrictions
    ]
    return render_pdf(
        "consent/pdf/briefing.html",
        {
            "event": event,
            "schools": list(event.schools.order_by("name")),
            "without": without,
            "restricted": restricted,
            "attending": len(attendees),
            "prepared_by": by,
        },
    )


def register_pdf(*, rows, schools, filters: dict, by) -> bytes:
    """The register of refusals, withdrawals and restrictions (003 §10.2), as filtered on the page."""
    return render_pdf(
        "consent/pdf/register.html",
        {"rows": rows, "schools": schools, "filters": filters, "prepared_by": by},
    )
