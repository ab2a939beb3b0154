# ruff: noqa
# Targets for .semgrep/rules/portal-open-redirect.yml (semgrep --test).
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def after_sign_in(request):
    target = request.GET.get("next", "/")
    # ruleid: portal-open-redirect
    return redirect(target)


def back(request):
    # ruleid: portal-open-redirect
    return HttpResponseRedirect(request.META.get("HTTP_REFERER", "/"))


def _safe_next(request, default="home"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse(default)


def after_two_factor(request):
    # ok: portal-open-redirect
    return redirect(_safe_next(request))


def to_event(request):
    # ok: portal-open-redirect
    return redirect("consent:event_detail", event_id=request.POST["event"])


def to_register(request):
    # ok: portal-open-redirect
    return redirect(reverse("consent:register") + "?year=" + request.GET.get("year", ""))


def to_queue(request):
    # ok: portal-open-redirect
    return redirect(f"{reverse('incidents:queue')}?{request.GET.urlencode()}")
