"""How dates and times are written for people: one set of words for Python, templates and PDFs."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.template import Context, Template

from core import dates

# 14:37:05 UTC on a summer day is 15:37:05 in the UK (BST): what people read is the UK clock.
SUMMER = datetime(2026, 7, 6, 14, 37, 5, tzinfo=UTC)
WINTER = datetime(2026, 12, 7, 9, 5, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("write", "value", "expected"),
    [
        (dates.long_date, date(2026, 12, 7), "7 December 2026"),
        (dates.long_datetime, SUMMER, "6 July 2026, 15:37"),
        (dates.short_date, SUMMER, "6 Jul 2026"),
        (dates.short_datetime, WINTER, "7 Dec 2026, 09:05"),
        (dates.weekday_date, date(2026, 12, 7), "Monday 7 December 2026"),
        (dates.month_and_year, date(2026, 12, 1), "December 2026"),
        (dates.exact_datetime, SUMMER, "6 Jul 2026, 15:37:05"),
        (dates.time_of_day, SUMMER, "15:37"),
        (dates.numeric_date, date(2026, 12, 7), "07/12/2026"),
    ],
)
def test_each_format_on_the_uk_clock(write, value, expected):
    assert write(value) == expected
    assert write(None) == ""


def test_a_moment_just_after_midnight_in_the_uk_is_that_day():
    # 23:30 UTC on 6 July is 00:30 on 7 July in London.
    assert dates.long_date(datetime(2026, 7, 6, 23, 30, tzinfo=UTC)) == "7 July 2026"


def test_templates_write_the_same_words():
    template = Template(
        "{% load dates %}{{ d|long_date }}|{{ m|long_datetime }}|{{ d|weekday_date }}|"
        "{{ d|month_and_year }}|{{ m|exact_datetime }}|{{ m|time_of_day }}|{{ m|short_datetime }}"
    )
    rendered = template.render(Context({"d": date(2026, 12, 7), "m": SUMMER}))
    assert rendered == (
        "7 December 2026|6 July 2026, 15:37|Monday 7 December 2026|December 2026|"
        "6 Jul 2026, 15:37:05|15:37|6 Jul 2026, 15:37"
    )
