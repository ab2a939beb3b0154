"""Dates for tests that must pass on every day of every year: worked out from the day the test runs
(or from a day the test pins), never written in as this year's.

Adding years to a date with ``date.replace(year=...)`` raises on 29 February; these move it to
28 February, as the portal's own retention dates do.
"""

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
