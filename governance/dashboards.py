"""The school and trust dashboards: aggregate figures the apps register
(core.registries.dashboard_figures), and governance's own (staff, acknowledgements, training).

Every figure is a count grouped by school in the database, so a dashboard costs the same fixed
number of queries for 2 schools or 100, and nothing here names a pupil or a member of staff.

Figures are computed for the person who will read them (``viewer``): each app's figure leaves out
the records naming them as a subject, the same way their queue leaves them out, so that a concern
about a headteacher or a DSL never shows on their own dashboard as "one more open incident".
"""

from __future__ import annotations

import copy
import dataclasses
import json
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts import access
from accounts.models import School
from core import registries
from core.calendar import academic_year_for, term_of
from governance.models import Acknowledgement, TrainingAttendance, TrainingSession
from governance.policies import current_versions

# The bands of how long decisions have waited (the keys the approvals figure counts under).
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
    # Takedowns whose 24 hours have an outcome (removed, or past the deadline), and those removed
    # in time: one still inside its window is neither a hit nor a miss.
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
        """These figures less what some incidents added to them (see ``counted_records``): a
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


# The names of the per-school figures, which the registered figures fill.
FIGURE_NAMES = frozenset(f.name for f in dataclasses.fields(SchoolFigures)) - {"name", "school_id"}


def counted_records(*, school_ids, today: date | None = None) -> dict[str, dict]:
    """Every record that the figures of ``dashboard(viewer=None)`` count and that may name someone,
    with what it adds to them (each registered figure's ``counted``). A stored report keeps this
    beside its figures, so that a reader later named in one of these records is shown the figures
    without it."""
    today = today or timezone.localdate()
    counted: dict[str, dict] = {}
    for figure in registries.dashboard_figures:
        if figure.counted is not None:
            counted.update(figure.counted(school_ids=school_ids, today=today))
    return counted


def records_naming(*, user, school_ids) -> set[str]:
    """The ids, as text, of the records of these schools counted in the figures that name the user."""
    naming: set[str] = set()
    for figure in registries.dashboard_figures:
        if figure.naming is not None:
            naming |= figure.naming(user=user, school_ids=school_ids)
    return naming


def dashboard(*, school_ids, viewer, today: date | None = None) -> Dashboard:
    """The figures for these schools (one school, or every school of a trust) in fixed queries,
    as ``viewer`` may see them: records naming the viewer are not counted. ``viewer=None`` counts
    everything (for a document that no single person's view decides)."""
    now = timezone.now()
    today = today or timezone.localdate()
    # Query 1: the schools themselves, for their names.
    schools = list(School.objects.filter(pk__in=school_ids).order_by("name").values("id", "name", "trust_id"))
    ids = [row["id"] for row in schools]
    figures = {row["id"]: SchoolFigures(name=row["name"], school_id=row["id"]) for row in schools}

    # Queries 2 to 6, one for each figure the apps registered: open incidents by school, kind and
    # severity; takedowns by school and month; decisions waiting; official accounts due for review;
    # pupils with photo consent answered, by school and year group.
    counted: dict[str, registries.FigureCounts] = {}
    for figure in registries.dashboard_figures:
        counts = figure.counts(school_ids=ids, viewer=viewer, today=today)
        counted[figure.key] = counts
        for school_id, values in counts.by_school.items():
            for name, value in values.items():
                if name not in FIGURE_NAMES:
                    raise ValueError(f"{figure.key}: the dashboards have no figure {name!r}")
                setattr(figures[school_id], name, value)

    # Query 7: members of staff per school.
    for school_id, n in access.staff_count_by_school(ids).items():
        figures[school_id].staff = n

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
            access.workforce_q("user__memberships__"),
            version_id__in=[v["id"] for v in versions],
            user__is_active=True,
            user__memberships__school_id__in=ids,
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
            access.workforce_q("user__memberships__"), user__memberships__school_id=F("session__school_id")
        )
        .values(school_id=F("session__school_id"))
        .annotate(n=Count("user_id", distinct=True))
        .order_by()
    ):
        figures[row["school_id"]].staff_trained = row["n"]

    total = SchoolFigures(name="All schools")
    for figure in figures.values():
        total.add(figure)

    def chart(key: str) -> registries.FigureCounts:
        return counted.get(key) or registries.FigureCounts(by_school={})

    return Dashboard(
        schools=[figures[i] for i in ids],
        total=total,
        incidents_by_kind=chart("incidents.open").chart,
        severities=chart("incidents.open").columns,
        takedown_trend=[
            {**month, "percent": percent(month["in_time"], month["takedowns"])}
            for month in chart("incidents.takedowns").chart
        ],
        consent_by_year=[
            {**year, "percent": percent(year["answered"], year["pupils"])}
            for year in chart("consent.coverage").chart
        ],
        academic_year=academic_year_for(today),
        term=term,
        generated_at=now,
    )
