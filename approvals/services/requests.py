"""Requests and decisions: one service moves every kind of request through its declared workflow.

Each move locks the request, checks access (the step's action in the request's school, never on
one's own request) and the step's guard, saves, appends to the timeline, writes the audit log and
notifies the next deciders after the transaction commits.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.models import School, User
from accounts.roles import Action
from approvals.models import (
    FINAL_STATES,
    ApprovalRequest,
    ApprovalStep,
    RequestVersion,
    SignedRecord,
    State,
)
from approvals.pdf import request_pdf
from approvals.selectors.requests import available_steps, may_take, next_deciders, role_label_for
from approvals.workflows import REJECT, RETURN, SUBMIT, WITHDRAW, Workflow, get_workflow
from core.audit import audit_record
from core.models import AuditEntry
from core.notifications import notifications_mark_done, notify

AfterSave = Callable[[Any], None]


def _reference(workflow: Workflow) -> str:
    prefix = "".join(word[0] for word in workflow.type.split("_")).upper()
    return f"{prefix}-{timezone.now():%y%m}-{uuid.uuid4().hex[:6].upper()}"


def _link(request: ApprovalRequest) -> str:
    return reverse("approvals:detail", args=[request.pk])


def _record(
    request: ApprovalRequest,
    *,
    step: str,
    label: str,
    from_state: str,
    by: User,
    comment: str = "",
    by_role: str = "",
):
    return ApprovalStep.objects.create(
        request=request,
        step=step,
        label=label,
        from_state=from_state,
        to_state=request.state,
        version=request.version,
        by=by,
        by_role=by_role,
        comment=comment.strip(),
    )


class StaleVersion(ValidationError):
    """The decider read an earlier version of the request than the one now waiting for decision."""


def _keep_version(request: ApprovalRequest, detail, by: User) -> RequestVersion:
    """Keep what this version of the request says, as its case page shows it."""
    return RequestVersion.objects.create(
        request=request,
        number=request.version,
        title=request.title,
        rows=[[label, str(value)] for label, value in detail.summary_rows()],
        by=by,
    )


def _check_version(request: ApprovalRequest, seen: int | None) -> None:
    # Without this an approval given on the page read before an edit would approve the edited words.
    if seen is not None and seen != request.version:
        raise StaleVersion(
            f"This request was changed after you opened it: you read version {seen}, and version "
            f"{request.version} is now waiting for a decision. Read the request again, then decide."
        )


def _store_signed_record(request: ApprovalRequest) -> SignedRecord:
    """Print the signed PDF of the version just approved, once, and keep it with its hash."""
    pdf = request_pdf(request)
    record = SignedRecord(
        request=request, version=request.version, sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf)
    )
    # Saved with the record, inside the decision's transaction: no approval without its signed PDF.
    record.file.save(f"{request.reference}-v{request.version}.pdf", ContentFile(pdf), save=False)
    record.save()
    return record


def _waiting_subject(request: ApprovalRequest) -> str:
    return f"{request.workflow.label} {request.reference} is waiting for your decision"


def _set_state(request: ApprovalRequest, state: str) -> None:
    # Whatever the request was waiting for has been done (or is no longer asked): the notifications
    # asking for it are marked done for everyone they were sent to, before the next are sent.
    notifications_mark_done(link=_link(request), subject=_waiting_subject(request))
    now = timezone.now()
    request.state = state
    request.state_changed_at = now
    fields = ["state", "state_changed_at", "decided_at"]
    # A request sent back for decision is no longer decided: the earlier decision does not count.
    request.decided_at = now if state in FINAL_STATES else None
    if state == State.SUBMITTED:
        request.submitted_at = now
        fields.append("submitted_at")
    request.save(update_fields=fields)


def _notify_next(request: ApprovalRequest) -> None:
    for user in next_deciders(request):
        notify(
            user=user,
            subject=_waiting_subject(request),
            link=_link(request),
        )


def _save_detail(detail, after_save: AfterSave | None, *, editing: bool = False) -> None:
    detail.full_clean()
    if editing:
        # Only what the requester fills in: the fields the portal keeps (an access window, the ICT
        # technician's filter record) are never overwritten by a copy read before they changed.
        protected = set(getattr(detail, "SYSTEM_FIELDS", ()))
        fields = [
            f.name for f in detail._meta.concrete_fields if not f.primary_key and f.name not in protected
        ]
        detail.save(update_fields=fields)
    else:
        detail.save()
    if after_save is not None:
        after_save(detail)
    # Many-to-many fields (administrators, pupils shown) can only be checked once saved.
    check_related = getattr(detail, "clean_related", None)
    if check_related is not None:
        check_related()


@transaction.atomic
def request_create(
    *,
    user: User,
    school: School,
    type_: str,
    title: str,
    detail,
    submit: bool = True,
    after_save: AfterSave | None = None,
) -> ApprovalRequest:
    """Create a request with its unsaved detail record; submitted at once unless ``submit`` is False.

    ``after_save(detail)`` runs once the detail is saved, in the same transaction (to set its
    many-to-many fields and files); a ValidationError anywhere leaves nothing behind.
    """
    if not access.can(user, Action.REQUEST_APPROVAL, school):
        raise PermissionDenied
    workflow = get_workflow(type_)
    request = ApprovalRequest.objects.create(
        reference=_reference(workflow), type=type_, school=school, title=title[:200], requester=user
    )
    detail.request = request
    _save_detail(detail, after_save)
    _keep_version(request, detail, user)
    _record(request, step="created", label="Created", from_state=State.DRAFT, by=user)
    audit_record(verb=AuditEntry.Verb.CREATE, obj=request, changes={"type": [None, type_]})
    if submit:
        request = request_submit(user=user, request=request)
    return request


def _locked(request: ApprovalRequest) -> ApprovalRequest:
    return ApprovalRequest.objects.select_for_update().get(pk=request.pk)


@transaction.atomic
def request_submit(*, user: User, request: ApprovalRequest, comment: str = "") -> ApprovalRequest:
    """Send a draft or a returned request for decision."""
    request = _locked(request)
    if request.requester_id != user.pk or not access.can(user, Action.REQUEST_APPROVAL, request):
        raise PermissionDenied
    if request.state not in (State.DRAFT, State.RETURNED):
        raise ValidationError("Only a draft or a returned request can be submitted.")
    previous = request.state
    _set_state(request, State.SUBMITTED)
    _record(
        request,
        step=SUBMIT,
        label="Submitted" if previous == State.DRAFT else "Resubmitted",
        from_state=previous,
        by=user,
        comment=comment,
    )
    _notify_next(request)
    return request


@transaction.atomic
def request_edit(
    *,
    user: User,
    request: ApprovalRequest,
    detail,
    title: str | None = None,
    after_save: AfterSave | None = None,
) -> ApprovalRequest:
    """Save the requester's changes: a new version, and any approval already given no longer holds."""
    request = _locked(request)
    if request.requester_id != user.pk or not access.can(user, Action.REQUEST_APPROVAL, request):
        raise PermissionDenied
    if request.state in (State.REJECTED, State.WITHDRAWN):
        raise ValidationError("A rejected or withdrawn request cannot be changed; make a new one.")
    # The detail was read before the lock: it must be this request's own record.
    if detail.pk != request.pk:
        raise ValidationError("These changes are for another request.")
    detail.request = request
    # What a decider confirmed was about the previous version (a post's criteria): it is asked again.
    forget = getattr(detail, "forget_decisions", None)
    if forget is not None:
        forget()
    _save_detail(detail, after_save, editing=True)
    previous = request.state
    request.version += 1
    fields = ["version"]
    if title is not None:
        request.title = title[:200]
        fields.append("title")
    request.save(update_fields=fields)
    _keep_version(request, detail, user)
    if previous not in (State.DRAFT, State.RETURNED):
        # Whatever was approved was the previous version: the decision starts again.
        _set_state(request, State.SUBMITTED)
        label = (
            "Changed while waiting for a decision"
            if previous == State.SUBMITTED
            else "Changed after decisions: sent back for approval"
        )
        _record(request, step="edited", label=label, from_state=previous, by=user)
        if previous == State.APPROVED and request.workflow.on_reopened is not None:
            request.workflow.on_reopened(request, user)
        _notify_next(request)
    else:
        _record(request, step="edited", label="Changed", from_state=previous, by=user)
    audit_record(
        verb=AuditEntry.Verb.UPDATE, obj=request, changes={"version": [request.version - 1, request.version]}
    )
    return request


