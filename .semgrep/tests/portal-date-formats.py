# ruff: noqa
# Targets for .semgrep/rules/portal-date-formats.yml (semgrep --test).
from core.dates import long_date, numeric_date


def reminder_subject(account):
    # ruleid: portal-date-formats
    when = account.next_review_due.strftime("%-d %B %Y")
    # ruleid: portal-date-formats
    cell = account.created_at.strftime("%d/%m/%Y")
    # ok: portal-date-formats
    due = long_date(account.next_review_due)
    # ok: portal-date-formats
    stamp = account.created_at.strftime("%H:%M")
    return when, cell, due, stamp, numeric_date(account.created_at)
