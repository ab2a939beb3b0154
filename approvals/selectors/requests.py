"""Reads of requests: who may decide, the inbox and lists, and one request fetched for a page
through the access layer (404 when not visible, 403 when visible but not allowed)."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts import access
from accounts.models import User
from accounts.roles import Action
from approvals.models import (
    FINAL_STATES,
    ApprovalRequest,
    ApprovalStep,
    PostMedia,
    RequestVersion,
    SignedRecord,
)
from approvals.workflows import Step, Workflow, all_workflows

# --- who may decide ------------------------------------------------------------------------------


def decided_in_place(request: ApprovalRequest, step: Step) -> bool:
    """True when the requester would normally take this step: the policies' next decider takes it."""
    return str(step.action) in access.STAND_INS and request.school_id in access.schools_for(
        request.requester, step.action
    )


def may_take(user: User, request: ApprovalRequest, step: Step) -> bool:
    """May this user take the step on this request (in place of the requester where they would)?"""
    if request.requester_id == user.pk:
        return False
    if decided_in_place(request, step):
        return access.stand_in_role(user, step.action, request.school_id) is not None
    return access.can(user, step.action, request)


def role_label_for(user: User, request: ApprovalRequest, step: Step) -> str:
    """The role in which the user takes the step, as the timeline and the signed PDF name it."""
    if decided_in_place(request, step):
        role = access.stand_in_role(user, step.action, request.school_id) or "Decider"
        return f"{role}, in place of the {step.role_label.lower()}"
    return step.role_label


def waiting_for(request: ApprovalRequest) -> list[str]:
    """Whose decision the request waits for, by role."""
    if request.is_final:
        return []
    labels = []
    for step in request.workflow.steps_from(request):
        if decided_in_place(request, step):
            roles = " or ".join(access.STAND_IN_LABELS[str(step.action)])
            labels.append(f"{roles} (the requester is the {step.role_label.lower()})")
        else:
            labels.append(step.role_label)
    return list(dict.fromkeys(labels))


def available_steps(user: User, request: ApprovalRequest) -> list[Step]:
    """The forward steps this user may take on the request now (guards are checked on taking)."""
    if request.requester_id == user.pk or request.is_final:
        return []
    return [s for s in request.workflow.steps_from(request) if may_take(user, request, s)]


def next_deciders(request: ApprovalRequest) -> list[User]:
    """The people who may take the next step (never the requester)."""
    people: dict = {}
    for step in request.workflow.steps_from(request):
        if decided_in_place(request, step):
            candidates = access.stand_ins_for(step.action, request.school_id)
        else:
            candidates = access.users_with(step.action, request.school_id)
        for user in candidates.exclude(pk=request.requester_id):
            people[user.pk] = user
    return list(people.values())


def decider_actions_held(user, request: ApprovalRequest) -> list[str]:
    """The actions of this request's workflow the user holds in its school."""
    return [a for a in request.workflow.decider_actions if request.school_id in access.schools_for(user, a)]


# --- lists ---------------------------------------------------------------------------------------


def decision_inbox(*, user) -> list[ApprovalRequest]:
    """Requests waiting for this user's decision, oldest first (never their own)."""
    condition = Q(pk__in=[])
    for workflow in all_workflows():
        for step in workflow.steps:
            schools = access.schools_for(user, step.action) | access.schools_standing_in(user, step.action)
            if schools:
                condition |= Q(type=workflow.type, state__in=step.from_states, school_id__in=schools)
    candidates = (
        ApprovalRequest.objects.filter(condition)
        .exclude(requester=user)
        .exclude(state__in=FINAL_STATES)
        .select_related("school", "requester", *[w.detail_related_name for w in all_workflows()])
        .order_by("state_changed_at", "created_at")
    )
    # A step may apply only to some requests (a trust-branded account needs the director), and a
    # requester's own step goes to the next decider: decided on rows already fetched, each
    # requester's grants read once.
    candidates = list(candidates)
    requesters: dict = {}
    for r in candidates:
        r.requester = requesters.setdefault(r.requester_id, r.requester)
    access.load_grants(requesters.values())
    return [r for r in candidates if available_steps(user, r)]


def _actions_of(workflow: Workflow) -> tuple[str, ...]:
    return tuple(dict.fromkeys(workflow.decider_actions + workflow.viewer_actions))


