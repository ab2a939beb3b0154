"""Reads of incidents, every one scoped through the access layer."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Least
from django.http import Http404
from django.utils import timezone

from accounts import access
from accounts.models import Pupil
from accounts.roles import Action
from core.erasure import ERASED
from incidents.models import (
    Evidence,
    Incident,
    IncidentEvent,
    IncidentPerson,
    IntegrityCheck,
    IntegrityProblem,
    ModerationEntry,
    Platform,
    Status,
    Takedown,
    TakedownNotice,
    TakedownStep,
)

# What the case page shows of an incident besides its own fields.
CASE_RELATED = ("school", "platform", "reporter", "assigned_to")


# --- one record, for a view: 404 unless visible, 403 unless the action is allowed -------------------
# accounts.access.get_object_for scopes by one action; an incident is visible by its own handling
# action (Incident.handler_action), so these start from Incident.objects.visible_to instead.


def _one(queryset: QuerySet, **lookup):
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError):
        raise Http404 from None


def incident_for_handler(*, user, incident_id, act: str | None = None) -> Incident:
    """An incident the user handles (404 for another school's or one naming them); 403 unless they
    may also ``act`` on it."""
    incident = _one(Incident.objects.visible_to(user).select_related(*CASE_RELATED), pk=incident_id)
    if act is not None and not access.can(user, act, incident):
        raise PermissionDenied
    return incident


def incident_for_reporter(*, user, incident_id) -> Incident:
    """One of the user's own reports (404 otherwise)."""
    return _one(Incident.objects.reported_by(user).select_related("school", "platform"), pk=incident_id)


def incident_for_handler_or_reporter(*, user, incident_id) -> tuple[Incident, bool]:
    """The case if the user handles it (with True), else their own report (with False); 404 otherwise."""
    incident = Incident.objects.visible_to(user).select_related(*CASE_RELATED).filter(pk=incident_id).first()
    if incident is not None:
        return incident, True
    return incident_for_reporter(user=user, incident_id=incident_id), False


def takedown_for_handler(*, user, takedown_id) -> Takedown:
    """A takedown of an incident the user handles (404 otherwise)."""
    related = [f"incident__{name}" for name in CASE_RELATED]
    return _one(
        Takedown.objects.filter(incident__in=Incident.objects.visible_to(user)).select_related(
            "incident", *related
        ),
        pk=takedown_id,
    )


def evidence_for(*, user, incident_id, evidence_id) -> Evidence:
    """A file of a case, to its handlers, or to the reporter who uploaded it (404 otherwise, and for
    a file erased under the retention schedule or a person's request)."""
    incident = Incident.objects.visible_to(user).filter(pk=incident_id).first()
    if incident is not None:
        evidence = Evidence.objects.filter(incident=incident)
    else:
        evidence = Evidence.objects.filter(incident_id=incident_id, incident__reporter=user, uploaded_by=user)
    return _one(evidence.exclude(original_name=ERASED).select_related("incident"), pk=evidence_id)


def platform_for(*, platform_id) -> Platform:
    """A platform of the age table (not school-owned: the view admits only people who administer schools)."""
    return _one(Platform.objects.all(), pk=platform_id)


def incident_queue(
    *,
    user,
    kind: str = "",
    status: str = "",
    severity: int | None = None,
    platform=None,
    pupil: Pupil | None = None,
    school=None,
    overdue_only: bool = False,
) -> QuerySet[Incident]:
    """The handler's queue: most urgent first, each row with its next deadline, in fixed queries.

    ``status`` is a Status value, "open" for every case not closed, or empty for all."""
    now = timezone.now()
    open_takedowns = Takedown.objects.filter(incident=OuterRef("pk"), closed_at__isnull=True).order_by(
        "deadline"
    )
    # A count per row by subquery, not a join with GROUP BY: the database then counts evidence only
    # for the page of rows shown, and the paginator's COUNT(*) leaves it out altogether.
    evidence = (
        Evidence.objects.filter(incident=OuterRef("pk")).order_by().values("incident").annotate(n=Count("pk"))
    )
    incidents = (
        Incident.objects.visible_to(user)
        .select_related("school", "platform", "assigned_to")
        # The queue shows none of the long text: left out, the rows the database sorts for a
        # trust-wide queue stay small enough to sort in memory.
        .defer("description", "urls", "nature", "accessed_by", "platform_other", "school__address")
        .annotate(
            takedown_deadline=Subquery(open_takedowns.values("deadline")[:1], output_field=DateTimeField()),
            evidence_count=Coalesce(Subquery(evidence.values("n"), output_field=IntegerField()), 0),
        )
        .annotate(
            next_deadline=Case(
                When(status=Status.CLOSED, then=Value(None, output_field=DateTimeField())),
                default=Least(F("respond_by"), Coalesce(F("takedown_deadline"), F("respond_by"))),
                output_field=DateTimeField(),
            ),
        )
        .annotate(
            is_overdue=Case(
                When(Q(next_deadline__lt=now), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            is_closed=Case(When(status=Status.CLOSED, then=Value(True)), default=Value(False)),
        )
    )
    if kind:
        incidents = incidents.filter(kind=kind)
    if status == "open":
        incidents = incidents.exclude(status=Status.CLOSED)
    elif status:
        incidents = incidents.filter(status=status)
    if severity is not None:
        incidents = incidents.filter(severity=severity)
    if platform is not None:
        incidents = incidents.filter(platform=platform)
    if pupil is not None:
        incidents = incidents.filter(
            Exists(IncidentPerson.objects.filter(incident=OuterRef("pk"), pupil=pupil))
        )
    if school is not None:
        incidents = incidents.filter(school=school)
    if overdue_only:
        incidents = incidents.filter(is_overdue=True)
    return incidents.order_by(
        "is_closed",
        "-immediate_risk",
        "-safeguarding_flag",
        "-is_overdue",
        "-severity",
        F("next_deadline").asc(nulls_last=True),
        "-reported_at",
    )


def incident_detail(*, incident: Incident) -> dict:
    """Everything a handler's case page shows, fetched in a fixed number of queries."""
    people = incident.people.select_related("pupil", "user").order_by("added_at")
    events = incident.events.select_related("by").order_by("at", "id")
    takedowns = incident.takedowns.prefetch_related(
        Prefetch("steps", queryset=Takedown.steps.rel.related_model.objects.select_related("by"))
    )
    return {
        "people": list(people),
        "events": list(events),
        "evidence": list(incident.evidence.select_related("uploaded_by")),
        "takedowns": list(takedowns),
    }


def reporter_view(*, incident: Incident) -> dict:
    """What the reporter may see of their own report: its status and the steps marked for them."""
    return {
        "events": list(incident.events.filter(visible_to_reporter=True).order_by("at", "id")),
        "evidence": list(incident.evidence.all()),
    }


def my_reports(*, user) -> QuerySet[Incident]:
    """The reports this person filed, newest first."""
    return Incident.objects.reported_by(user).select_related("school").order_by("-reported_at")


def safeguarding_records(*, user) -> QuerySet[Incident]:
    """Every incident in the schools where the user may see safeguarding records, whoever handles
    it, less those naming the user (subject exclusion): what a chronology or inspection pack shows."""
    return access.scope(Incident.objects.all(), user, Action.VIEW_SAFEGUARDING_RECORDS)


def pupil_chronology(*, user, pupil: Pupil) -> list[dict]:
    """Every incident involving the pupil and every step of each, across the years, oldest first.

    All the incidents about the pupil the user may see as safeguarding records, not only those they
    handle (a concern about staff involving the pupil too); incidents naming the user are left out.
    """
    incidents = (
        safeguarding_records(user=user)
        .filter(Exists(IncidentPerson.objects.filter(incident=OuterRef("pk"), pupil=pupil)))
        .select_related("school", "platform")
        .prefetch_related(
            Prefetch("events", queryset=IncidentEvent.objects.select_related("by").order_by("at", "id"))
        )
        .order_by("reported_at")
    )
    entries: list[dict] = []
    for incident in incidents:
        for event in incident.events.all():
            entries.append({"at": event.at, "incident": incident, "event": event})
    entries.sort(key=lambda e: (e["at"], e["event"].pk))
    return entries


def referrals(*, user, school_ids, date_from, date_to) -> list[dict]:
    """Referrals made in a period, for the inspection pack, oldest first: those recorded on a case
    and the reports to the police or CEOP made as a step of a takedown. Each is a dict of ``at``,
    ``incident``, ``agency``, ``reference``, ``note``, ``by`` and ``through`` (how it was recorded)."""
    visible = safeguarding_records(user=user).filter(school_id__in=school_ids)
    events = IncidentEvent.objects.filter(
        type=IncidentEvent.Type.REFERRAL,
        incident__in=visible,
        at__date__gte=date_from,
        at__date__lte=date_to,
    ).select_related("incident", "incident__school", "by")
    police = TakedownStep.objects.filter(
        type__in=POLICE_STEPS,
        takedown__incident__in=visible,
        at__date__gte=date_from,
        at__date__lte=date_to,
    ).select_related("takedown__incident", "takedown__incident__school", "by")
    rows = [
        {
            "at": event.at,
            "incident": event.incident,
            "agency": event.data.get("agency_label", ""),
            "reference": event.data.get("reference", ""),
            "note": event.text,
            "by": event.by,
            "through": "Referral",
        }
        for event in events
    ] + [
        {
            "at": step.at,
            "incident": step.takedown.incident,
            "agency": POLICE_STEPS[step.type],
            "reference": step.reference,
            "note": step.note,
            "by": step.by,
            "through": "Takedown",
        }
        for step in police
    ]
    rows.sort(key=lambda row: row["at"])
    return rows


# Reports to the police or CEOP made as steps of a takedown, and how the pack names the agency
# (the first, from before the ladder had separate steps, stays on the records it was taken for).
POLICE_STEPS = {
    TakedownStep.Type.POLICE_REPORTED: "Police or CEOP",
    TakedownStep.Type.REPORTED_POLICE: "Police",
    TakedownStep.Type.REPORTED_CEOP: "CEOP",
}


def integrity_last_check(*, user, actions) -> tuple[IntegrityCheck | None, list[IntegrityProblem]]:
    """The last evidence integrity check, and what it found in the schools where the user holds
    one of ``actions`` (incidents naming the user left out)."""
    check = IntegrityCheck.objects.first()
    if check is None:
        return None, []
    incidents = access.without_subjects(
        Incident.objects.filter(school_id__in=access.schools_for_any(user, *actions)), user
    )
    problems = (
        check.problems.filter(evidence__incident__in=incidents)
        .select_related("evidence__incident__school")
        .order_by("evidence__incident__reported_at", "id")
    )
    return check, list(problems)


def records_naming(*, user) -> dict[str, QuerySet]:
    """This app's records about incidents that name the user, as querysets of their ids in text
    (the audit log's ``object_id``), by audit object type (``app_label.model``): what the audit log
    leaves out for that user, as every other page does. Subqueries, so a reader costs no query."""
    naming = Incident.objects.filter(Incident.subject_exclusion_q(user)).values("pk")

    def keys(queryset: QuerySet) -> QuerySet:
        return queryset.annotate(key=Cast("pk", CharField())).values("key")

    return {
        Incident._meta.label_lower: keys(Incident.objects.filter(pk__in=naming)),
        Evidence._meta.label_lower: keys(Evidence.objects.filter(incident__in=naming)),
        Takedown._meta.label_lower: keys(Takedown.objects.filter(incident__in=naming)),
        ModerationEntry._meta.label_lower: keys(ModerationEntry.objects.filter(incident__in=naming)),
    }


def takedowns_due(*, deadline_by) -> QuerySet[Takedown]:
    """Open takedowns whose deadline falls by ``deadline_by``, with the rungs of the escalation
    ladder already sent: the sweep reads them in two queries and goes on only with those that have a
    rung still to send."""
    return (
        Takedown.objects.filter(closed_at__isnull=True, deadline__lte=deadline_by)
        .select_related("incident", "incident__assigned_to")
        .prefetch_related(Prefetch("notices", queryset=TakedownNotice.objects.only("takedown_id", "level")))
    )
