"""The school and trust dashboards: aggregate figures read from the feature apps.

Every figure is a count grouped by school in the database, so a dashboard costs the same fixed
number of queries for 2 schools or 100, and nothing here names a pupil or a member of staff.

Figures are computed for the person who will read them (``viewer``): the records naming them as a
subject are left out of every count, the same way their queue leaves them out, so that a concern
about a headteacher or a DSL never shows on their own dashboard as "one more open incident".
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, F, Min, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts import access
from accounts.models import Membership, Pupil, School, YearGroup
from accounts.roles import SCHOOL_WORKFORCE
from approvals.models import FINAL_STATES, ApprovalRequest, OfficialAccount, State
from consent.models import ConsentState, Purpose
from core.calendar import academic_year_for, term_of
from governance.models import Acknowledgement, TrainingAttendance, TrainingSession
from governance.policies import current_versions
from incidents.models import Incident, Kind, Severity, Status, Takedown

TREND_MONTHS = 6
REVIEW_WINDOW_DAYS = 30
# Requests in these states wait for their requester, not for a decision.
NOT_WAITING = frozenset(FINAL_STATES | {State.DRAFT, State.RETURNED})
AGE_BANDS = (("under_2_days", "Under 2 days"), ("2_to_7_days", "2 to 7 days"), ("over_7_days", "Over 7 days"))


def percent(part: int, whole: int) -> int | None:
    """A whole percentage, or None when there is nothing to divide by."""
    return round(100 * part / whole) if whole else None


@dataclass
class SchoolFigures:
    """One school's figures (or the trust's totals)."""

    name: str
    school_id: object = None
    open_incidents: int = 0
    takedowns: int = 0
    takedowns_in_time: int = 0
    waiting: dict = field(default_factory=lambda: {key: 0 for key, _ in AGE_BANDS})
    oldest_waiting: datetime | None = None
    accounts_overdue: int = 0
    accounts_due_soon: int = 0
    pupils: int = 0
    pupils_answered: int = 0
    staff: int = 0
    acknowledgements_expected: int = 0
    acknowledgements: int = 0
    staff_trained: int = 0

    @property
    def takedowns_in_time_percent(self):
        return percent(self.takedowns_in_time, self.takedowns)

    @property
    def waiting_total(self) -> int:
        return sum(self.waiting.values())

    @property
    def consent_percent(self):
        return percent(self.pupils_answered, self.pupils)

    @property
    def acknowledgement_percent(self):
        return percent(self.acknowledgements, self.acknowledgements_expected)

    @property
    def training_percent(self):
        return percent(self.staff_trained, self.staff)

    def add(self, other: SchoolFigures) -> None:
        """Add another school's figures to these totals."""
        for name in (
            "open_incidents",
            "takedowns",
            "takedowns_in_time",
            "accounts_overdue",
            "accounts_due_soon",
            "pupils",
            "pupils_answered",
            "staff",
            "acknowledgements_expected",
            "acknowledgements",
            "staff_trained",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for key in self.waiting:
            self.waiting[key] += other.waiting[key]
        if other.oldest_waiting and (not self.oldest_waiting or other.oldest_waiting < self.oldest_waiting):
            self.oldest_waiting = other.oldest_waiting


@dataclass
class Dashboard:
    schools: list[SchoolFigures]
    total: SchoolFigures
    incidents_by_kind: list[dict]
    severities: list[tuple[int, str]]
    takedown_trend: list[dict]
    consent_by_year: list[dict]
    academic_year: str
    term: str
    generated_at: datetime

    @property
    def ack_rows(self) -> list[dict]:
        return [{"label": s.name, "percent": s.acknowledgement_percent} for s in self.schools]

    @property
    def training_rows(self) -> list[dict]:
        return [{"label": s.name, "percent": s.training_percent} for s in self.schools]

    @property
    def trend_rows(self) -> list[dict]:
        return [{"label": f"{m['month']:%B %Y}", "percent": m["percent"]} for m in self.takedown_trend]

    # --- kept with a stored report ---------------------------------------------------------------

    def to_data(self) -> dict:
        """The figures as plain JSON data, to keep with a report."""
        return json.loads(json.dumps(dataclasses.asdict(self), cls=DjangoJSONEncoder))

    @classmethod
    def from_data(cls, data: dict) -> Dashboard:
        """The figures kept by ``to_data``."""

        def school(row: dict) -> SchoolFigures:
            row = dict(row)
            row["oldest_waiting"] = parse_datetime(row["oldest_waiting"]) if row["oldest_waiting"] else None
            return SchoolFigures(**row)

        return cls(
            schools=[school(row) for row in data["schools"]],
            total=school(data["total"]),
            incidents_by_kind=copy.deepcopy(data["incidents_by_kind"]),
            severities=[tuple(pair) for pair in data["severities"]],
            takedown_trend=[{**m, "month": date.fromisoformat(m["month"])} for m in data["takedown_trend"]],
            consent_by_year=copy.deepcopy(data["consent_by_year"]),
            academic_year=data["academic_year"],
            term=data["term"],
            generated_at=parse_datetime(data["generated_at"]),
        )

    def without(self, contributions: list[dict]) -> Dashboard:
        """These figures less what some incidents added to them (see ``counted_incidents``): a
        stored report as a person named in those incidents may read it, the same as their
        dashboard would have shown it."""
        figures = Dashboard.from_data(self.to_data())
        schools = {str(s.school_id): s for s in figures.schools}
        column = {value: n for n, (value, _) in enumerate(figures.severities)}
        kinds = {row["kind"]: row for row in figures.incidents_by_kind}
        months = {m["month"].isoformat(): m for m in figures.takedown_trend}
        for added in contributions:
            targets = [t for t in (schools.get(added["school"]), figures.total) if t is not None]
            if added["open"]:
                kind, severity = added["open"]
                for target in targets:
                    target.open_incidents -= 1
                row = kinds[kind]
                row["counts"][column[severity]] -= 1
                row["total"] -= 1
            for month, in_time in added["takedowns"]:
                for target in targets:
                    target.takedowns -= 1
                    target.takedowns_in_time -= int(in_time)
                trend = months[month]
                trend["takedowns"] -= 1
                trend["in_time"] -= int(in_time)
                trend["percent"] = percent(trend["in_time"], trend["takedowns"])
        # The dashboard lists only the kinds that have an open incident.
        figures.incidents_by_kind = [row for row in figures.incidents_by_kind if row["total"]]
        return figures


def _trend_start(today: date) -> date:
    """The first day of the oldest month in the takedown trend."""
    months_back = today.year * 12 + today.month - 1 - (TREND_MONTHS - 1)
    return date(months_back // 12, months_back % 12 + 1, 1)


def _month_of(value, tz) -> date:
    return timezone.localtime(value, tz).date() if isinstance(value, datetime) else value


def counted_incidents(*, school_ids, today: date | None = None) -> dict[str, dict]:
    """Every incident that the incident figures of ``dashboard(viewer=None)`` count, with what it
    adds to them: its school, its kind and severity if it is open, and the month and timeliness of
    each of its takedowns in the trend. A stored report keeps this beside its figures, so that a
    reader later named in one of these incidents is shown the figures without it."""
    today = today or timezone.localdate()
    tz = timezone.get_current_timezone()
    since = datetime.combine(_trend_start(today), time.min, tzinfo=tz)
    counted: dict[str, dict] = {}
    for pk, school_id, kind, severity in (
        Incident.objects.filter(school_id__in=school_ids)
        .exclude(status=Status.CLOSED)
        .values_list("pk", "school_id", "kind", "severity")
    ):
        counted[str(pk)] = {"school": str(school_id), "open": [kind, severity], "takedowns": []}
    for incident_id, school_id, month, removed_at, deadline in (
        Takedown.objects.filter(school_id__in=school_ids, opened_at__gte=since)
        .annotate(month=TruncMonth("opened_at", tzinfo=tz))
        .values_list("incident_id", "school_id", "month", "removed_at", "deadline")
    ):
        row = counted.setdefault(str(incident_id), {"school": str(school_id), "open": None, "takedowns": []})
        in_time = removed_at is not None and removed_at <= deadline
        row["takedowns"].append([_month_of(month, tz).isoformat(), in_time])
    return counted


def dashboard(*, school_ids, viewer, today: date | None = None) -> Dashboard:
    """The figures for these schools (one school, or every school of a trust) in fixed queries,
    as ``viewer`` may see them: records naming the viewer are not counted. ``viewer=None`` counts
    everything (for a document that no single person's view decides)."""

    def seen(queryset):
        return access.without_subjects(queryset, viewer) if viewer is not None else queryset

    now = timezone.now()
    today = today or timezone.localdate()
    tz = timezone.get_current_timezone()
    # Query 1: the schools themselves, for their names.
    schools = list(School.objects.filter(pk__in=school_ids).order_by("name").values("id", "name", "trust_id"))
    ids = [row["id"] for row in schools]
    figures = {row["id"]: SchoolFigures(name=row["name"], school_id=row["id"]) for row in schools}

    # Query 2: open incidents by school, kind and severity.
    by_kind: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for row in (
        seen(Incident.objects.filter(school_id__in=ids))
        .exclude(status=Status.CLOSED)
        .values("school_id", "kind", "severity")
        .annotate(n=Count("id"))
        .order_by()
    ):
        figures[row["school_id"]].open_incidents += row["n"]
        by_kind[row["kind"]][row["severity"]] += row["n"]

    # Query 3: takedowns finished in the trend window, by school and month, and those in time.
    start = _trend_start(today)
    since = datetime.combine(start, time.min, tzinfo=tz)
    trend: dict[date, list[int]] = {}
    for row in (
        seen(Takedown.objects.filter(school_id__in=ids, opened_at__gte=since))
        .annotate(month=TruncMonth("opened_at", tzinfo=tz))
        .values("school_id", "month")
        .annotate(
            n=Count("id"),
            in_time=Count("id", filter=Q(removed_at__isnull=False, removed_at__lte=F("deadline"))),
        )
        .order_by()
    ):
        figures[row["school_id"]].takedowns += row["n"]
        figures[row["school_id"]].takedowns_in_time += row["in_time"]
        month = _month_of(row["month"], tz)
        counts = trend.setdefault(month, [0, 0])
        counts[0] += row["n"]
        counts[1] += row["in_time"]

    # Query 4: decisions waiting, by school, in age bands, with the oldest.
    two_days, seven_days = now - timedelta(days=2), now - timedelta(days=7)
    for row in (
        ApprovalRequest.objects.filter(school_id__in=ids)
        .exclude(state__in=NOT_WAITING)
        .values("school_id")
        .annotate(
            under_2_days=Count("id", filter=Q(state_changed_at__gt=two_days)),
            between=Count("id", filter=Q(state_changed_at__lte=two_days, state_changed_at__gt=seven_days)),
            over_7_days=Count("id", filter=Q(state_changed_at__lte=seven_days)),
            oldest=Min("state_changed_at"),
        )
        .order_by()
    ):
        waiting = figures[row["school_id"]]
        waiting.waiting = {
            "under_2_days": row["under_2_days"],
            "2_to_7_days": row["between"],
            "over_7_days": row["over_7_days"],
        }
        waiting.oldest_waiting = row["oldest"]

    # Query 5: active official accounts whose annual review is overdue or due within 30 days.
    for row in (
        OfficialAccount.objects.filter(
            school_id__in=ids,
            status=OfficialAccount.Status.ACTIVE,
            next_review_due__lte=today + timedelta(days=REVIEW_WINDOW_DAYS),
        )
        .values("school_id")
        .annotate(
            overdue=Count("id", filter=Q(next_review_due__lt=today)),
            soon=Count("id", filter=Q(next_review_due__gte=today)),
        )
        .order_by()
    ):
        figures[row["school_id"]].accounts_overdue = row["overdue"]
        figures[row["school_id"]].accounts_due_soon = row["soon"]

    # Query 6: pupils on roll and those with an answer for every purpose, by school and year group.
    # The answered pupils are counted once, in one pass over the year's answers, and matched by a
    # hashed IN: a subquery per pupil cost an index probe for each of a trust's 80,000 pupils.
    academic_year = academic_year_for(today)
    fully_answered = (
        ConsentState.objects.filter(pupil__school_id__in=ids, academic_year=academic_year)
        .values("pupil")
        .annotate(n=Count("pk"))
        .filter(n__gte=len(Purpose.values))
        .values("pupil")
    )
    consent_years: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for row in (
        Pupil.objects.filter(school_id__in=ids, is_active=True)
        .values("school_id", "year_group")
        .annotate(total=Count("id"), done=Count("id", filter=Q(pk__in=fully_answered)))
        .order_by()
    ):
        figures[row["school_id"]].pupils += row["total"]
        figures[row["school_id"]].pupils_answered += row["done"]
        consent_years[row["year_group"]][0] += row["total"]
        consent_years[row["year_group"]][1] += row["done"]

    # Query 7: members of staff per school.
    for row in (
        Membership.objects.filter(school_id__in=ids, role__in=SCHOOL_WORKFORCE, user__is_active=True)
        .values("school_id")
        .annotate(n=Count("user_id", distinct=True))
        .order_by()
    ):
        figures[row["school_id"]].staff = row["n"]

    # Query 8: the current policy versions that apply to these schools (trust-wide or their own).
    trust_ids = {row["trust_id"] for row in schools}
    versions = list(
        current_versions()
        .filter(Q(policy__school_id__in=ids) | Q(policy__school__isnull=True, policy__trust_id__in=trust_ids))
        .values("id", "policy__school_id")
    )
    for figure in figures.values():
        applicable = sum(1 for v in versions if v["policy__school_id"] in (None, figure.school_id))
        figure.acknowledgements_expected = applicable * figure.staff

    # Query 9: acknowledgements of those versions by staff of each school.
    acknowledgements = (
        Acknowledgement.objects.filter(
            # One filter() call, so every condition is on the same membership row: a person
            # working in two schools counts in each, but only for the policies of that school.
            Q(version__policy__school__isnull=True)
            | Q(version__policy__school_id=F("user__memberships__school_id")),
            version_id__in=[v["id"] for v in versions],
            user__is_active=True,
            user__memberships__school_id__in=ids,
            user__memberships__role__in=SCHOOL_WORKFORCE,
        )
        .values(school_id=F("user__memberships__school_id"))
        .annotate(n=Count("id", distinct=True))
        .order_by()
    )
    for row in acknowledgements:
        figures[row["school_id"]].acknowledgements = row["n"]

    # Query 10: staff of each school who attended staff training this term.
    term = term_of(today)
    for row in (
        TrainingAttendance.objects.filter(
            session__school_id__in=ids, session__kind=TrainingSession.Kind.STAFF, session__term=term
        )
        .filter(
            user__memberships__school_id=F("session__school_id"), user__memberships__role__in=SCHOOL_WORKFORCE
        )
        .values(school_id=F("session__school_id"))
        .annotate(n=Count("user_id", distinct=True))
        .order_by()
    ):
        figures[row["school_id"]].staff_trained = row["n"]

    total = SchoolFigures(name="All schools")
    for figure in figures.values():
        total.add(figure)

    severities = [(value, label) for value, label in Severity.choices]
    kind_rows = [
        {
            "kind": kind,
            "label": Kind(kind).label,
            "counts": [by_kind[kind].get(value, 0) for value, _ in severities],
            "total": sum(by_kind[kind].values()),
        }
        for kind in Kind.values
        if kind in by_kind
    ]
    months = []
    cursor = start
    while cursor <= today:
        done, in_time = trend.get(cursor, [0, 0])
        months.append(
            {"month": cursor, "takedowns": done, "in_time": in_time, "percent": percent(in_time, done)}
        )
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    consent_rows = [
        {
            "label": YearGroup(year).label,
            "pupils": counts[0],
            "answered": counts[1],
            "percent": percent(counts[1], counts[0]),
        }
        for year, counts in sorted(consent_years.items())
    ]
    return Dashboard(
        schools=[figures[i] for i in ids],
        total=total,
        incidents_by_kind=kind_rows,
        severities=severities,
        takedown_trend=months,
        consent_by_year=consent_rows,
        academic_year=academic_year,
        term=term,
        generated_at=now,
    )
