"""The personal-data breach log: the list, recording a breach, and updating it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts import access
from accounts.roles import Action
from governance import breaches
from governance.forms import BreachForm
from governance.models import Breach


def _schools(user):
    return access.schools_queryset(user, Action.MANAGE_RETENTION).order_by("name")


@login_required
@access.require(Action.MANAGE_RETENTION)
@require_GET
def breach_list(request):
    return render(
        request,
        "governance/breach_list.html",
        {"breaches": breaches.breaches_for(request.user)[:200], "now": timezone.now()},
    )


@login_required
@access.require(Action.MANAGE_RETENTION)
@require_http_methods(["GET", "POST"])
def breach_new(request):
    form = BreachForm(request.POST or None, schools=_schools(request.user))
    if request.method == "POST" and form.is_valid():
        breach = breaches.breach_record(
            user=request.user, school=form.cleaned_data["school"], **form.breach_fields()
        )
        messages.success(request, f"Breach {breach.reference} recorded.")
        return redirect("governance:breach_detail", breach_id=breach.pk)
    return render(request, "governance/breach_form.html", {"form": form})


def _initial(breach: Breach) -> dict:
    found = timezone.localtime(breach.found_at)
    told = timezone.localtime(breach.ico_told_at) if breach.ico_told_at else None
    return {
        "school": breach.school_id,
        "what_happened": breach.what_happened,
        "data_involved": breach.data_involved,
        "people_affected": breach.people_affected,
        "found_on": found.date(),
        "found_time": found.strftime("%H:%M"),
        "who_was_told": breach.who_was_told,
        "ico_told_on": told.date() if told else None,
        "ico_told_time": told.strftime("%H:%M") if told else None,
        "ico_reference": breach.ico_reference,
        "ico_not_told_reason": breach.ico_not_told_reason,
        "actions_taken": breach.actions_taken,
    }


@login_required
@access.require(Action.MANAGE_RETENTION)
@require_http_methods(["GET", "POST"])
def breach_detail(request, breach_id):
    breach = access.get_object_for(
        request.user, Breach.objects.select_related("school"), Action.MANAGE_RETENTION, pk=breach_id
    )
    # The school a breach belongs to is fixed once it is recorded.
    form = BreachForm(
        request.POST or None,
        initial=_initial(breach),
        schools=_schools(request.user).filter(pk=breach.school_id),
    )
    if request.method == "POST" and form.is_valid():
        breaches.breach_update(user=request.user, breach=breach, **form.breach_fields())
        messages.success(request, f"Breach {breach.reference} updated.")
        return redirect("governance:breach_detail", breach_id=breach.pk)
    return render(
        request, "governance/breach_form.html", {"form": form, "breach": breach, "now": timezone.now()}
    )