@transaction.atomic
def request_take_step(
    *, user: User, request: ApprovalRequest, step_name: str, comment: str = "", version: int | None = None
) -> ApprovalRequest:
    """Take a forward step (approve, assess, agree) of the request's workflow, on the version read."""
    request = _locked(request)
    workflow = request.workflow
    if request.requester_id == user.pk:
        raise ValidationError("You cannot decide your own request.")
    try:
        step = workflow.step(step_name)
    except KeyError:
        raise ValidationError("Unknown step.") from None
    if not may_take(user, request, step):
        raise PermissionDenied
    _check_version(request, version)
    if step not in workflow.steps_from(request):
        raise ValidationError(
            f"“{step.label}” cannot be taken while the request is {request.get_state_display().lower()}."
        )
    if step.comment_required and not comment.strip():
        raise ValidationError({"comment": "Enter the reasons for your decision."})
    if step.guard is not None:
        problem = step.guard(request)
        if problem:
            raise ValidationError(problem)
    previous = request.state
    _set_state(request, step.to_state)
    _record(
        request,
        step=step.name,
        label=step.label,
        from_state=previous,
        by=user,
        comment=comment,
        by_role=role_label_for(user, request, step),
    )
    audit_record(verb=AuditEntry.Verb.UPDATE, obj=request, changes={"state": [previous, step.to_state]})
    if request.state == State.APPROVED:
        if workflow.on_approved is not None:
            workflow.on_approved(request, user)
        _store_signed_record(request)
        notify(
            user=request.requester,
            subject=f"{workflow.label} {request.reference} is approved",
            link=_link(request),
        )
    else:
        _notify_next(request)
    return request


