"""Printable records of incidents as PDF (WeasyPrint): a pupil's chronology and the inspection pack.

The documents load nothing from anywhere (no network, no files): everything they show is in the
HTML and the print stylesheet, so a web address typed into a report can never be fetched here.
"""

from __future__ import annotations

from datetime import date, datetime

from django.template.loader import render_to_string

from accounts.models import Pupil, School, User
from governance.printing import html_to_pdf


def render_pdf(template: str, context: dict) -> bytes:
    """Render a print template to PDF bytes."""
    html = render_to_string(template, context)
    return html_to_pdf(html, stylesheet=render_to_string("incidents/print/print.css"))


def chronology_pdf(*, pupil: Pupil, entries: list[dict], generated_by: User, generated_at: datetime) -> bytes:
    """A pupil's chronology: every dated entry of every incident involving them."""
    return render_pdf(
        "incidents/print/chronology.html",
        {"pupil": pupil, "entries": entries, "generated_by": generated_by, "generated_at": generated_at},
    )


def inspection_pack_pdf(
    *,
    referrals,
    date_from: date,
    date_to: date,
    schools: list[School],
    generated_by: User,
    generated_at: datetime,
) -> bytes:
    """The referrals made in a period, for an inspection."""
    return render_pdf(
        "incidents/print/inspection_pack.html",
        {
            "referrals": list(referrals),
            "date_from": date_from,
            "date_to": date_to,
            "schools": schools,
            "generated_by": generated_by,
            "generated_at": generated_at,
        },
    )
