"""The portal's URLs plus the benchmark's floor view: used only by ``python -m benchmarks`` (through
override_settings), never by the running portal."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.views.decorators.http import require_GET

from accounts.models import School
from portal.urls import urlpatterns as portal_urlpatterns


@login_required
@require_GET
def floor(request):
    """The least a page can do: one indexed query (a school by primary key) and a short response."""
    school = get_object_or_404(School.objects.only("name"), pk=request.GET.get("school"))
    return HttpResponse(school.name, content_type="text/plain")


urlpatterns = [path("bench/floor/", floor, name="bench_floor"), *portal_urlpatterns]
