"""Reads of approvals, scoped through the access layer."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts import access
from accounts.roles import Action
from approvals.models import FINAL_STATES, ApprovalRequest, ApprovalStep, BlockedContentRequest, State
from approvals.workflows import all_workflows


def decision_inbox(*, user) -> list[ApprovalRequest]:
    """Requests waiting for this user's decision, oldest first (never their own)."""
    condition = Q(pk__in=[])
    for workflow in all_workflows():
        for step in workflow.steps:
            schools = access.schools_for(user, step.action)
            if schools:
                condition |= Q(type=workflow.type, state__in=step.from_states, school_id__in=schools)
    candidates = (
        ApprovalRequest.objects.filter(condition)
        .exclude(requester=user)
        .exclude(state__in=FINAL_STATES)
        .select_related("school", "requester", *[w.detail_related_name for w in all_workflows()])
        .order_by("state_changed_at", "created_at")
    )
    # A step may apply only to some requests (a trust-branded account needs the director): the
    # declared ``applies`` decides, on rows already fetched.
    from approvals.services import available_steps

    return [r for r in candidates if available_steps(user, r)]


def requests_visible_to(*, user) -> QuerySet[ApprovalRequest]:
    """Every request the user may look at: their own, and those of schools where they decide that kind."""
    condition = Q(requester=user)
    for workflow in all_workflows():
        for action in workflow.decider_actions + workflow.viewer_actions:
            schools = access.schools_for(user, action)
            if schools:
                condition |= Q(type=workflow.type, school_id__in=schools)
    return ApprovalRequest.objects.filter(condition).select_related("school", "requester")


# --- fetching one request for a page: 404 when not visible, 403 when visible but not allowed ------


def _actions_of(workflow) -> tuple[str, ...]:
    return tuple(dict.fromkeys(workflow.decider_actions + workflow.viewer_actions))


def _load(request_id) -> ApprovalRequest:
    try:
        return ApprovalRequest.objects.select_related("school", "requester").get(pk=request_id)
    except (ApprovalRequest.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None


def _in_school(user, request: ApprovalRequest, actions) -> bool:
    return any(request.school_id in access.schools_for(user, action) for action in actions)


def request_for_view(*, user, request_id) -> ApprovalRequest:
    """A request the user may read: their own, or one of a kind they decide (or oversee) in its school.

    Someone of the same school with no part in this kind of request gets 403; anyone else 404.
    """
    request = _load(request_id)
    if request.requester_id == user.pk:
        return request
    actions = _actions_of(request.workflow)
    if _in_school(user, request, actions):
        return request
    if _in_school(user, request, (Action.REQUEST_APPROVAL,)):
        raise PermissionDenied
    raise Http404


def request_for_decision(*, user, request_id) -> ApprovalRequest:
    """A request the user may decide on in its school (any step of its kind); the service checks the step."""
    request = _load(request_id)
    # The requester gets the request too, so that the service can say why they may not decide it.
    if request.requester_id == user.pk or _in_school(user, request, request.workflow.decider_actions):
        return request
    if _in_school(user, request, (Action.REQUEST_APPROVAL,)):
        raise PermissionDenied
    raise Http404


def request_for_requester(*, user, request_id) -> ApprovalRequest:
    """The user's own request (anyone else's is a 404)."""
    request = _load(request_id)
    if request.requester_id != user.pk:
        raise Http404
    return request


def decider_actions_held(user, request: ApprovalRequest) -> list[str]:
    """The actions of this request's workflow the user holds in its school."""
    return [a for a in request.workflow.decider_actions if request.school_id in access.schools_for(user, a)]


def timeline(request: ApprovalRequest) -> list[ApprovalStep]:
    """Every step of the request, oldest first, with who took it."""
    return list(request.steps.select_related("by").order_by("at", "id"))


def approvals_of_current_version(request: ApprovalRequest) -> list[ApprovalStep]:
    """The decisions that count: forward steps (approve, assess, agree) taken on the current version."""
    names = {step.name for step in request.workflow.steps}
    return [s for s in timeline(request) if s.version == request.version and s.step in names]


def requests_list(*, user, type_: str | None = None, state: str | None = None, mine: bool = False):
    """The requests page: what the user may see, newest first, optionally filtered."""
    requests = requests_visible_to(user=user)
    if mine:
        requests = requests.filter(requester=user)
    if type_:
        requests = requests.filter(type=type_)
    if state:
        requests = requests.filter(state=state)
    return requests.order_by("-created_at", "pk")


def recently_decided_by(*, user, days: int = 90, limit: int = 20) -> list[ApprovalRequest]:
    """Requests the user took a decision on lately, newest decision first."""
    since = timezone.now() - timedelta(days=days)
    ids = (
        ApprovalStep.objects.filter(by=user, at__gte=since)
        .exclude(step__in=["created", "submit", "edited", "withdraw"])
        .exclude(request__requester=user)
        .order_by("-at")
        .values_list("request_id", flat=True)
    )
    ordered = list(dict.fromkeys(ids))[:limit]
    found = ApprovalRequest.objects.filter(pk__in=ordered).select_related("school", "requester").in_bulk()
    return [found[pk] for pk in ordered if pk in found]


def request_for_action(*, user, request_id, action: str) -> ApprovalRequest:
    """A request on which the user takes ``action`` in its school: 404 if not visible, 403 if not allowed."""
    request = _load(request_id)
    if request.school_id in access.schools_for(user, action):
        return request
    request_for_view(user=user, request_id=request_id)
    raise PermissionDenied


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
