"""The official accounts register and the takedowns of posts whose consent was withdrawn."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts import access
from accounts.roles import Action
from approvals import selectors, services
from approvals.forms.decisions import AccountReviewForm, AccountStatusForm, TakedownDoneForm
from approvals.models import OfficialAccount, PostTakedownTask
from approvals.views.requests import add_errors
from core.dates import long_date


@login_required
@access.require(Action.REQUEST_APPROVAL)
@require_GET
def account_list(request):
    """The school's official social media accounts: only these are the school's (004 §2)."""
    status = request.GET.get("status") if request.GET.get("status") in OfficialAccount.Status.values else None
    accounts = selectors.accounts_visible_to(user=request.user, status=status)
    page = Paginator(accounts, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "statuses": OfficialAccount.Status.choices,
        "status": status or "",
        "today": timezone.localdate(),
    }
    return render(request, "approvals/accounts/list.html", context)


def _account(request, account_id, *, act: str | None = None) -> OfficialAccount:
    queryset = OfficialAccount.objects.select_related(
        "school", "moderator", "last_reviewed_by", "site_request"
    )
    return access.get_object_for(request.user, queryset, Action.REQUEST_APPROVAL, act=act, pk=account_id)


def _account_context(request, account, *, status_form=None, review_form=None) -> dict:
    user = request.user
    manages = access.can(user, Action.MODERATE_ACCOUNTS, account)
    admins = list(account.administrators.order_by("full_name"))
    posters = list(account.authorised_posters.order_by("full_name"))
    closed = account.status == OfficialAccount.Status.CLOSED
    return {
        "account": account,
        "administrators": admins,
        "posters": posters,
        "manages": manages,
        # Where the sign-in details are kept is for those who run the account, not the whole staff.
        "sees_credentials": manages
        or user.pk == account.moderator_id
        or any(a.pk == user.pk for a in admins),
        "status_form": status_form
        or (AccountStatusForm(account=account) if manages and not closed else None),
        "review_form": review_form or (AccountReviewForm() if manages and not closed else None),
        "posts": account.posts.select_related("request").order_by("-request__created_at")[:10],
    }


@login_required
@require_GET
def account_detail(request, account_id):
    """One account of the register: who runs it, who may post, its status and its annual review."""
    account = _account(request, account_id)
    return render(request, "approvals/accounts/detail.html", _account_context(request, account))


@login_required
@require_POST
def account_status(request, account_id):
    """Suspend, reactivate or close an account (the marketing officer)."""
    account = _account(request, account_id, act=Action.MODERATE_ACCOUNTS)
    form = AccountStatusForm(request.POST, account=account)
    if form.is_valid():
        try:
            account = services.account_set_status(
                user=request.user,
                account=account,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"{account} is now {account.get_status_display().lower()}.")
            return redirect("approvals:account_detail", account_id=account.pk)
    context = _account_context(request, account, status_form=form)
    context["form"] = form
    return render(request, "approvals/accounts/detail.html", context)


@login_required
@require_POST
def account_review(request, account_id):
    """Record the annual review of an account (the marketing officer)."""
    account = _account(request, account_id, act=Action.MODERATE_ACCOUNTS)
    form = AccountReviewForm(request.POST)
    if form.is_valid():
        try:
            account = services.account_review_done(
                user=request.user, account=account, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            due = long_date(account.next_review_due)
            messages.success(request, f"The review of {account} is recorded. The next one is due by {due}.")
            return redirect("approvals:account_detail", account_id=account.pk)
    context = _account_context(request, account, review_form=form)
    context["form"] = form
    return render(request, "approvals/accounts/detail.html", context)


@login_required
@access.require(Action.MODERATE_ACCOUNTS)
@require_GET
def takedown_list(request):
    """Approved posts to take down because a parent withdrew consent, open ones first."""
    tasks = (
        PostTakedownTask.objects.visible_to(request.user, Action.MODERATE_ACCOUNTS)
        .select_related("post__request", "post__account", "pupil", "done_by", "school")
        .order_by("-done_at", "created_at")
    )
    open_tasks = [t for t in tasks if t.done_at is None]
    done = [t for t in tasks if t.done_at is not None][:50]
    return render(request, "approvals/takedowns.html", {"open_tasks": open_tasks, "done": done})


@login_required
@require_POST
def takedown_done(request, task_id):
    """Record that a post (or a pupil's photo in it) was taken down."""
    task = access.get_object_for(
        request.user,
        PostTakedownTask.objects.select_related("post__request"),
        Action.REQUEST_APPROVAL,
        act=Action.MODERATE_ACCOUNTS,
        pk=task_id,
    )
    form = TakedownDoneForm(request.POST)
    if form.is_valid():
        try:
            services.post_takedown_done(user=request.user, task=task, note=form.cleaned_data["note"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"The takedown of {task.post.request.reference} is recorded.")
    else:
        messages.error(request, "Say what was taken down, and where, to record the takedown.")
    return redirect("approvals:detail", request_id=task.post.request_id)
