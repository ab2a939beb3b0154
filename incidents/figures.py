"""The incidents app's dashboard figures (core.registries.dashboard_figures): open incidents by
kind and severity, and takedowns by month with those done inside their deadline (counting only
takedowns whose 24 hours have an outcome: one still inside its window is not yet a miss).

Each is one query grouped by school, whatever the number of schools. Counted for a viewer, the
incidents naming them are left out (``access.without_subjects``), as their queue leaves them out,
so that a concern about a headteacher or a DSL never shows on their own dashboard as "one more
open incident"."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db.models import BooleanField, CharField, Count, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import Cast, TruncMonth
from django.utils import timezone

from accounts import access
from core.registries import FigureCounts
from incidents.models import Incident, Kind, Severity, Status, Takedown

# How many months of takedowns the trend shows, this month included.
TREND_MONTHS = 6


def trend_start(today: date) -> date:
    """The first day of the oldest month in the takedown trend."""
    months_back = today.year * 12 + today.month - 1 - (TREND_MONTHS - 1)
    return date(months_back // 12, months_back % 12 + 1, 1)


def _since(today: date) -> datetime:
    return datetime.combine(trend_start(today), time.min, tzinfo=timezone.get_current_timezone())


def _month_of(value) -> date:
    tz = timezone.get_current_timezone()
    return timezone.localtime(value, tz).date() if isinstance(value, datetime) else value


def _seen(queryset: QuerySet, viewer) -> QuerySet:
    return access.without_subjects(queryset, viewer) if viewer is not None else queryset


def open_incident_counts(*, school_ids, viewer, today: date) -> FigureCounts:
    """Open incidents by school; the chart: by kind (the kinds with one open), by severity."""
    by_school: dict = defaultdict(lambda: {"open_incidents": 0})
    by_kind: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for row in (
        _seen(Incident.objects.filter(school_id__in=school_ids), viewer)
        .exclude(status=Status.CLOSED)
        .values("school_id", "kind", "severity")
        .annotate(n=Count("id"))
        .order_by()
    ):
        by_school[row["school_id"]]["open_incidents"] += row["n"]
        by_kind[row["kind"]][row["severity"]] += row["n"]
    severities = [(value, label) for value, label in Severity.choices]
    chart = [
        {
            "kind": kind,
            "label": Kind(kind).label,
            "counts": [by_kind[kind].get(value, 0) for value, _ in severities],
            "total": sum(by_kind[kind].values()),
        }
        for kind in Kind.values
        if kind in by_kind
    ]
    return FigureCounts(by_school=dict(by_school), chart=chart, columns=severities)


def _decided(now: datetime) -> Q:
    """Takedowns whose 24 hours have an outcome: removed (whenever), or past the deadline without
    having been closed as no longer needed in time. One still inside its window is neither a hit
    nor a miss, and nor is one withdrawn before its deadline (the host amended the content, say)."""
    withdrawn_in_time = Q(status=Takedown.Status.WITHDRAWN, closed_at__lte=F("deadline"))
    return Q(removed_at__isnull=False) | (Q(deadline__lte=now) & ~withdrawn_in_time)


# Removed by the deadline: the figure's hits.
IN_TIME = Q(removed_at__isnull=False, removed_at__lte=F("deadline"))


def takedown_counts(*, school_ids, viewer, today: date) -> FigureCounts:
    """Takedowns opened in the trend's months whose 24 hours have an outcome (``takedowns``) and
    those of them removed by their deadline (``takedowns_in_time``), by school; the chart: every
    month of the trend, oldest first (``month``, ``takedowns``, ``in_time``)."""
    tz = timezone.get_current_timezone()
    by_school: dict = defaultdict(lambda: {"takedowns": 0, "takedowns_in_time": 0})
    trend: dict[date, list[int]] = {}
    for row in (
        _seen(Takedown.objects.filter(school_id__in=school_ids, opened_at__gte=_since(today)), viewer)
        .filter(_decided(timezone.now()))
        .annotate(month=TruncMonth("opened_at", tzinfo=tz))
        .values("school_id", "month")
        .annotate(n=Count("id"), in_time=Count("id", filter=IN_TIME))
        .order_by()
    ):
        by_school[row["school_id"]]["takedowns"] += row["n"]
        by_school[row["school_id"]]["takedowns_in_time"] += row["in_time"]
        counts = trend.setdefault(_month_of(row["month"]), [0, 0])
        counts[0] += row["n"]
        counts[1] += row["in_time"]
    chart = []
    cursor = trend_start(today)
    while cursor <= today:
        done, in_time = trend.get(cursor, [0, 0])
        chart.append({"month": cursor, "takedowns": done, "in_time": in_time})
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    return FigureCounts(by_school=dict(by_school), chart=chart)


def counted_incidents(*, school_ids, today: date) -> dict[str, dict]:
    """Every incident that the two figures count for no particular viewer, with what it adds to
    them: its school, its kind and severity if it is open, and the month and timeliness of each of
    its takedowns in the trend. A stored report keeps this beside its figures, so that a reader
    later named in one of these incidents is shown the figures without it."""
    tz = timezone.get_current_timezone()
    counted: dict[str, dict] = {}
    for pk, school_id, kind, severity in (
        Incident.objects.filter(school_id__in=school_ids)
        .exclude(status=Status.CLOSED)
        .values_list("pk", "school_id", "kind", "severity")
    ):
        counted[str(pk)] = {"school": str(school_id), "open": [kind, severity], "takedowns": []}
    # The same takedowns as takedown_counts, by the same conditions.
    for incident_id, school_id, month, in_time in (
        Takedown.objects.filter(school_id__in=school_ids, opened_at__gte=_since(today))
        .filter(_decided(timezone.now()))
        .annotate(
            month=TruncMonth("opened_at", tzinfo=tz), in_time=ExpressionWrapper(IN_TIME, BooleanField())
        )
        .values_list("incident_id", "school_id", "month", "in_time")
    ):
        row = counted.setdefault(str(incident_id), {"school": str(school_id), "open": None, "takedowns": []})
        row["takedowns"].append([_month_of(month).isoformat(), bool(in_time)])
    return counted


def incidents_naming(*, user, school_ids) -> set[str]:
    """The ids, as text, of the incidents of these schools that name the user."""
    return set(
        Incident.objects.filter(Incident.subject_exclusion_q(user), school_id__in=school_ids)
        .annotate(key=Cast("pk", CharField()))
        .values_list("key", flat=True)
    )


# --- Deadlines the portal chases, counted on the operations status page (core.heartbeat) ---------


def _in_schools(queryset, school_ids):
    return queryset if school_ids is None else queryset.filter(school_id__in=school_ids)


def overdue_takedowns(now, school_ids) -> int:
    """Takedowns still open after their 24-hour deadline."""
    return _in_schools(Takedown.objects.filter(closed_at__isnull=True, deadline__lt=now), school_ids).count()


def overdue_first_responses(now, school_ids) -> int:
    """Reports nobody has taken up past their first response time: what the first-response ladder
    chases (incidents.services.first_response). A report in progress has had its answer."""
    incidents = Incident.objects.filter(status=Status.NEW, respond_by__lt=now)
    return _in_schools(incidents, school_ids).count()
