"""Printable documents of consent: the pre-event briefing and the register."""

from __future__ import annotations

from core.printing import render_pdf


def event_briefing_pdf(*, event, attendees, by) -> bytes:
    """The pre-event briefing (001 §14): pupils without consent, identified positively, then those
    who may appear only under restrictions."""
    without = [(pupil, verdict) for pupil, verdict in attendees if not verdict.allowed]
    restricted = [
        (pupil, verdict) for pupil, verdict in attendees if verdict.allowed and verdict.restrictions
    ]
    return render_pdf(
        "consent/print/briefing.html",
        {
            "event": event,
            "schools": list(event.schools.order_by("name")),
            "without": without,
            "restricted": restricted,
            "attending": len(attendees),
        },
        printed_by=by,
    )


def register_pdf(*, rows, schools, filters: dict, by) -> bytes:
    """The register of refusals, withdrawals and restrictions (003 §10.2), as filtered on the page."""
    return render_pdf(
        "consent/print/register.html",
        {"rows": rows, "schools": schools, "filters": filters},
        printed_by=by,
    )
