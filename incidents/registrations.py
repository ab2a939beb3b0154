"""What the incidents app tells the top layer (core.registries): its subject access section."""

from __future__ import annotations

from django.db.models import CharField, Max, Prefetch
from django.db.models.functions import Cast
from django.utils import timezone

from accounts import access
from accounts.roles import Action
from core import registries
from core.calendar import reached_by, years_after
from incidents import demo, figures, selectors
from incidents.models import (
    HANDLER_ACTIONS,
    Incident,
    IncidentEvent,
    IncidentPerson,
    Takedown,
    TakedownStep,
)
from incidents.services.erasure import incident_erase, incidents_erase_pupil


def _when(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _about(pupil):
    return Incident.objects.filter(pk__in=IncidentPerson.objects.filter(pupil=pupil).values("incident_id"))


def withheld_from(user, pupil) -> bool:
    """Does an incident about the pupil name the user (who may then not read it in an export)?"""
    return _about(pupil).filter(Incident.subject_exclusion_q(user)).exists()


def subject_access_rows(pupil) -> list[dict]:
    """Every incident naming the pupil, with its steps and takedowns. Other people named in the
    same incident are left out, and so are the steps that link another pupil."""
    links = IncidentPerson.objects.filter(pupil=pupil)
    incidents = (
        _about(pupil)
        .select_related("school")
        .prefetch_related(
            Prefetch("people", queryset=links, to_attr="this_pupil"),
            Prefetch("events", queryset=IncidentEvent.objects.select_related("by").order_by("at", "id")),
            Prefetch(
                "takedowns",
                queryset=Takedown.objects.order_by("opened_at").prefetch_related(
                    Prefetch("steps", queryset=TakedownStep.objects.select_related("by").order_by("at", "id"))
                ),
            ),
        )
        .order_by("reported_at")
    )
    rows = []
    for incident in incidents:
        events = [
            {
                "at": _when(event.at),
                "type": event.get_type_display(),
                "by": event.by.full_name if event.by else "Portal",
                "text": event.text,
            }
            for event in incident.events.all()
            # A step linking a pupil is about that pupil: only this pupil's own links come along.
            if not (
                event.type == IncidentEvent.Type.PUPIL_LINKED and event.data.get("pupil") != str(pupil.pk)
            )
        ]
        takedowns = [
            {
                "content_url": takedown.content_url,
                "status": takedown.get_status_display(),
                "opened_at": _when(takedown.opened_at),
                "deadline": _when(takedown.deadline),
                "removed_at": _when(takedown.removed_at),
                "steps": [
                    {
                        "at": _when(step.at),
                        "type": step.get_type_display(),
                        "by": step.by.full_name,
                        "reference": step.reference,
                        "text": step.note,
                    }
                    for step in takedown.steps.all()
                ],
            }
            for takedown in incident.takedowns.all()
        ]
        rows.append(
            {
                "reference": incident.reference,
                "school": incident.school.name,
                "kind": incident.get_kind_display(),
                "status": incident.get_status_display(),
                "reported_at": _when(incident.reported_at),
                "description": incident.description,
                "this_pupil_named_as": [link.get_role_display() for link in incident.this_pupil],
                "events": events,
                "takedowns": takedowns,
            }
        )
    return rows


def _chronology(rows: list[dict]) -> list[dict]:
    entries = []
    for row in rows:
        record = f"Incident {row['reference']}"
        entries += [{**event, "record": record} for event in row["events"]]
        for takedown in row["takedowns"]:
            entries += [{**step, "record": f"{record}, takedown"} for step in takedown["steps"]]
    return entries


def safeguarding_due(trust, years: int, today) -> list[registries.Due]:
    """Incidents whose youngest named pupil was born more than ``years`` years ago (child-protection
    records are kept until the youngest pupil's date of birth + 25 years by default)."""
    incidents = (
        Incident.objects.filter(school__trust=trust, people__pupil__isnull=False)
        .annotate(youngest=Max("people__pupil__date_of_birth"))
        .filter(youngest__lte=reached_by(today, years))
        .values("pk", "reference", "school_id", "youngest")
    )
    return [
        registries.Due(
            school_id=row["school_id"],
            object_id=str(row["pk"]),
            label=f"Incident {row['reference']}",
            review_due=years_after(row["youngest"], years),
        )
        for row in incidents
    ]


def unnamed_due(trust, years: int, today) -> list[registries.Due]:
    """Incidents naming no pupil (about a member of staff, the school's accounts, or someone
    described) reported more than ``years`` years ago."""
    incidents = (
        Incident.objects.filter(school__trust=trust, reported_at__date__lte=reached_by(today, years))
        .exclude(people__pupil__isnull=False)
        .values("pk", "reference", "school_id", "reported_at")
    )
    return [
        registries.Due(
            school_id=row["school_id"],
            object_id=str(row["pk"]),
            label=f"Incident {row['reference']}",
            review_due=years_after(timezone.localtime(row["reported_at"]).date(), years),
        )
        for row in incidents
    ]


def incidents_naming(user):
    """The ids, as text, of the incidents that name the user."""
    return (
        Incident.objects.filter(Incident.subject_exclusion_q(user))
        .annotate(key=Cast("pk", CharField()))
        .values("key")
    )


def _handles_concerns_without_triage(user) -> bool:
    """People who handle some kinds of concern but not the safeguarding queue (headteacher,
    ICT technician, marketing officer, chief executive, chair): their queue has another name."""
    return not access.has_any(user, Action.TRIAGE_INCIDENTS) and access.has_any_of(
        user, *(action for action in HANDLER_ACTIONS if action != Action.TRIAGE_INCIDENTS)
    )


NAVIGATION = (
    ("report", "Report a concern", "incidents:report", access.anyone_who(Action.REPORT_CONCERN), 40),
    ("my_reports", "My reports", "incidents:mine", access.anyone_who(Action.REPORT_CONCERN), 50),
    ("queue", "Safeguarding queue", "incidents:queue", access.anyone_who(Action.TRIAGE_INCIDENTS), 60),
    ("concerns", "Concerns to handle", "incidents:queue", _handles_concerns_without_triage, 70),
    (
        "moderation_log",
        "Moderation log",
        "incidents:moderation_log",
        access.anyone_who(Action.MODERATE_ACCOUNTS),
        80,
    ),
    ("platforms", "Platform ages", "incidents:platforms", access.anyone_who(Action.ADMINISTER_SCHOOL), 90),
)


HOME_CARDS = (
    registries.HomeCard(
        key="incidents.queue",
        label="Safeguarding queue",
        url_name="incidents:queue",
        visible_to=access.anyone_who(Action.TRIAGE_INCIDENTS),
        description="New concerns reach your safeguarding queue first, the most urgent at the top, with "
        "the time left on every takedown deadline.",
        order=10,
    ),
    registries.HomeCard(
        key="incidents.report_pupil",
        label="Report a concern",
        url_name="incidents:report",
        visible_to=access.is_pupil,
        description="If something online has upset you or a friend, or someone you do not know has "
        "contacted you, tell us. A member of staff who keeps pupils safe will read it.",
        warning="You can also talk to any adult you trust at school. If you are in danger now, call 999.",
        start=True,
        order=60,
    ),
    registries.HomeCard(
        key="incidents.report",
        label="Report a concern",
        url_name="incidents:report",
        visible_to=access.is_workforce_reporter,
        description="If you see something online that worries you about a pupil, a member of staff or one "
        "of the school's social media accounts, report it here.",
        warning="If a child is in immediate danger, call 999, then tell your Designated Safeguarding Lead "
        "straight away.",
        start=True,
        order=61,
    ),
)


def register() -> None:
    for card in HOME_CARDS:
        registries.home_cards.register(card)
    registries.demo_records.register(
        registries.DemoRecords(key="incidents", seed=demo.seed_demo_records, order=10)
    )
    registries.register_navigation("incidents", NAVIGATION)
    registries.retention_types.register(
        registries.RetentionType(
            key="safeguarding",
            label="Safeguarding records (incidents naming a pupil)",
            basis="date_of_birth",
            default_years=25,
            due=safeguarding_due,
            models=(IncidentPerson,),
            erase=incident_erase,
            erase_pupil=incidents_erase_pupil,
            kept_on_request=(
                "Child protection and safeguarding records are kept until the pupil is 25 "
                "(Keeping Children Safe in Education): a request does not erase them; the "
                "retention schedule does when their period ends."
            ),
            naming=incidents_naming,
            order=10,
        )
    )
    registries.retention_types.register(
        registries.RetentionType(
            key="incidents_unnamed",
            label="Incidents naming no pupil",
            basis="recorded",
            default_years=6,
            due=unnamed_due,
            models=(),
            erase=incident_erase,
            naming=incidents_naming,
            order=11,
        )
    )
    registries.subject_access_sections.register(
        registries.SubjectAccessSection(
            key="incidents",
            title="Incidents naming the pupil",
            export_for=subject_access_rows,
            models=(IncidentPerson,),
            print_template="incidents/print/subject_access_section.html",
            chronology_for=_chronology,
            withheld_from=withheld_from,
            empty="No incidents name this pupil.",
            order=20,
        )
    )
    registries.dashboard_figures.register(
        registries.DashboardFigure(
            key="incidents.open",
            label="Open incidents",
            counts=figures.open_incident_counts,
            counted=figures.counted_incidents,
            naming=figures.incidents_naming,
            order=10,
        )
    )
    registries.dashboard_figures.register(
        registries.DashboardFigure(
            key="incidents.takedowns",
            label="Takedowns inside the deadline",
            counts=figures.takedown_counts,
            order=20,
        )
    )
    registries.audit_naming.register(
        registries.AuditNaming(key="incidents", naming=lambda user: selectors.records_naming(user=user))
    )
    registries.deadline_counts.register(
        registries.DeadlineCount(
            key="takedowns",
            label="Takedowns past their 24-hour deadline",
            overdue=figures.overdue_takedowns,
            order=10,
        )
    )
    registries.deadline_counts.register(
        registries.DeadlineCount(
            key="first_responses",
            label="Reports past their first response time",
            overdue=figures.overdue_first_responses,
            order=20,
        )
    )
