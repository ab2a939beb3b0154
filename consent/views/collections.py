"""The annual consent collection: open one, follow its response rate and who is outstanding."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts import access
from accounts.roles import Action
from consent import selectors, services
from consent.forms import CollectionOpenForm, CollectionScheduleForm
from core.dates import long_date


@login_required
@access.require(Action.RUN_CONSENT_COLLECTION)
@require_GET
def collections(request):
    """The collections the user runs."""
    items = list(selectors.collections_for(user=request.user)[:50])
    trust = selectors.trust_run_by(user=request.user)
    schedule = selectors.collection_schedule_of(trust=trust) if trust is not None else None
    context = {
        "collections": items,
        "can_schedule": trust is not None,
        "schedule": schedule,
        "next_opening": services.next_opening(schedule) if schedule and schedule.active else None,
    }
    return render(request, "consent/collections.html", context)


@login_required
@access.require(Action.RUN_CONSENT_COLLECTION)
@require_http_methods(["GET", "POST"])
def collection_schedule(request):
    """Set the day each year the trust's collection opens by itself (trust-wide runners only)."""
    trust = selectors.trust_run_by(user=request.user)
    if trust is None:
        raise PermissionDenied("Only someone who runs the collection in every school sets its schedule.")
    schedule = selectors.collection_schedule_of(trust=trust)
    initial = (
        {"active": True, "opens_day": 8, "opens_month": 9, "weeks_open": 4}
        if schedule is None
        else {
            "active": schedule.active,
            "opens_day": schedule.opens_day,
            "opens_month": schedule.opens_month,
            "weeks_open": schedule.weeks_open,
            "message": schedule.message,
        }
    )
    form = CollectionScheduleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            schedule = services.collection_schedule_set(by=request.user, trust=trust, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if schedule.active:
                when = long_date(services.next_opening(schedule))
                messages.success(request, f"The next collection opens by itself on {when}.")
            else:
                messages.success(request, "The schedule is paused: no collection opens by itself.")
            return redirect("consent:collections")
    return render(request, "consent/collection_schedule.html", {"form": form, "trust": trust})


@login_required
@access.require(Action.RUN_CONSENT_COLLECTION)
@require_http_methods(["GET", "POST"])
def collection_open(request):
    """Open the annual collection for a school or the whole trust."""
    form = CollectionOpenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            collection = services.collection_open(
                by=request.user,
                academic_year=form.cleaned_data["academic_year"],
                closes_on=form.cleaned_data["closes_on"],
                message=form.cleaned_data["message"],
                **form.target(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "The collection is open. Parents are being told now.")
            return redirect("consent:collection_detail", collection_id=collection.pk)
    return render(request, "consent/collection_open.html", {"form": form})


@login_required
@require_GET
def collection_detail(request, collection_id):
    """A collection's response rate and who is outstanding, in the user's schools."""
    collection = selectors.collection_for(user=request.user, collection_id=collection_id)
    # A trust-wide collection shows each person only their own schools' part of it.
    schools = access.schools_for(request.user, Action.RUN_CONSENT_COLLECTION)
    progress = selectors.collection_progress(collection=collection, schools=schools)
    total = sum(row["total"] for row in progress)
    answered = sum(row["answered"] for row in progress)
    page = Paginator(selectors.outstanding_pupils(collection=collection, schools=schools), 50).get_page(
        request.GET.get("page")
    )
    parents = selectors.parents_by_pupil(pupils=list(page.object_list))
    context = {
        "collection": collection,
        "progress": progress,
        "total": total,
        "answered": answered,
        "percent": round(100 * answered / total) if total else 0,
        "page": page,
        "outstanding": [(pupil, parents.get(pupil.pk, [])) for pupil in page.object_list],
    }
    return render(request, "consent/collection_detail.html", context)
