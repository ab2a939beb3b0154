"""Filtering (DfE filtering and monitoring standard): the ICT technician's filter changes to make, and
the review pack of a school year's blocked content decisions with their reasons, the ICT assessment
and the filter changes, as rows for the page, the CSV and the PDF."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Prefetch
from django.utils import timezone

from accounts import access
from accounts.roles import Action
from approvals.models import ApprovalRequest, ApprovalStep, BlockedContentRequest, RequestType, State
from approvals.models.details import until_text
from core.calendar import academic_year_for
from core.csv import write_csv
from core.dates import short_date, time_of_day


def filter_changes_for(*, user) -> dict[str, list]:
    """The ICT technician's work: approved access whose filter change is to apply, and ended access
    whose change is to remove."""

    base = BlockedContentRequest.objects.filter(
        request__school_id__in=access.schools_for(user, Action.RECORD_ICT_ACTIONS)
    ).select_related("request", "request__school", "request__requester")
    return {
        "to_apply": list(
            base.filter(
                request__state=State.APPROVED, expired_at__isnull=True, filter_applied_at__isnull=True
            ).order_by("access_starts")
        ),
        "open": list(
            base.filter(
                request__state=State.APPROVED,
                expired_at__isnull=True,
                filter_applied_at__isnull=False,
                filter_removed_at__isnull=True,
            ).order_by("access_ends")
        ),
        "to_remove": list(
            base.filter(filter_applied_at__isnull=False, filter_removed_at__isnull=True)
            .exclude(request__state=State.APPROVED, expired_at__isnull=True)
            .order_by("expired_at")
        ),
    }


DECISION_STEPS = ("head_approve", "reject", "return", "withdraw")


def recent_academic_years(count: int = 5, today: date | None = None) -> list[str]:
    """This academic year and the ones before it, newest first."""
    start = int(academic_year_for(today or timezone.localdate())[:4])
    return [f"{y}/{(y + 1) % 100:02d}" for y in range(start, start - count, -1)]


def year_bounds(year: str) -> tuple[datetime, datetime]:
    """The first moment of the academic year and of the next one, in the trust's time zone."""
    start = int(year[:4])
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(date(start, 9, 1), time.min, tzinfo=zone),
        datetime.combine(date(start + 1, 9, 1), time.min, tzinfo=zone),
    )


def _when(value) -> str:
    return f"{short_date(value)} {time_of_day(value)}" if value else ""


def _who(step: ApprovalStep | None) -> str:
    if step is None:
        return ""
    return str(step.by) if step.by_id else "The portal"


@dataclass
class ReviewRow:
    reference: str
    requested_by: str
    requested_on: str
    url: str
    site_content: str
    reasons: str
    risks_and_controls: str
    sensitive: str
    access_requested: str
    ict_assessment: str
    dsl_agreement: str
    decision: str
    decided_by: str
    decided_on: str
    decision_reasons: str
    access_approved: str
    filter_applied: str
    filter_removed: str
    access_ended: str

    HEADERS = [
        "Reference",
        "Requested by",
        "Requested on",
        "Full URL",
        "Site content",
        "Reasons for access",
        "Identified risks and control measures",
        "Sensitive category",
        "Access requested",
        "ICT assessment",
        "Designated Safeguarding Lead",
        "Decision",
        "Decided by",
        "Decided on",
        "Reasons for the decision",
        "Access approved",
        "Filter change applied",
        "Filter change removed",
        "Access ended",
    ]

    def values(self) -> list[str]:
        return [getattr(self, name) for name in self.__dataclass_fields__]


def filtering_review_rows(*, school, year: str) -> list[ReviewRow]:
    """Every blocked content access request of the school made in the academic year, oldest first."""
    start, end = year_bounds(year)
    requests = (
        ApprovalRequest.objects.filter(
            type=RequestType.BLOCKED_CONTENT, school=school, created_at__gte=start, created_at__lt=end
        )
        .exclude(state=State.DRAFT)
        .select_related(
            "requester",
            "blocked_content",
            "blocked_content__filter_applied_by",
            "blocked_content__filter_removed_by",
        )
        .prefetch_related(
            Prefetch("steps", queryset=ApprovalStep.objects.select_related("by").order_by("at", "id"))
        )
        .order_by("created_at", "pk")
    )
    return [_row(request) for request in requests]


def _row(request: ApprovalRequest) -> ReviewRow:
    detail = request.blocked_content
    steps = list(request.steps.all())

    def last(*names) -> ApprovalStep | None:
        found = [s for s in steps if s.step in names]
        return found[-1] if found else None

    ict, dsl, decision = last("ict_assess"), last("dsl_agree"), last(*DECISION_STEPS)
    return ReviewRow(
        reference=request.reference,
        requested_by=str(request.requester),
        requested_on=_when(request.submitted_at or request.created_at),
        url=detail.url,
        site_content=detail.site_content,
        reasons=detail.reasons,
        risks_and_controls=detail.risks_and_controls,
        sensitive="Yes" if detail.sensitive_category else "No",
        access_requested=f"{short_date(detail.requested_start)} to {short_date(detail.requested_end)}",
        ict_assessment=f"{_who(ict)}, {_when(ict.at)}: {ict.comment}" if ict else "",
        dsl_agreement=f"{_who(dsl)}, {_when(dsl.at)}: {dsl.comment}".rstrip(": ") if dsl else "",
        decision=request.get_state_display(),
        decided_by=_who(decision),
        decided_on=_when(decision.at) if decision else "",
        decision_reasons=decision.comment if decision else "",
        access_approved=(
            f"{_when(detail.access_starts)} to {until_text(detail.access_ends)}"
            if detail.access_starts
            else ""
        ),
        filter_applied=f"{_when(detail.filter_applied_at)} by {detail.filter_applied_by}"
        if detail.filter_applied_at
        else "",
        filter_removed=f"{_when(detail.filter_removed_at)} by {detail.filter_removed_by}"
        if detail.filter_removed_at
        else "",
        access_ended=_when(detail.expired_at),
    )


def filtering_review_csv(rows: list[ReviewRow]) -> str:
    """The review pack as CSV (one row per request, every cell safe to open in a spreadsheet)."""
    out = io.StringIO()
    write_csv(out, ReviewRow.HEADERS, (row.values() for row in rows))
    return out.getvalue()
