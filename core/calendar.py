"""Dates as schools and the law count them."""

from __future__ import annotations

from datetime import date


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
