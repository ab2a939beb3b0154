# ruff: noqa
# Targets for .semgrep/rules/portal-view-sign-in.yml (semgrep --test). The rule runs on view
# modules and portal/urls.py only; semgrep --test checks this file whatever its name.
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import access
from accounts.roles import Action
from incidents.views.common import require_handler


# ruleid: portal-view-sign-in
@require_GET
def register(request):
    return HttpResponse("x", content_type="text/plain")


# ruleid: portal-view-sign-in
@require_http_methods(["GET", "POST"])
def paper_form(request, pupil_id):
    return None


# ok: portal-view-sign-in
@login_required
@require_POST
def withdraw(request, pupil_id):
    return None


# ok: portal-view-sign-in
@access.require(Action.VIEW_AUDIT_LOG)
@require_GET
def audit_log(request):
    return None


# ok: portal-view-sign-in
@require_handler
@require_GET
def queue(request):
    return None


# ok: portal-view-sign-in
@require_GET
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


# ok: portal-view-sign-in
def _helper(request):
    return None
