# ruff: noqa
# Targets for .semgrep/rules/portal-html-response.yml (semgrep --test).
import json

from django.http import HttpResponse, HttpResponseBadRequest


def echo(request, export, content):
    # ruleid: portal-html-response
    HttpResponse(request.GET["q"])
    # ruleid: portal-html-response
    HttpResponse(f"<p>No pupil called {request.GET['name']}</p>")
    # ruleid: portal-html-response
    HttpResponse(content, content_type="text/html; charset=utf-8")
    # ruleid: portal-html-response
    HttpResponseBadRequest(request.POST.get("reason"))
    # ok: portal-html-response
    HttpResponse("ok", content_type="text/plain")
    # ok: portal-html-response
    HttpResponse(json.dumps(export), content_type="application/json")
    # ok: portal-html-response
    HttpResponse(content, content_type="text/csv; charset=utf-8")
    # ok: portal-html-response
    return HttpResponse(status=204)
