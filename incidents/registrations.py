"""What the incidents app tells the top layer (core.registries): its subject access section."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import timezone

from core import registries
from incidents.models import Incident, IncidentEvent, IncidentPerson, Takedown, TakedownStep


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


def register() -> None:
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
