"""What the consent app tells the top layer (core.registries): its subject access sections."""

from __future__ import annotations

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from accounts import access
from accounts.roles import Action
from consent import demo, figures
from consent.models import ConsentAnswer, ConsentState, Event, WithdrawalFollowUp
from consent.services.erasure import (
    consent_answer_erase,
    consent_erase_pupil,
    event_briefing_erase,
    event_erase_pupil,
)
from core import registries
from core.calendar import reached_by, years_after


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


def consent_due(trust, years: int, today) -> list[registries.Due]:
    """Consent answers recorded more than ``years`` years ago (the register's current answers and
    the follow-ups of a withdrawal go with the answers they come from)."""
    answers = ConsentAnswer.objects.filter(
        school__trust=trust, recorded_at__date__lte=reached_by(today, years)
    ).values("pk", "school_id", "academic_year", "purpose", "recorded_at")
    return [
        registries.Due(
            school_id=row["school_id"],
            object_id=str(row["pk"]),
            label=f"Consent answer ({row['academic_year']}, {row['purpose']})",
            review_due=years_after(timezone.localtime(row["recorded_at"]).date(), years),
        )
        for row in answers
    ]


def events_due(trust, years: int, today) -> list[registries.Due]:
    """Events (and the list of pupils on their briefing) held more than ``years`` years ago. An
    event may span schools; its review is filed under the first of them (the officer deciding it
    works for the whole trust)."""
    events = (
        Event.objects.filter(trust=trust, date__lte=reached_by(today, years))
        .annotate(
            first_school=Subquery(
                Event.schools.through.objects.filter(event_id=OuterRef("pk"))
                .order_by("school__name")
                .values("school_id")[:1]
            )
        )
        .values("pk", "name", "date", "first_school")
    )
    return [
        registries.Due(
            school_id=row["first_school"],
            object_id=str(row["pk"]),
            label=f"Event briefing ({row['date']:%Y-%m-%d}, {row['name'][:60]})",
            review_due=years_after(row["date"], years),
        )
        for row in events
        if row["first_school"] is not None
    ]


NAVIGATION = (
    ("check", "Consent check", "consent:check", access.anyone_who(Action.CHECK_CONSENT), 100),
    (
        "collections",
        "Consent collections",
        "consent:collections",
        access.anyone_who(Action.RUN_CONSENT_COLLECTION),
        105,
    ),
    ("parent", "Your children's consent", "consent:parent", access.is_parent, 110),
)


def _children(user) -> dict:
    return {"children": access.children_of(user).select_related("school").order_by("first_name")}


HOME_CARDS = (
    registries.HomeCard(
        key="consent.check",
        label="Consent check",
        url_name="consent:check",
        visible_to=access.anyone_who(Action.MANAGE_CONSENT_REGISTER),
        description="Before a photo or video of a pupil is posted, check that their parent has given "
        "consent for that use.",
        order=30,
    ),
    registries.HomeCard(
        key="consent.children",
        label="Your children's consent",
        url_name="consent:parent",
        visible_to=access.is_parent,
        template="consent/partials/home_children.html",
        context=_children,
        order=40,
    ),
)


def register() -> None:
    for card in HOME_CARDS:
        registries.home_cards.register(card)
    registries.demo_records.register(
        registries.DemoRecords(key="consent", seed=demo.seed_demo_records, order=20)
    )
    registries.register_navigation("consent", NAVIGATION)
    types = registries.retention_types
    types.register(
        registries.RetentionType(
            key="consent",
            label="Photo and video consent answers",
            basis="recorded",
            default_years=3,
            due=consent_due,
            models=(ConsentAnswer, ConsentState, WithdrawalFollowUp),
            erase=consent_answer_erase,
            erase_pupil=consent_erase_pupil,
            order=20,
        )
    )
    types.register(
        registries.RetentionType(
            key="event_briefings",
            label="Event briefings (pupils listed for an event)",
            basis="recorded",
            default_years=3,
            due=events_due,
            models=(Event,),
            erase=event_briefing_erase,
            erase_pupil=event_erase_pupil,
            order=21,
        )
    )
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
    registries.dashboard_figures.register(
        registries.DashboardFigure(
            key="consent.coverage", label="Photo consent coverage", counts=figures.coverage_counts, order=50
        )
    )
