"""Views of incidents."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from accounts import access
from incidents.models import Incident


@login_required
@require_GET
def incident_detail(request, incident_id):
    incident = access.get_object_for_queryset = None  # noqa: F841
    return HttpResponse(status=404)
