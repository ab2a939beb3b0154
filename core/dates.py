"""How the portal writes dates and times for people: the day first, the month in words, UK time.

Moments (datetimes) are shown in the portal's time zone (Europe/London); dates as they are.
Templates write the same through the filters of the ``dates`` library (core/templatetags)."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone


def _day(value: date | datetime) -> date | datetime:
    """A moment on the UK clock; a date as it is."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def long_date(value: date | datetime | None) -> str:
    """7 December 2026 (empty for no date)."""
    return f"{_day(value):%-d %B %Y}" if value else ""


def long_datetime(value: datetime | None) -> str:
    """7 December 2026, 15:37 (empty for no moment)."""
    return f"{_day(value):%-d %B %Y, %H:%M}" if value else ""


def short_date(value: date | datetime | None) -> str:
    """7 Dec 2026 (empty for no date)."""
    return f"{_day(value):%-d %b %Y}" if value else ""


def short_datetime(value: datetime | None) -> str:
    """7 Dec 2026, 15:37 (empty for no moment)."""
    return f"{_day(value):%-d %b %Y, %H:%M}" if value else ""


def weekday_date(value: date | datetime | None) -> str:
    """Monday 7 December 2026 (empty for no date)."""
    return f"{_day(value):%A %-d %B %Y}" if value else ""


def month_and_year(value: date | datetime | None) -> str:
    """December 2026 (empty for no date)."""
    return f"{_day(value):%B %Y}" if value else ""


def exact_datetime(value: datetime | None) -> str:
    """7 Dec 2026, 15:37:05: to the second, where the order of entries matters (the audit log)."""
    return f"{_day(value):%-d %b %Y, %H:%M:%S}" if value else ""


def time_of_day(value: datetime | None) -> str:
    """15:37 (empty for no moment)."""
    return f"{_day(value):%H:%M}" if value else ""


def numeric_date(value: date | datetime | None) -> str:
    """07/12/2026, as spreadsheets and MIS exports write dates (empty for no date)."""
    return f"{_day(value):%d/%m/%Y}" if value else ""
