"""Reminders about decisions left waiting (SPEC §6): more than two working days at one step reminds
the people who may take it, and again every two working days after that.

Idempotent: each reminder is an ApprovalReminder row, unique per (request, kind, key), written in the
same transaction as its notifications.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from approvals.models import FINAL_STATES, ApprovalReminder, ApprovalRequest, State
from approvals.selectors.requests import next_deciders
from approvals.workflows import all_workflows
from core.calendar import add_working_days
from core.notifications import notify
from core.once import claim_all

WAITING_WORKING_DAYS = 2
# States in which a request waits for someone other than its requester.
WAITING_STATES = [s for s in State.values if s not in FINAL_STATES and s not in (State.DRAFT, State.RETURNED)]


def reminder_levels_due(waiting_since: datetime, now: datetime) -> list[int]:
    """Reminder 1 is due after two working days, reminder 2 after four, and so on."""
    levels = []
    level = 1
    while now > add_working_days(waiting_since, WAITING_WORKING_DAYS * level):
        levels.append(level)
        level += 1
    return levels


def waiting_decisions_sweep(now: datetime | None = None) -> int:
    """Remind the next deciders of every request waiting too long; returns how many reminders went."""
    now = now or timezone.now()
    # Two working days are at least two calendar days: nothing younger can be due.
    candidates = ApprovalRequest.objects.filter(
        state__in=WAITING_STATES, state_changed_at__lte=now - timedelta(days=WAITING_WORKING_DAYS)
    ).select_related("school", "requester", *_detail_names())
    sent = 0
    for request in candidates:
        levels = reminder_levels_due(request.state_changed_at, now)
        if not levels:
            continue
        since = request.state_changed_at.isoformat(timespec="seconds")
        # Only the highest level is sent: a sweep that ran late sends no burst of stale reminders.
        keys = [f"{since}#{level}" for level in levels]
        done = set(
            ApprovalReminder.objects.filter(request=request, kind="waiting", key__in=keys).values_list(
                "key", flat=True
            )
        )
        missing = [key for key in keys if key not in done]
        if not missing:
            continue
        with transaction.atomic():
            if not claim_all([ApprovalReminder(request=request, kind="waiting", key=key) for key in missing]):
                continue
            days = WAITING_WORKING_DAYS * levels[-1]
            for person in next_deciders(request):
                notify(
                    user=person,
                    subject=f"Reminder: {request.workflow.label} {request.reference} has waited more "
                    f"than {days} working days for your decision",
                    link=reverse("approvals:detail", args=[request.pk]),
                )
        sent += 1
    return sent


def _detail_names() -> list[str]:
    return [w.detail_related_name for w in all_workflows()]
