"""The approvals app's dashboard figures (core.registries.dashboard_figures): decisions waiting,
by how long they have waited, and official accounts whose annual review is due. Each is one query
grouped by school, whatever the number of schools; neither names anyone, so a viewer sees the same
counts as anybody else."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, Min, Q
from django.utils import timezone

from approvals.models import FINAL_STATES, ApprovalRequest, BlockedContentRequest, OfficialAccount, State
from approvals.services.reminders import WAITING_STATES, WAITING_WORKING_DAYS
from core.calendar import add_working_days
from core.registries import FigureCounts

# Requests in these states wait for their requester, not for a decision.
NOT_WAITING = frozenset(FINAL_STATES | {State.DRAFT, State.RETURNED})
# Accounts whose review falls due within this many days are listed as due soon.
REVIEW_WINDOW_DAYS = 30


def waiting_counts(*, school_ids, viewer, today: date) -> FigureCounts:
    """Requests waiting for a decision by school, in age bands (``waiting``: under 2 days, 2 to 7
    days, over 7 days), with when the oldest began waiting (``oldest_waiting``)."""
    now = timezone.now()
    two_days, seven_days = now - timedelta(days=2), now - timedelta(days=7)
    by_school = {}
    for row in (
        ApprovalRequest.objects.filter(school_id__in=school_ids)
        .exclude(state__in=NOT_WAITING)
        .values("school_id")
        .annotate(
            under_2_days=Count("id", filter=Q(state_changed_at__gt=two_days)),
            between=Count("id", filter=Q(state_changed_at__lte=two_days, state_changed_at__gt=seven_days)),
            over_7_days=Count("id", filter=Q(state_changed_at__lte=seven_days)),
            oldest=Min("state_changed_at"),
        )
        .order_by()
    ):
        by_school[row["school_id"]] = {
            "waiting": {
                "under_2_days": row["under_2_days"],
                "2_to_7_days": row["between"],
                "over_7_days": row["over_7_days"],
            },
            "oldest_waiting": row["oldest"],
        }
    return FigureCounts(by_school=by_school)


def account_review_counts(*, school_ids, viewer, today: date) -> FigureCounts:
    """Active official accounts by school whose annual review is overdue (``accounts_overdue``)
    or due within the window (``accounts_due_soon``)."""
    by_school = {}
    for row in (
        OfficialAccount.objects.filter(
            school_id__in=school_ids,
            status=OfficialAccount.Status.ACTIVE,
            next_review_due__lte=today + timedelta(days=REVIEW_WINDOW_DAYS),
        )
        .values("school_id")
        .annotate(
            overdue=Count("id", filter=Q(next_review_due__lt=today)),
            soon=Count("id", filter=Q(next_review_due__gte=today)),
        )
        .order_by()
    ):
        by_school[row["school_id"]] = {"accounts_overdue": row["overdue"], "accounts_due_soon": row["soon"]}
    return FigureCounts(by_school=by_school)


# --- Deadlines the portal chases, counted on the operations status page (core.heartbeat) ---------


def overdue_decisions(now, school_ids) -> int:
    """Requests waiting more than two working days for a decision (the reminders' rule)."""
    # Two working days are at least two calendar days: the database leaves out everything younger.
    waiting = ApprovalRequest.objects.filter(
        state__in=WAITING_STATES, state_changed_at__lte=now - timedelta(days=WAITING_WORKING_DAYS)
    )
    if school_ids is not None:
        waiting = waiting.filter(school_id__in=school_ids)
    return sum(
        1
        for since in waiting.values_list("state_changed_at", flat=True)
        if now > add_working_days(since, WAITING_WORKING_DAYS)
    )


def overdue_access_endings(now, school_ids) -> int:
    """Blocked content access whose time is up but which has not been ended."""
    due = BlockedContentRequest.objects.filter(
        request__state=State.APPROVED, expired_at__isnull=True, access_ends__lte=now
    )
    return (due if school_ids is None else due.filter(request__school_id__in=school_ids)).count()


def overdue_account_reviews(now, school_ids) -> int:
    """Official accounts past their annual review date."""
    accounts = OfficialAccount.objects.exclude(status=OfficialAccount.Status.CLOSED).filter(
        next_review_due__lt=timezone.localdate(now)
    )
    return (accounts if school_ids is None else accounts.filter(school_id__in=school_ids)).count()
