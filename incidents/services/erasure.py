"""Erasure of incidents whose retention period has ended, or that name a pupil whose data is
erased on request (the governance erasure service calls these through the retention registry).

What stays is that an incident of a kind, at a school, was reported, handled and closed on those
dates: the figures and the inspection pack still count it. What goes is everything that says who
or what it was about: the description and addresses, the people named, the timeline's text, the
takedowns' addresses, the evidence files and what the audit log copied of them. The timeline and
takedown steps are append-only; their personal columns go through core.erasure's one narrow path."""

from __future__ import annotations

from django.db import transaction

from core.erasure import ERASED, delete_files, erase_append_only_rows, erase_audit_entries
from incidents.models import Evidence, Incident, IncidentEvent, IncidentPerson, Takedown, TakedownStep


@transaction.atomic
def incident_erase(object_id: str) -> dict[str, int]:
    """Erase the personal data of one incident and everything hanging from it; returns rows per model."""
    incident = Incident.objects.select_for_update().get(pk=object_id)
    people = list(IncidentPerson.objects.filter(incident=incident).values_list("pk", flat=True))
    evidence = list(Evidence.objects.filter(incident=incident))
    takedowns = list(Takedown.objects.filter(incident=incident).values_list("pk", flat=True))
    counts = {
        "incidents.incident": Incident.objects.filter(pk=incident.pk).update(
            description=ERASED, urls=[], accessed_by="", platform_other=""
        ),
        # Unlinked, so the incident no longer says who it was about (the check constraint allows an
        # unknown person with no link).
        "incidents.incidentperson": IncidentPerson.objects.filter(pk__in=people).update(
            identity=IncidentPerson.Identity.UNKNOWN, pupil=None, user=None, description=""
        ),
        "incidents.evidence": erase_append_only_rows(kind="evidence", ids=[row.pk for row in evidence]),
        "files": delete_files(evidence),
        "incidents.takedown": Takedown.objects.filter(pk__in=takedowns).update(
            content_url="https://erased.invalid/", host="", removal_reference=""
        ),
        "incidents.incidentevent": erase_append_only_rows(
            kind="incident_event",
            ids=IncidentEvent.objects.filter(incident=incident).values_list("pk", flat=True),
        ),
        "incidents.takedownstep": erase_append_only_rows(
            kind="takedown_step",
            ids=TakedownStep.objects.filter(takedown_id__in=takedowns).values_list("pk", flat=True),
        ),
    }
    audit = 0
    for object_type, ids in (
        ("incidents.incident", [incident.pk]),
        ("incidents.incidentperson", people),
        ("incidents.evidence", [row.pk for row in evidence]),
        ("incidents.takedown", takedowns),
    ):
        audit += erase_audit_entries(object_type=object_type, object_ids=ids)
    counts["core.auditentry"] = audit
    return counts


def incidents_erase_pupil(pupil) -> dict[str, int]:
    """Erase every incident naming the pupil, in full: the description and timeline may name them
    anywhere, so an incident cannot be kept with only the pupil taken out."""
    counts: dict[str, int] = {}
    incident_ids = IncidentPerson.objects.filter(pupil=pupil).values_list("incident_id", flat=True).distinct()
    for incident_id in list(incident_ids):
        for key, value in incident_erase(str(incident_id)).items():
            counts[key] = counts.get(key, 0) + value
    return counts
