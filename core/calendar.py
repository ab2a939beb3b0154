"""Dates as schools and the law count them: academic years and terms, ages, anniversaries and
England's working days."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache

import holidays
from django.utils import timezone


def academic_year_for(day: date) -> str:
    """The academic year a day falls in, September to August: 2026-09-01 → "2026/27"."""
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def academic_year_start(academic_year: str) -> date:
    """The first day (1 September) of an academic year written "2026/27"."""
    return date(int(academic_year[:4]), 9, 1)


def next_academic_year(academic_year: str) -> str:
    """The academic year after this one."""
    return academic_year_for(date(academic_year_start(academic_year).year + 1, 9, 1))


def term_of(day: date) -> str:
    """The school term a day falls in: autumn (Sep–Dec), spring (Jan–Mar), summer (Apr–Aug)."""
    season = "autumn" if day.month >= 9 else ("spring" if day.month <= 3 else "summer")
    return f"{academic_year_for(day)} {season}"


def age_on(date_of_birth: date, day: date) -> int:
    """Age in whole years on a day."""
    return day.year - date_of_birth.year - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))


def years_after(day: date, years: int) -> date:
    """The same day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier (29 February becomes 28 February)."""
    return years_after(day, -years)


def reached_by(day: date, years: int) -> date:
    """The latest start date whose ``years``-th anniversary (``years_after``) falls on or before
    ``day``: on 28 February of a common year that includes 29 February of a leap year, whose
    anniversary is that 28 February."""
    start = years_before(day, years)
    if day.month == 2 and day.day == 28:
        try:
            return start.replace(day=29)
        except ValueError:
            return start
    return start


@cache
def _bank_holidays() -> holidays.HolidayBase:
    """England's bank holidays (academies are English schools), for any year asked about."""
    return holidays.country_holidays("GB", subdiv="ENG")


def is_working_day(day: date) -> bool:
    """Monday to Friday, and not a bank holiday in England."""
    return day.weekday() < 5 and day not in _bank_holidays()


def add_working_days(start: datetime, days: int) -> datetime:
    """The moment ``days`` working days (Monday to Friday but bank holidays, in the trust's time
    zone) after ``start``."""
    local = timezone.localtime(start)
    counted = 0
    while counted < days:
        local += timedelta(days=1)
        if is_working_day(local.date()):
            counted += 1
    return local
