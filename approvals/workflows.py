"""Each kind of request declared once: its steps, who may take each (an Action from the role table),
and the guards that must hold. approvals.services moves every kind with the same code, so adding a
kind of request is declaring a ``Workflow`` here and its detail model and form, nothing more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from accounts.roles import Action
from approvals.accounts import official_account_from_site_request
from approvals.blocked import blocked_access_close, blocked_access_open
from approvals.models import ApprovalRequest, State
from approvals.posts import post_approval_problems

Guard = Callable[[ApprovalRequest], "str | None"]
Applies = Callable[[ApprovalRequest], bool]


@dataclass(frozen=True)
class Step:
    """A forward step: from one of ``from_states`` to ``to_state``, by a holder of ``action``."""

    name: str
    label: str
    from_states: tuple[str, ...]
    to_state: str
    action: str
    role_label: str
    applies: Applies | None = None  # False: the step is not part of this request's path
    guard: Guard | None = None  # a message: the step may not be taken now, and why
    comment_required: bool = False


@dataclass(frozen=True)
class Workflow:
    type: str
    label: str
    detail_related_name: str
    steps: tuple[Step, ...]
    # Called inside the transaction that approves the request (e.g. to create the official account).
    on_approved: Callable | None = None
    # Called inside the transaction that sends an approved request back for decision (an edit):
    # whatever the approval allowed must stop (e.g. blocked-content access ends at once).
    on_reopened: Callable | None = None
    # Who may see a school's requests of this kind without being on the path (besides the requester).
    viewer_actions: tuple[str, ...] = field(default_factory=tuple)

    def step(self, name: str) -> Step:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)

    def steps_from(self, request: ApprovalRequest) -> list[Step]:
        """The forward steps that may follow the request's current state."""
        return [
            s
            for s in self.steps
            if request.state in s.from_states and (s.applies is None or s.applies(request))
        ]

    @property
    def decider_actions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(step.action for step in self.steps))


# The steps every request has besides its forward ones.
RETURN = "return"
REJECT = "reject"
WITHDRAW = "withdraw"
SUBMIT = "submit"

_REGISTRY: dict[str, Workflow] = {}


def register(workflow: Workflow) -> Workflow:
    """Declare a kind of request."""
    _REGISTRY[workflow.type] = workflow
    return workflow


def get_workflow(type_: str) -> Workflow:
    return _REGISTRY[type_]


def all_workflows() -> list[Workflow]:
    return list(_REGISTRY.values())


# Approval by the marketing officer, then the headteacher; a trust-branded account also needs the
# director of marketing between the two (004 §2, App. C; 000 §4.8, §9.4).
def is_trust_branded(request: ApprovalRequest) -> bool:
    return bool(getattr(request.detail, "trust_branded", False))


def needs_dsl(request: ApprovalRequest) -> bool:
    return bool(getattr(request.detail, "sensitive_category", False))


MARKETING = Step(
    name="marketing_approve",
    label="Approve as marketing officer",
    from_states=(State.SUBMITTED,),
    to_state=State.MARKETING_APPROVED,
    action=Action.DECIDE_AS_MARKETING,
    role_label="Marketing officer",
)


def _head_is_next(request: ApprovalRequest) -> bool:
    # While a trust-branded account waits for the director, it is not yet the headteacher's turn
    # (so the headteacher is neither notified nor shown it in the inbox too early).
    return not (is_trust_branded(request) and request.state != State.DIRECTOR_APPROVED)


HEAD_AFTER_MARKETING = Step(
    name="head_approve",
    label="Approve as headteacher",
    from_states=(State.MARKETING_APPROVED, State.DIRECTOR_APPROVED),
    to_state=State.APPROVED,
    action=Action.DECIDE_AS_HEADTEACHER,
    role_label="Headteacher",
    applies=_head_is_next,
    guard=lambda r: (
        "The director of marketing must approve a trust-branded account first."
        if is_trust_branded(r) and r.state != State.DIRECTOR_APPROVED
        else None
    ),
)
DIRECTOR_AFTER_MARKETING = Step(
    name="director_approve",
    label="Approve as director of marketing",
    from_states=(State.MARKETING_APPROVED,),
    to_state=State.DIRECTOR_APPROVED,
    action=Action.DECIDE_AS_DIRECTOR_OF_MARKETING,
    role_label="Director of marketing and communications",
    applies=is_trust_branded,
)


