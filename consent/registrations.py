"""What the consent app tells the top layer (core.registries): its subject access sections."""

from __future__ import annotations

from django.utils import timezone

from consent.models import ConsentAnswer, ConsentState, Event, WithdrawalFollowUp
from core import registries


def _when(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def answer_rows(pupil) -> list[dict]:
    """Every consent answer given for the pupil, oldest first (the register's current answers are
    derived from these, so they add nothing of their own)."""
    return [
        {
            "recorded_at": _when(answer.recorded_at),
            "academic_year": answer.academic_year,
            "purpose": answer.get_purpose_display(),
            "decision": answer.get_decision_display(),
            "restrictions": answer.get_restrictions_display(),
            "by": answer.parent.full_name,
            "method": answer.get_method_display(),
        }
        for answer in ConsentAnswer.objects.filter(pupil=pupil)
        .select_related("parent")
        .order_by("recorded_at")
    ]


def _answer_chronology(rows: list[dict]) -> list[dict]:
    return [
        {
            "at": row["recorded_at"],
            "type": "Consent answer",
            "by": row["by"],
            "text": f"{row['purpose']}: {row['decision']}",
            "record": f"Consent {row['academic_year']}",
        }
        for row in rows
    ]


def follow_up_rows(pupil) -> list[dict]:
    """The checks of published material made after a withdrawal or a new restriction."""
    return [
        {
            "created_at": _when(follow_up.created_at),
            "academic_year": follow_up.academic_year,
            "purpose": follow_up.get_purpose_display(),
            "kind": follow_up.get_kind_display(),
            "restrictions_added": follow_up.get_restrictions_added_display(),
            "resolved_at": _when(follow_up.resolved_at),
            "resolved_by": follow_up.resolved_by.full_name if follow_up.resolved_by else "",
            "resolution": follow_up.resolution,
        }
        for follow_up in WithdrawalFollowUp.objects.filter(pupil=pupil)
        .select_related("resolved_by")
        .order_by("created_at")
    ]


def _follow_up_chronology(rows: list[dict]) -> list[dict]:
    entries = []
    for row in rows:
        record = f"Consent follow-up {row['academic_year']}"
        entries.append(
            {
                "at": row["created_at"],
                "type": row["kind"],
                "by": "Portal",
                "text": row["purpose"],
                "record": record,
            }
        )
        if row["resolved_at"]:
            entries.append(
                {
                    "at": row["resolved_at"],
                    "type": "Follow-up done",
                    "by": row["resolved_by"],
                    "text": row["resolution"],
                    "record": record,
                }
            )
    return entries


def event_rows(pupil) -> list[dict]:
    """Events the pupil was listed for (their briefing says who may be photographed)."""
    return [
        {"name": event.name, "date": event.date.isoformat(), "location": event.location}
        for event in Event.objects.filter(pupils=pupil).order_by("date")
    ]


def register() -> None:
    sections = registries.subject_access_sections
    sections.register(
        registries.SubjectAccessSection(
            key="consent_answers",
            title="Photo and video consent answers",
            export_for=answer_rows,
            models=(ConsentAnswer, ConsentState),
            print_template="consent/print/subject_access_answers.html",
            chronology_for=_answer_chronology,
            order=30,
        )
    )
    sections.register(
        registries.SubjectAccessSection(
            key="consent_follow_ups",
            title="Checks after consent was withdrawn or restricted",
            export_for=follow_up_rows,
            models=(WithdrawalFollowUp,),
            columns=(
                ("created_at", "Raised"),
                ("academic_year", "Year"),
                ("purpose", "Purpose"),
                ("kind", "Why"),
                ("resolved_at", "Done"),
                ("resolution", "What was checked"),
            ),
            chronology_for=_follow_up_chronology,
            order=31,
        )
    )
    sections.register(
        registries.SubjectAccessSection(
            key="events",
            title="Events and their briefings",
            export_for=event_rows,
            models=(Event,),
            columns=(("date", "Date"), ("name", "Event"), ("location", "Where")),
            order=32,
        )
    )
