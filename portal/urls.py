"""The portal's URLs: each app's own, plus the home page, the health checks and the operations
status page and metrics (docs/operations.md)."""

from django.conf import settings
from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_GET

from governance import operations
from governance.views.home import home


@require_GET
def healthz(request):
    """Liveness check for the load balancer and docker-compose: answers without the database, so a
    database restart does not take the web processes out of service (the figures that need the
    database are at /healthz/deadlines)."""
    return HttpResponse("ok", content_type="text/plain")


admin.site.site_header = "Portal administration"
admin.site.site_title = "Portal administration"

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("healthz/deadlines", operations.healthz_deadlines, name="healthz_deadlines"),
    path("operations/", operations.operations_page, name="operations"),
    path("account/", include("accounts.urls")),
    path("", include("governance.urls")),
    path("incidents/", include("incidents.urls")),
    path("consent/", include("consent.urls")),
    path("approvals/", include("approvals.urls")),
    path("django-admin/", admin.site.urls),
]

# No token, no endpoint: the metrics are not there to be found until an operator sets one.
if settings.PORTAL_METRICS_TOKEN:
    urlpatterns.append(path("metrics", operations.operations_metrics, name="operations_metrics"))
