"""The portal's URLs: each app's own, plus the home page and a health check."""

from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_GET

from governance.views.home import home


@require_GET
def healthz(request):
    """Liveness check for the load balancer and docker-compose."""
    return HttpResponse("ok", content_type="text/plain")


admin.site.site_header = "Portal administration"
admin.site.site_title = "Portal administration"

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("account/", include("accounts.urls")),
    path("", include("governance.urls")),
    path("incidents/", include("incidents.urls")),
    path("consent/", include("consent.urls")),
    path("approvals/", include("approvals.urls")),
    path("django-admin/", admin.site.urls),
]