def _create_official_account(request: ApprovalRequest, by) -> None:
    official_account_from_site_request(request=request, by=by)


SITE_CREATION = register(
    Workflow(
        type="site_creation",
        label="Social media site creation approval",
        detail_related_name="site_creation",
        steps=(MARKETING, DIRECTOR_AFTER_MARKETING, HEAD_AFTER_MARKETING),
        on_approved=_create_official_account,
    )
)

BRANDING = register(
    Workflow(
        type="branding",
        label="Branding request",
        detail_related_name="branding",
        steps=(
            Step(
                name="director_approve",
                label="Approve as director of marketing",
                from_states=(State.SUBMITTED,),
                to_state=State.DIRECTOR_APPROVED,
                action=Action.DECIDE_AS_DIRECTOR_OF_MARKETING,
                role_label="Director of marketing and communications",
            ),
            Step(
                name="head_approve",
                label="Approve as headteacher",
                from_states=(State.DIRECTOR_APPROVED,),
                to_state=State.APPROVED,
                action=Action.DECIDE_AS_HEADTEACHER,
                role_label="Headteacher",
            ),
        ),
    )
)

CONNECTION = register(
    Workflow(
        type="connection",
        label="Connection request",
        detail_related_name="connection",
        steps=(
            Step(
                name="head_approve",
                label="Approve as headteacher",
                from_states=(State.SUBMITTED,),
                to_state=State.APPROVED,
                action=Action.DECIDE_AS_HEADTEACHER,
                role_label="Headteacher",
                comment_required=True,
            ),
        ),
    )
)


def _open_blocked_access(request: ApprovalRequest, by) -> None:
    blocked_access_open(request=request, by=by)


def _close_blocked_access(request: ApprovalRequest, by) -> None:
    blocked_access_close(request=request, by=by, reason="The request was changed after it was approved.")


BLOCKED_CONTENT = register(
    Workflow(
        type="blocked_content",
        label="Blocked content access request",
        detail_related_name="blocked_content",
        steps=(
            Step(
                name="ict_assess",
                label="Record the ICT assessment",
                from_states=(State.SUBMITTED,),
                to_state=State.ICT_ASSESSED,
                action=Action.RECORD_ICT_ACTIONS,
                role_label="ICT technician",
                comment_required=True,
            ),
            Step(
                name="dsl_agree",
                label="Agree as Designated Safeguarding Lead",
                from_states=(State.ICT_ASSESSED,),
                to_state=State.DSL_AGREED,
                action=Action.TRIAGE_INCIDENTS,
                role_label="Designated Safeguarding Lead",
                applies=needs_dsl,
            ),
            Step(
                name="head_approve",
                label="Approve as headteacher",
                from_states=(State.ICT_ASSESSED, State.DSL_AGREED),
                to_state=State.APPROVED,
                action=Action.DECIDE_AS_HEADTEACHER,
                role_label="Headteacher",
                comment_required=True,
                applies=lambda r: not (needs_dsl(r) and r.state != State.DSL_AGREED),
                guard=lambda r: (
                    "A site in a sensitive category needs the Designated Safeguarding Lead's agreement first."
                    if needs_dsl(r) and r.state != State.DSL_AGREED
                    else None
                ),
            ),
        ),
        on_approved=_open_blocked_access,
        on_reopened=_close_blocked_access,
    )
)


def _post_guard(request: ApprovalRequest) -> str | None:
    problems = post_approval_problems(request.detail)
    return " ".join(problems) if problems else None


POST = register(
    Workflow(
        type="post",
        label="Post approval",
        detail_related_name="post",
        steps=(
            Step(
                name="marketing_approve",
                label="Approve the post",
                from_states=(State.SUBMITTED,),
                to_state=State.APPROVED,
                action=Action.DECIDE_AS_MARKETING,
                role_label="Marketing officer",
                guard=_post_guard,
            ),
        ),
    )
)
