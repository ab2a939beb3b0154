"""Date filters for templates, written as core.dates writes them: {% load dates %}."""

from __future__ import annotations

from datetime import date, datetime

from django import template

from core import dates

register = template.Library()

register.filter("long_date", dates.long_date)
register.filter("long_datetime", dates.long_datetime)
register.filter("short_date", dates.short_date)
register.filter("short_datetime", dates.short_datetime)
register.filter("weekday_date", dates.weekday_date)
register.filter("month_and_year", dates.month_and_year)
register.filter("exact_datetime", dates.exact_datetime)
register.filter("time_of_day", dates.time_of_day)


@register.filter
def iso_when(value: str | None) -> str:
    """An ISO timestamp from an export (subject access), as people read it: 25 Nov 2026, 13:02.

    The time is the one written in the export, not converted to UK time."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return dates.short_datetime(moment.replace(tzinfo=None))


@register.filter
def iso_date(value: str | None) -> str:
    """An ISO date from an export, as people read it: 25 Nov 2026."""
    if not value:
        return ""
    try:
        return dates.short_date(date.fromisoformat(value))
    except ValueError:
        return value
