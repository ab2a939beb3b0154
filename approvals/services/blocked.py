"""Writes of blocked content access (004 §7, App. A; the DfE filtering and monitoring standard): an approved
request opens access for a set time, the ICT technician records when the filter change was applied
and removed, and access ends by itself."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.models import User
from accounts.roles import Action
from approvals.models import (
    ApprovalReminder,
    ApprovalRequest,
    ApprovalStep,
    BlockedContentRequest,
    RequestType,
    State,
)
from approvals.models.details import until_text
from core.audit import audit_record
from core.dates import long_datetime
from core.models import AuditEntry
from core.notifications import notify
from core.once import claim

log = logging.getLogger(__name__)
APPLIED = "applied"
REMOVED = "removed"


def _link(request: ApprovalRequest) -> str:
    return reverse("approvals:detail", args=[request.pk])


def _ict(request: ApprovalRequest):
    return access.users_with(Action.RECORD_ICT_ACTIONS, request.school_id)


def _midnight(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def _fresh(request: ApprovalRequest) -> BlockedContentRequest:
    # As the database holds it now: a copy cached on the request may predate the ICT's record.
    return BlockedContentRequest.objects.select_related("request").get(pk=request.pk)


def _step(
    request: ApprovalRequest, *, step: str, label: str, by: User | None, comment: str = "", role: str = ""
):
    return ApprovalStep.objects.create(
        request=request,
        step=step,
        label=label,
        from_state=request.state,
        to_state=request.state,
        version=request.version,
        by=by,
        by_role=role,
        comment=comment,
    )


def blocked_access_open(*, request: ApprovalRequest, by: User) -> BlockedContentRequest:
    """On approval: access runs from the start of the first day asked for (or now) to the end of the
    last, and the ICT technicians are asked to apply the filter change."""
    detail = _fresh(request)
    now = timezone.now()
    detail.access_starts = max(_midnight(detail.requested_start), now)
    detail.access_ends = _midnight(detail.requested_end + timedelta(days=1))
    detail.expired_at = None
    if detail.filter_removed_at:
        # An earlier window's change was applied and removed: this approval needs a change of its own
        # (the earlier one stays on the timeline and in the audit log).
        detail.filter_applied_at = detail.filter_applied_by = detail.filter_removed_at = None
        detail.filter_removed_by = None
        detail.filter_applied_note = detail.filter_removed_note = ""
    detail.save()
    request.blocked_content = detail
    when = long_datetime(detail.access_starts)
    for person in _ict(request):
        notify(
            user=person,
            subject=f"Blocked content access {request.reference} is approved: apply the filter change",
            body=f"Access is approved from {when} until {until_text(detail.access_ends)}. Record in the "
            "portal when you apply the change.",
            link=_link(request),
        )
    return detail


def blocked_access_close(*, request: ApprovalRequest, by: User | None, reason: str) -> BlockedContentRequest:
    """End access now (the approval no longer holds): the filter change must be removed."""
    detail = _fresh(request)
    if detail.expired_at is None and detail.access_starts is not None:
        detail.expired_at = timezone.now()
        detail.save(update_fields=["expired_at"])
        request.blocked_content = detail
        _step(request, step="access_ended", label="Access ended", by=by, comment=reason)
        _tell_to_remove(request, detail, reason)
    return detail


def _tell_to_remove(request: ApprovalRequest, detail: BlockedContentRequest, reason: str) -> None:
    if detail.filter_applied_at and not detail.filter_removed_at:
        subject = f"Blocked content access {request.reference} has ended: remove the filter change"
    else:
        subject = f"Blocked content access {request.reference} has ended"
    for person in _ict(request):
        notify(user=person, subject=subject, body=reason, link=_link(request))
    notify(user=request.requester, subject=f"Your blocked content access {request.reference} has ended",
           body=reason, link=_link(request))  # fmt: skip


@transaction.atomic
def blocked_filter_record(
    *, user: User, request: ApprovalRequest, change: str, note: str = ""
) -> BlockedContentRequest:
    """The ICT technician records that the filter change was applied, or removed (DfE standard: every
    change is logged against its approval)."""
    request = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
    if request.type != RequestType.BLOCKED_CONTENT:
        raise ValidationError("Filter changes are recorded on blocked content access requests only.")
    if not access.can(user, Action.RECORD_ICT_ACTIONS, request):
        raise PermissionDenied
    detail = request.blocked_content
    now = timezone.now()
    if change == APPLIED:
        if request.state != State.APPROVED or detail.expired_at:
            raise ValidationError("Access is not approved now: the filter must not be changed.")
        if detail.filter_applied_at:
            raise ValidationError("The filter change is already recorded as applied.")
        if detail.access_starts and now < detail.access_starts:
            starts = long_datetime(detail.access_starts)
            raise ValidationError(f"Access is approved from {starts}: apply the change then.")
        detail.filter_applied_at, detail.filter_applied_by, detail.filter_applied_note = (
            now,
            user,
            note.strip(),
        )
        fields = ["filter_applied_at", "filter_applied_by", "filter_applied_note"]
        label = "Filter change applied"
    elif change == REMOVED:
        if not detail.filter_applied_at:
            raise ValidationError("No filter change has been applied for this request.")
        if detail.filter_removed_at:
            raise ValidationError("The filter change is already recorded as removed.")
        detail.filter_removed_at, detail.filter_removed_by, detail.filter_removed_note = (
            now,
            user,
            note.strip(),
        )
        fields = ["filter_removed_at", "filter_removed_by", "filter_removed_note"]
        label = "Filter change removed"
    else:
        raise ValidationError({"change": "Choose whether the filter change was applied or removed."})
    detail.save(update_fields=fields)
    _step(request, step=f"filter_{change}", label=label, by=user, comment=note.strip(), role="ICT technician")
    audit_record(
        verb=AuditEntry.Verb.UPDATE, obj=request, changes={f"filter_{change}_at": [None, now.isoformat()]}
    )
    notify(user=request.requester, subject=f"Blocked content access {request.reference}: {label.lower()}",
           link=_link(request))  # fmt: skip
    return detail


# --- the sweeps (Celery beat): access ending tomorrow, and ended -------------------------------


def blocked_access_ending_sweep(now: datetime | None = None) -> int:
    """Tell the requester and the ICT technicians the day before access ends; returns how many."""
    now = now or timezone.now()
    due = BlockedContentRequest.objects.filter(
        request__state=State.APPROVED,
        expired_at__isnull=True,
        access_ends__gt=now,
        access_ends__lte=now + timedelta(days=1),
    ).select_related("request", "request__requester")
    sent = 0
    for detail in due:
        request = detail.request
        with transaction.atomic():
            if not claim(
                ApprovalReminder, request=request, kind="access_ending", key=detail.access_ends.isoformat()
            ):
                continue
            subject = f"Blocked content access {request.reference} ends at {until_text(detail.access_ends)}"
            for person in {request.requester, *_ict(request)}:
                notify(user=person, subject=subject, link=_link(request))
        sent += 1
    return sent


def blocked_access_expiry_sweep(now: datetime | None = None) -> int:
    """End every approved access whose time is up (the request stays approved, its access expired),
    telling the ICT technicians to remove the filter change; returns how many ended."""
    now = now or timezone.now()
    due = BlockedContentRequest.objects.filter(
        request__state=State.APPROVED, expired_at__isnull=True, access_ends__lte=now
    ).values_list("pk", flat=True)
    ended = 0
    for pk in list(due):
        with transaction.atomic():
            request = ApprovalRequest.objects.select_for_update().select_related("requester").get(pk=pk)
            detail = BlockedContentRequest.objects.get(pk=pk)
            if request.state != State.APPROVED or detail.expired_at or detail.access_ends > now:
                continue
            if not claim(
                ApprovalReminder, request=request, kind="access_ended", key=detail.access_ends.isoformat()
            ):
                continue
            detail.expired_at = now
            detail.save(update_fields=["expired_at"])
            _step(
                request,
                step="access_ended",
                label="Access ended by itself at the end of the approved time",
                by=None,
            )
            audit_record(
                verb=AuditEntry.Verb.UPDATE, obj=request, changes={"expired_at": [None, now.isoformat()]}
            )
            _tell_to_remove(request, detail, "The approved time for access is over.")
        ended += 1
    return ended


def blocked_filter_reminder_sweep(now: datetime | None = None) -> int:
    """Once a day, remind the ICT technicians of ended access whose filter change is still applied."""
    now = now or timezone.now()
    today = timezone.localdate(now).isoformat()
    waiting = BlockedContentRequest.objects.filter(
        expired_at__lte=now - timedelta(days=1),
        filter_applied_at__isnull=False,
        filter_removed_at__isnull=True,
    ).select_related("request")
    sent = 0
    for detail in waiting:
        with transaction.atomic():
            if not claim(ApprovalReminder, request=detail.request, kind="remove_filter", key=today):
                continue
            for person in _ict(detail.request):
                notify(
                    user=person,
                    subject=f"Still to do: remove the filter change for {detail.request.reference}",
                    link=_link(detail.request),
                )
        sent += 1
    return sent


@transaction.atomic
def blocked_sensitive_set(*, user: User, request: ApprovalRequest, sensitive: bool) -> None:
    """The ICT technician records, with their assessment, whether the site is in a sensitive category."""
    request = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
    if request.requester_id == user.pk or not access.can(user, Action.RECORD_ICT_ACTIONS, request):
        raise PermissionDenied
    if request.state != State.SUBMITTED:
        raise ValidationError("The category is recorded with the ICT assessment, before anyone else decides.")
    detail = request.blocked_content
    if detail.sensitive_category == sensitive:
        return
    # The requester may not know the filter's categories: the technician's finding decides whether
    # the Designated Safeguarding Lead must agree before the headteacher.
    audit_record(
        verb=AuditEntry.Verb.UPDATE,
        obj=request,
        changes={"sensitive_category": [detail.sensitive_category, sensitive]},
    )
    detail.sensitive_category = sensitive
    detail.save(update_fields=["sensitive_category"])
