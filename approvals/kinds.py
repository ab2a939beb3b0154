"""Every kind of request, each declared once: its steps and who takes them, its forms, the title and
signatures of its signed PDF, its detail record and what its case page and its approval add. Adding a
kind of request is a ``RequestType``, a detail model and its form, and a ``register(Workflow(...))``
here; nothing else picks by the type.

Imported when the app is ready (approvals.apps), after the models, forms and services it names.
"""

from __future__ import annotations

from accounts import access
from accounts.models import User
from accounts.roles import Action
from approvals.forms.decisions import (
    BlockedDecisionForm,
    DecisionForm,
    FilterRecordForm,
    PostDecisionForm,
    TakedownDoneForm,
)
from approvals.forms.post import PostForm
from approvals.forms.requests import BlockedContentForm, BrandingForm, ConnectionForm, SiteCreationForm
from approvals.models import (
    ApprovalRequest,
    BlockedContentRequest,
    BrandingRequest,
    ConnectionRequest,
    PostRequest,
    RequestType,
    SiteCreationRequest,
    State,
)
from approvals.selectors.posts import check_post, post_approval_problems
from approvals.services.accounts import official_account_from_site_request
from approvals.services.blocked import blocked_access_close, blocked_access_open
from approvals.workflows import Step, Workflow, register

# --- site creation (004 App. C; 000 §4.8, §9.4) --------------------------------------------------
# Approval by the marketing officer, then the headteacher; a trust-branded account also needs the
# director of marketing between the two.


def is_trust_branded(request: ApprovalRequest) -> bool:
    return bool(getattr(request.detail, "trust_branded", False))


def _head_is_next(request: ApprovalRequest) -> bool:
    # While a trust-branded account waits for the director, it is not yet the headteacher's turn
    # (so the headteacher is neither notified nor shown it in the inbox too early).
    return not (is_trust_branded(request) and request.state != State.DIRECTOR_APPROVED)


def _create_official_account(request: ApprovalRequest, by: User) -> None:
    official_account_from_site_request(request=request, by=by)


def _site_creation_page(*, user, request: ApprovalRequest, detail, forms) -> dict:
    if request.state != State.APPROVED:
        return {}
    return {"account": getattr(request, "official_account", None)}


SITE_CREATION_STATEMENT = (
    "I approve the aims and content of the proposed site and the use of the school brand and logo."
)

SITE_CREATION = register(
    Workflow(
        type=RequestType.SITE_CREATION,
        detail_model=SiteCreationRequest,
        steps=(
            Step(
                name="marketing_approve",
                label="Approve as marketing officer",
                from_states=(State.SUBMITTED,),
                to_state=State.MARKETING_APPROVED,
                action=Action.DECIDE_AS_MARKETING,
                role_label="Marketing officer",
                statement=SITE_CREATION_STATEMENT,
            ),
            Step(
                name="director_approve",
                label="Approve as director of marketing",
                from_states=(State.MARKETING_APPROVED,),
                to_state=State.DIRECTOR_APPROVED,
                action=Action.DECIDE_AS_DIRECTOR_OF_MARKETING,
                role_label="Director of marketing and communications",
                statement="I approve the use of the trust's name and branding on this site.",
                applies=is_trust_branded,
            ),
            Step(
                name="head_approve",
                label="Approve as headteacher",
                from_states=(State.MARKETING_APPROVED, State.DIRECTOR_APPROVED),
                to_state=State.APPROVED,
                action=Action.DECIDE_AS_HEADTEACHER,
                role_label="Headteacher",
                statement=SITE_CREATION_STATEMENT,
                applies=_head_is_next,
                guard=lambda r: (
                    "The director of marketing must approve a trust-branded account first."
                    if is_trust_branded(r) and r.state != State.DIRECTOR_APPROVED
                    else None
                ),
            ),
        ),
        request_form=SiteCreationForm,
        decision_form=DecisionForm,
        pdf_title="Social media site creation approval form",
        on_approved=_create_official_account,
        page=_site_creation_page,
    )
)

# --- branding (000 §4.8, §9.4) ---------------------------------------------------------------------

BRANDING = register(
    Workflow(
        type=RequestType.BRANDING,
        detail_model=BrandingRequest,
        steps=(
            Step(
                name="director_approve",
                label="Approve as director of marketing",
                from_states=(State.SUBMITTED,),
                to_state=State.DIRECTOR_APPROVED,
                action=Action.DECIDE_AS_DIRECTOR_OF_MARKETING,
                role_label="Director of marketing and communications",
                statement="I give permission for the use of this branding on social media.",
            ),
            Step(
                name="head_approve",
                label="Approve as headteacher",
                from_states=(State.DIRECTOR_APPROVED,),
                to_state=State.APPROVED,
                action=Action.DECIDE_AS_HEADTEACHER,
                role_label="Headteacher",
                statement="I approve the use of this branding on social media.",
            ),
        ),
        request_form=BrandingForm,
        decision_form=DecisionForm,
        pdf_title="Social media branding request",
    )
)

