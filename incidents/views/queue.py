"""The handler's queue: most urgent first, with the time left on every deadline."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts import access
from accounts.models import Pupil, School
from accounts.roles import Action
from incidents import selectors
from incidents.forms import QueueFilterForm
from incidents.forms.records import OPEN
from incidents.models import IncidentPerson
from incidents.views.common import deadline, handled_school_ids, require_handler

PAGE_SIZE = 50


def _named_pupil_filter(name: str) -> Q:
    """Incidents naming a pupil whose first or last name matches every word typed."""
    pupils = Pupil.objects.all()
    for word in name.split()[:4]:
        pupils = pupils.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    return Q(Exists(IncidentPerson.objects.filter(incident=OuterRef("pk"), pupil__in=pupils)))


@require_handler
@require_GET
def queue(request):
    """The queue of every incident the user handles, filtered from the query string."""
    school_ids = handled_school_ids(request.user)
    several = len(school_ids) > 1
    form = QueueFilterForm(
        request.GET or None,
        initial={"status": OPEN},
        schools=School.objects.filter(pk__in=school_ids).order_by("name") if several else None,
    )
    # The queue opens on the open cases; "Any status" shows the closed ones too.
    filters = {"status": OPEN}
    if form.is_bound:
        # A filter that does not make sense is reported on the form; the others still apply.
        form.is_valid()
        filters = form.cleaned_data
    incidents = selectors.incident_queue(
        user=request.user,
        kind=filters.get("kind") or "",
        status=filters.get("status") or "",
        severity=filters.get("severity"),
        platform=filters.get("platform"),
        school=filters.get("school"),
        overdue_only=bool(filters.get("overdue")),
    )
    if filters.get("pupil"):
        incidents = incidents.filter(_named_pupil_filter(filters["pupil"]))
    page = Paginator(incidents, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [
        {
            "incident": incident,
            "next": deadline(incident.next_deadline, now),
            "takedown": deadline(incident.takedown_deadline, now),
        }
        for incident in page.object_list
    ]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "show_school": several,
        "filtered": any(value for key, value in filters.items() if key != "status")
        or filters.get("status") != OPEN,
        "open_only": filters.get("status") == OPEN,
        "can_see_records": access.has_any(request.user, Action.VIEW_SAFEGUARDING_RECORDS),
    }
    return render(request, "incidents/queue.html", context)