@transaction.atomic
def request_return(
    *, user: User, request: ApprovalRequest, comment: str, version: int | None = None
) -> ApprovalRequest:
    """Send the request back to the requester for changes (a reason is required)."""
    return _end_or_return(user, request, comment, State.RETURNED, RETURN, "Returned for changes", version)


@transaction.atomic
def request_reject(
    *, user: User, request: ApprovalRequest, comment: str, version: int | None = None
) -> ApprovalRequest:
    """Refuse the request (a reason is required)."""
    return _end_or_return(user, request, comment, State.REJECTED, REJECT, "Rejected", version)


def _end_or_return(user, request, comment, state, step_name, label, version):
    request = _locked(request)
    if request.requester_id == user.pk:
        raise ValidationError("You cannot decide your own request.")
    steps = available_steps(user, request)
    if not steps:
        if not any(may_take(user, request, s) for s in request.workflow.steps):
            raise PermissionDenied
        _check_version(request, version)
        raise ValidationError("This request is not waiting for your decision.")
    _check_version(request, version)
    if not comment.strip():
        raise ValidationError({"comment": "Enter the reasons for your decision."})
    previous = request.state
    _set_state(request, state)
    _record(
        request,
        step=step_name,
        label=label,
        from_state=previous,
        by=user,
        comment=comment,
        by_role=role_label_for(user, request, steps[0]),
    )
    audit_record(verb=AuditEntry.Verb.UPDATE, obj=request, changes={"state": [previous, state]})
    notify(
        user=request.requester,
        subject=f"{request.workflow.label} {request.reference}: {label.lower()}",
        link=_link(request),
    )
    return request


@transaction.atomic
def request_withdraw(*, user: User, request: ApprovalRequest, comment: str = "") -> ApprovalRequest:
    """The requester withdraws a request that is not yet decided."""
    request = _locked(request)
    if request.requester_id != user.pk:
        raise PermissionDenied
    if request.is_final:
        raise ValidationError("This request has already been decided.")
    previous = request.state
    _set_state(request, State.WITHDRAWN)
    _record(request, step=WITHDRAW, label="Withdrawn", from_state=previous, by=user, comment=comment)
    audit_record(verb=AuditEntry.Verb.UPDATE, obj=request, changes={"state": [previous, State.WITHDRAWN]})
    return request