def _requests_where(user, actions_of) -> QuerySet[ApprovalRequest]:
    """The user's own requests, and those of the schools where they hold one of ``actions_of(kind)``."""
    condition = Q(requester=user)
    for workflow in all_workflows():
        for action in actions_of(workflow):
            schools = access.schools_for(user, action)
            if schools:
                condition |= Q(type=workflow.type, school_id__in=schools)
        for action in workflow.decider_actions:
            # Whoever decides in place of a requester sees the requests they were sent, not the rest.
            for school_id in access.schools_standing_in(user, action):
                condition |= Q(
                    type=workflow.type,
                    school_id=school_id,
                    requester__in=access.users_with(action, school_id).values("pk"),
                )
    return ApprovalRequest.objects.filter(condition).select_related("school", "requester")


def requests_visible_to(*, user) -> QuerySet[ApprovalRequest]:
    """Every request the user may look at: their own, and those of schools where they decide that kind."""
    return _requests_where(user, _actions_of)


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


# --- fetching one request for a page: 404 when not visible, 403 when visible but not allowed ------


def _fetch(user, request_id, allowed: QuerySet[ApprovalRequest]) -> ApprovalRequest:
    """The request if it is in ``allowed``; otherwise 403 for staff of its school, 404 for anyone else."""
    found = allowed.filter(pk=request_id).first()
    if found is not None:
        return found
    # Raises 404 unless the user works in the request's school (and so may know it exists).
    access.get_object_for(user, ApprovalRequest, Action.REQUEST_APPROVAL, pk=request_id)
    raise PermissionDenied


def request_for_view(*, user, request_id) -> ApprovalRequest:
    """A request the user may read: their own, or one of a kind they decide (or oversee) in its school.

    Someone of the same school with no part in this kind of request gets 403; anyone else 404.
    """
    return _fetch(user, request_id, requests_visible_to(user=user))


def request_for_decision(*, user, request_id) -> ApprovalRequest:
    """A request the user may decide on in its school (any step of its kind); the service checks the step."""
    # The requester gets the request too, so that the service can say why they may not decide it.
    return _fetch(user, request_id, _requests_where(user, lambda workflow: workflow.decider_actions))


def request_for_requester(*, user, request_id) -> ApprovalRequest:
    """The user's own request (anyone else's is a 404)."""
    # Scoped by the requester alone: someone who has left the school may still withdraw what they asked.
    request = (
        ApprovalRequest.objects.filter(requester=user, pk=request_id)
        .select_related("school", "requester")
        .first()
    )
    if request is None:
        raise Http404
    return request


def request_for_action(*, user, request_id, action: str) -> ApprovalRequest:
    """A request on which the user takes ``action`` in its school: 404 if not visible, 403 if not allowed."""
    queryset = ApprovalRequest.objects.select_related("school", "requester")
    try:
        return access.get_object_for(user, queryset, action, pk=request_id)
    except Http404:
        request_for_view(user=user, request_id=request_id)
        raise PermissionDenied from None


def media_for_view(*, user, media_id) -> PostMedia:
    """A post's photo or video, to those who may read its post (404 or 403 as for the post)."""
    media = PostMedia.objects.filter(pk=media_id).select_related("post").first()
    if media is None:
        raise Http404
    # Kept on the media: the view audits the download against the request's school.
    media.post.request = request_for_view(user=user, request_id=media.post.request_id)
    return media


def timeline(request: ApprovalRequest) -> list[ApprovalStep]:
    """Every step of the request, oldest first, with who took it."""
    return list(request.steps.select_related("by").order_by("at", "id"))


def approvals_of_current_version(request: ApprovalRequest) -> list[ApprovalStep]:
    """The decisions that count: forward steps (approve, assess, agree) taken on the current version."""
    names = {step.name for step in request.workflow.steps}
    return [s for s in timeline(request) if s.version == request.version and s.step in names]


def earlier_versions(request: ApprovalRequest) -> list[RequestVersion]:
    """What the request said before its latest change, oldest first, each with who saved it."""
    return list(request.versions.filter(number__lt=request.version).select_related("by").order_by("number"))


def signed_records(request: ApprovalRequest) -> dict[int, SignedRecord]:
    """The signed PDFs kept for the request, by the version each approved."""
    return {record.version: record for record in request.signed_records.all()}


def signed_record_for(request: ApprovalRequest, version: int | None = None) -> SignedRecord | None:
    """The signed PDF of a version (the current one unless said), if that version was approved."""
    wanted = request.version if version is None else version
    return request.signed_records.filter(version=wanted).first()
