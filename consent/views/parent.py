"""The parent's pages: each child they hold parental responsibility for, and their answers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import access
from accounts.models import Pupil
from consent import selectors, services
from consent.forms import ChildConsentForm
from consent.models import Purpose


def _year(request, years: list[str]) -> str:
    """The academic year asked for, if the parent may answer for it; otherwise this year."""
    asked = request.POST.get("year") or request.GET.get("year")
    return asked if asked in years else years[0]


def _child(request, pupil_id):
    """One of the user's children with parental responsibility; anyone else's child is a 404."""
    try:
        return access.children_of(request.user).select_related("school").get(pk=pupil_id)
    except (ValueError, Pupil.DoesNotExist):
        raise Http404 from None


def _overview_url(year: str, years: list[str]) -> str:
    """The parent's page for a year."""
    url = reverse("consent:parent")
    return url if year == years[0] else f"{url}?year={year}"


@login_required
@require_GET
def parent_overview(request):
    """Each of the parent's children with their answers for the year."""
    years = selectors.years_for_parent(parent=request.user)
    year = _year(request, years)
    children = [
        (child, [(purpose, states.get(purpose.value)) for purpose in Purpose])
        for child, states in selectors.children_with_answers(parent=request.user, academic_year=year)
    ]
    return render(request, "consent/parent.html", {"children": children, "year": year, "years": years})


@login_required
@require_http_methods(["GET", "POST"])
def parent_child(request, pupil_id):
    """Give or change the answers for one child, effective at once."""
    pupil = _child(request, pupil_id)
    years = selectors.years_for_parent(parent=request.user)
    year = _year(request, years)
    states = selectors.states_for_pupil(pupil=pupil, academic_year=year)
    form = ChildConsentForm(request.POST or None, states=states)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.consent_record(
                by=request.user, pupil=pupil, academic_year=year, answers=form.answers()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if changed:
                messages.success(
                    request, f"{pupil.first_name}'s answers for {year} are saved and apply from now."
                )
            else:
                messages.info(request, f"Nothing changed: {pupil.first_name}'s answers are as they were.")
            return redirect(_overview_url(year, years))
    context = {"pupil": pupil, "form": form, "year": year, "years": years, "has_given": _has_given(states)}
    return render(request, "consent/parent_child.html", context)


def _has_given(states) -> bool:
    """Has any consent been given among these answers?"""
    return any(state.allows for state in states.values())


@login_required
@require_POST
def parent_withdraw(request, pupil_id):
    """Withdraw every consent given for one child, in one step."""
    pupil = _child(request, pupil_id)
    years = selectors.years_for_parent(parent=request.user)
    year = _year(request, years)
    try:
        services.consent_withdraw(by=request.user, pupil=pupil, academic_year=year)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"You have withdrawn consent for {pupil.first_name} for {year}. The school will not use new "
            "photos or videos of them and will check what it has already published.",
        )
    return redirect(_overview_url(year, years))
