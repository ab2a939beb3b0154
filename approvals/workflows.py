"""What a kind of request is: its steps, who may take each (an Action from the role table), the
guards that must hold, and everything else that differs between kinds (its detail model, its forms,
its signed PDF, what its case page adds and what approval sets going). Each kind is declared once,
as a ``Workflow`` in approvals.kinds; approvals.services moves every kind with the same code, and
views, the PDF and the reminders read the declaration, never a table keyed by the type.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from approvals.models.choices import RequestType

if TYPE_CHECKING:
    from django.db import models

    from accounts.models import User
    from approvals.models import ApprovalRequest

Guard = Callable[["ApprovalRequest"], "str | None"]
Applies = Callable[["ApprovalRequest"], bool]
# Runs inside the transaction that moves the request: (request, the person moving it).
Hook = Callable[["ApprovalRequest", "User"], None]
# What the case page adds for this kind: called with user, request, detail and the bound forms
# of a failed post (by context name), returns more context.
PageHook = Callable[..., Mapping[str, Any]]


@dataclass(frozen=True)
class Step:
    """A forward step: from one of ``from_states`` to ``to_state``, by a holder of ``action``."""

    name: str
    label: str
    from_states: tuple[str, ...]
    to_state: str
    action: str
    role_label: str
    # What the approver's signature means on the signed PDF, in the paper form's words.
    statement: str
    applies: Applies | None = None  # False: the step is not part of this request's path
    guard: Guard | None = None  # a message: the step may not be taken now, and why
    comment_required: bool = False


@dataclass(frozen=True)
class Workflow:
    """One kind of request, declared once: its type (the label comes with it), the detail model that
    holds its form's fields, its steps, the forms to ask and to decide, the signed PDF's title, and
    the hooks that make it different from the others."""

    type: RequestType
    detail_model: type[models.Model]
    steps: tuple[Step, ...]
    # The form to ask for it and to change it (a RequestForm), and the decider's form (a DecisionForm).
    request_form: type
    decision_form: type
    pdf_title: str
    # Called inside the transaction that approves the request (e.g. to create the official account).
    on_approved: Hook | None = None
    # Called inside the transaction that sends an approved request back for decision (an edit):
    # whatever the approval allowed must stop (e.g. blocked-content access ends at once).
    on_reopened: Hook | None = None
    # What the case page shows besides the form's rows, the timeline and the decision.
    page: PageHook | None = None
    # Who may see a school's requests of this kind without being on the path (besides the requester).
    viewer_actions: tuple[str, ...] = field(default_factory=tuple)

    @property
    def label(self) -> str:
        return RequestType(self.type).label

    @property
    def detail_related_name(self) -> str:
        """The name under which a request reaches its detail record (``request.site_creation``)."""
        return self.detail_model._meta.get_field("request").remote_field.related_name

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
    """Declare a kind of request (approvals.kinds, imported when the app is ready)."""
    _REGISTRY[workflow.type] = workflow
    return workflow


def get_workflow(type_: str) -> Workflow:
    """The declaration of a kind of request."""
    return _REGISTRY[type_]


def all_workflows() -> list[Workflow]:
    """Every kind of request, in the order declared."""
    return list(_REGISTRY.values())