# --- connection with a pupil or a parent (000 §8.1) ----------------------------------------------

CONNECTION = register(
    Workflow(
        type=RequestType.CONNECTION,
        detail_model=ConnectionRequest,
        steps=(
            Step(
                name="head_approve",
                label="Approve as headteacher",
                from_states=(State.SUBMITTED,),
                to_state=State.APPROVED,
                action=Action.DECIDE_AS_HEADTEACHER,
                role_label="Headteacher",
                statement="I approve this connection for the school reason given.",
                comment_required=True,
            ),
        ),
        request_form=ConnectionForm,
        decision_form=DecisionForm,
        pdf_title="Social media connection request",
    )
)

# --- blocked content access (004 §7, App. A) -------------------------------------------------------


def needs_dsl(request: ApprovalRequest) -> bool:
    return bool(getattr(request.detail, "sensitive_category", False))


def _open_blocked_access(request: ApprovalRequest, by: User) -> None:
    blocked_access_open(request=request, by=by)


def _close_blocked_access(request: ApprovalRequest, by: User) -> None:
    blocked_access_close(request=request, by=by, reason="The request was changed after it was approved.")


def _blocked_content_page(*, user, request: ApprovalRequest, detail, forms) -> dict:
    context: dict = {"access_shown": request.state == State.APPROVED}
    if access.can(user, Action.RECORD_ICT_ACTIONS, request):
        # The ICT technician records the change while access is approved, and its removal after.
        if request.state == State.APPROVED or (detail.filter_applied_at and not detail.filter_removed_at):
            context["filter_form"] = forms.get("filter_form") or FilterRecordForm(detail=detail)
    return context


BLOCKED_CONTENT = register(
    Workflow(
        type=RequestType.BLOCKED_CONTENT,
        detail_model=BlockedContentRequest,
        steps=(
            Step(
                name="ict_assess",
                label="Record the ICT assessment",
                from_states=(State.SUBMITTED,),
                to_state=State.ICT_ASSESSED,
                action=Action.RECORD_ICT_ACTIONS,
                role_label="ICT technician",
                statement="I have assessed the site and the risks of giving access.",
                comment_required=True,
            ),
            Step(
                name="dsl_agree",
                label="Agree as Designated Safeguarding Lead",
                from_states=(State.ICT_ASSESSED,),
                to_state=State.DSL_AGREED,
                action=Action.TRIAGE_INCIDENTS,
                role_label="Designated Safeguarding Lead",
                statement="I agree to access to this site from a safeguarding point of view.",
                applies=needs_dsl,
            ),
            Step(
                name="head_approve",
                label="Approve as headteacher",
                from_states=(State.ICT_ASSESSED, State.DSL_AGREED),
                to_state=State.APPROVED,
                action=Action.DECIDE_AS_HEADTEACHER,
                role_label="Headteacher",
                statement="I approve access to this site for the time given.",
                comment_required=True,
                applies=lambda r: not (needs_dsl(r) and r.state != State.DSL_AGREED),
                guard=lambda r: (
                    "A site in a sensitive category needs the Designated Safeguarding Lead's agreement first."
                    if needs_dsl(r) and r.state != State.DSL_AGREED
                    else None
                ),
            ),
        ),
        request_form=BlockedContentForm,
        decision_form=BlockedDecisionForm,
        pdf_title="Blocked content access request form",
        on_approved=_open_blocked_access,
        on_reopened=_close_blocked_access,
        page=_blocked_content_page,
    )
)

# --- a post on an official account (004 §2, §5) ----------------------------------------------------


def _post_guard(request: ApprovalRequest) -> str | None:
    problems = post_approval_problems(request.detail)
    return " ".join(problems) if problems else None


def _post_page(*, user, request: ApprovalRequest, detail: PostRequest, forms) -> dict:
    context = {"post_check": check_post(detail), "media": list(detail.media.all())}
    if access.can(user, Action.MODERATE_ACCOUNTS, request):
        context["takedowns"] = list(detail.takedown_tasks.select_related("pupil", "done_by"))
        context["takedown_form"] = TakedownDoneForm()
    return context


POST = register(
    Workflow(
        type=RequestType.POST,
        detail_model=PostRequest,
        steps=(
            Step(
                name="marketing_approve",
                label="Approve the post",
                from_states=(State.SUBMITTED,),
                to_state=State.APPROVED,
                action=Action.DECIDE_AS_MARKETING,
                role_label="Marketing officer",
                statement="I approve this post: it meets the policy's criteria and consent is in place.",
                guard=_post_guard,
            ),
        ),
        request_form=PostForm,
        decision_form=PostDecisionForm,
        pdf_title="Social media post approval",
        page=_post_page,
    )
)
