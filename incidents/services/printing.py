"""Printable records of incidents as PDF: a pupil's chronology and the inspection pack."""

from __future__ import annotations

from datetime import date, datetime

from accounts.models import Pupil, School, User
from core.printing import render_pdf


def chronology_pdf(*, pupil: Pupil, entries: list[dict], generated_by: User, generated_at: datetime) -> bytes:
    """A pupil's chronology: every dated entry of every incident involving them."""
    return render_pdf(
        "incidents/print/chronology.html",
        {"pupil": pupil, "entries": entries, "generated_by": generated_by, "generated_at": generated_at},
        printed_by=generated_by,
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
        printed_by=generated_by,
    )
