"""The annual consent collection: open one, follow its response rate and who is outstanding."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts import access
from accounts.roles import Action
from consent import selectors, services
from consent.forms import CollectionOpenForm


@login_required
@access.require(Action.RUN_CONSENT_COLLECTION)
@require_GET
def collections(request):
    """The collections the user runs."""
    items = list(selectors.collections_for(user=request.user)[:50])
    return render(request, "consent/collections.html", {"collections": items})


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
