"""Withdrawals to follow up: published material showing a pupil whose consent was taken back."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts import access
from accounts.roles import Action
from consent import selectors, services
from consent.forms import FollowUpResolveForm
from consent.models import WithdrawalFollowUp


@login_required
@access.require(Action.MANAGE_CONSENT_REGISTER)
@require_GET
def follow_ups(request):
    """Withdrawals to follow up (or done) in the user's schools."""
    done = request.GET.get("done") == "1"
    page = Paginator(selectors.follow_ups_for(user=request.user, done=done), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "consent/follow_ups.html", {"page": page, "done": done})


@login_required
@require_http_methods(["GET", "POST"])
def follow_up_resolve(request, follow_up_id):
    """Say what was checked and taken down, and mark the follow-up done."""
    follow_up = access.get_object_for(
        request.user,
        WithdrawalFollowUp.objects.select_related("pupil", "school", "answer__parent", "resolved_by"),
        Action.MANAGE_CONSENT_REGISTER,
        pk=follow_up_id,
    )
    form = FollowUpResolveForm(request.POST or None)
    if request.method == "POST" and follow_up.resolved_at is None and form.is_valid():
        try:
            services.follow_up_resolve(
                by=request.user, follow_up=follow_up, resolution=form.cleaned_data["resolution"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Follow-up for {follow_up.pupil.full_name} marked done.")
            return redirect("consent:follow_ups")
    return render(request, "consent/follow_up.html", {"follow_up": follow_up, "form": form})
