"""The consent app's dashboard figure (core.registries.dashboard_figures): pupils on roll and
those with an answer for every purpose this academic year, by school and by year group, in one
query whatever the number of schools. It names no one."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import Count, Q

from accounts.models import Pupil, YearGroup
from consent.models import ConsentState, Purpose
from core.calendar import academic_year_for
from core.registries import FigureCounts


def coverage_counts(*, school_ids, viewer, today: date) -> FigureCounts:
    """Pupils on roll (``pupils``) and those fully answered (``pupils_answered``) by school; the
    chart: the same by year group (``label``, ``pupils``, ``answered``), youngest first."""
    # The answered pupils are counted once, in one pass over the year's answers, and matched by a
    # hashed IN: a subquery per pupil cost an index probe for each of a trust's 80,000 pupils.
    fully_answered = (
        ConsentState.objects.filter(pupil__school_id__in=school_ids, academic_year=academic_year_for(today))
        .values("pupil")
        .annotate(n=Count("pk"))
        .filter(n__gte=len(Purpose.values))
        .values("pupil")
    )
    by_school: dict = defaultdict(lambda: {"pupils": 0, "pupils_answered": 0})
    years: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for row in (
        Pupil.objects.filter(school_id__in=school_ids, is_active=True)
        .values("school_id", "year_group")
        .annotate(total=Count("id"), done=Count("id", filter=Q(pk__in=fully_answered)))
        .order_by()
    ):
        by_school[row["school_id"]]["pupils"] += row["total"]
        by_school[row["school_id"]]["pupils_answered"] += row["done"]
        years[row["year_group"]][0] += row["total"]
        years[row["year_group"]][1] += row["done"]
    chart = [
        {"label": YearGroup(year).label, "pupils": counts[0], "answered": counts[1]}
        for year, counts in sorted(years.items())
    ]
    return FigureCounts(by_school=dict(by_school), chart=chart)
