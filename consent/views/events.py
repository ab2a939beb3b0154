"""Events and their pre-event briefing (001 §14): who must not be photographed or filmed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import access
from accounts.roles import Action
from consent import pdf, selectors, services
from consent.forms import EventAddPupilsForm, EventForm, EventPupilSearchForm, EventRemovePupilForm
from core.audit import audit_record
from core.models import AuditEntry

SEARCH_LIMIT = 300


@login_required
@access.require(Action.CHECK_CONSENT)
@require_GET
def events(request):
    """The events the user may brief for."""
    return render(
        request, "consent/events.html", {"events": list(selectors.events_for(user=request.user)[:100])}
    )


@login_required
@access.require(Action.CHECK_CONSENT)
@require_http_methods(["GET", "POST"])
def event_create(request):
    """Record an event and the uses of its photos and video."""
    form = EventForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(
                by=request.user,
                name=form.cleaned_data["name"],
                date=form.cleaned_data["date"],
                location=form.cleaned_data["location"],
                schools=list(form.cleaned_data["schools"]),
                purposes=form.cleaned_data["purposes"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Event saved. Now add the pupils attending.")
            return redirect("consent:event_add_pupils", event_id=event.pk)
    return render(request, "consent/event_form.html", {"form": form})


@login_required
@require_GET
def event_detail(request, event_id):
    """An event's pupils, those without consent first."""
    event = selectors.event_for(user=request.user, event_id=event_id)
    attendees = selectors.event_attendees(event=event)
    context = {
        "event": event,
        "schools": list(event.schools.order_by("name")),
        "without": [(p, v) for p, v in attendees if not v.allowed],
        "restricted": [(p, v) for p, v in attendees if v.allowed and v.restrictions],
        "free": [(p, v) for p, v in attendees if v.allowed and not v.restrictions],
        "attending": len(attendees),
    }
    return render(request, "consent/event_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def event_add_pupils(request, event_id):
    """Find pupils of the event's schools and add those ticked."""
    event = selectors.event_for(user=request.user, event_id=event_id)
    schools = list(event.schools.order_by("name"))
    if request.method == "POST":
        form = EventAddPupilsForm(request.POST, user=request.user, event_schools=schools)
        if form.is_valid():
            added = services.event_add_pupils(
                by=request.user, event=event, pupils=form.cleaned_data["pupils"]
            )
            messages.success(request, f"{added} pupil{'s' if added != 1 else ''} added to {event.name}.")
            return redirect("consent:event_detail", event_id=event.pk)
        messages.error(request, " ".join(form.errors.get("pupils", ["Tick at least one pupil"])))
        return redirect("consent:event_add_pupils", event_id=event.pk)
    search = EventPupilSearchForm(request.GET or None, event_schools=schools)
    found, truncated = [], False
    if search.is_bound and search.is_valid():
        data = search.cleaned_data
        pupils = selectors.pupils_for_check(
            user=request.user,
            names=data["names"],
            school=data.get("school"),
            year_group=data["year_group"],
            class_name=data["class_name"],
        ).filter(school__in=schools)
        attending = set(event.pupils.values_list("pk", flat=True))
        found = [(p, p.pk in attending) for p in pupils[: SEARCH_LIMIT + 1]]
        truncated = len(found) > SEARCH_LIMIT
        found = found[:SEARCH_LIMIT]
    context = {
        "event": event,
        "form": search,
        "found": found,
        "truncated": truncated,
        "searched": search.is_bound and search.is_valid(),
        "many_schools": len(schools) > 1,
    }
    return render(request, "consent/event_add_pupils.html", context)


@login_required
@require_POST
def event_remove_pupil(request, event_id):
    """Take a pupil off an event's list."""
    event = selectors.event_for(user=request.user, event_id=event_id)
    form = EventRemovePupilForm(request.POST)
    pupil = None
    if form.is_valid():
        pupil = event.pupils.filter(pk=form.cleaned_data["pupil"]).first()
    if pupil is None:
        messages.error(request, "That pupil is not on this event's list.")
    else:
        services.event_remove_pupil(by=request.user, event=event, pupil=pupil)
        messages.success(request, f"{pupil.full_name} taken off the list.")
    return redirect("consent:event_detail", event_id=event.pk)


@login_required
@require_GET
def event_briefing(request, event_id):
    """The pre-event briefing as PDF, audited."""
    event = selectors.event_for(user=request.user, event_id=event_id)
    attendees = selectors.event_attendees(event=event)
    content = pdf.event_briefing_pdf(event=event, attendees=attendees, by=request.user)
    without = sum(1 for _p, v in attendees if not v.allowed)
    audit_record(
        verb=AuditEntry.Verb.DOWNLOAD,
        obj=event,
        changes={"briefing": [None, f"{without} of {len(attendees)} pupils without consent"]},
        request=request,
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="briefing-{slugify(event.name)[:60]}-{event.date}.pdf"'
    )
    response["Cache-Control"] = "no-store"
    return response
