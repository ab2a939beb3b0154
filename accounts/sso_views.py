"""Views of single sign-on: the button on the sign-in page, and the provider's answer (accounts.sso)."""

from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from accounts import sso
from accounts.forms import SignOnStartForm


def _safe(request, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


@require_GET
def sso_start(request):
    """Send the person to their trust's provider to sign in.

    A link, not a form: the sign-in page's content security policy lets forms post only to the
    portal, and Chromium applies that to the redirect after a POST too."""
    if request.user.is_authenticated:
        return redirect("home")
    form = SignOnStartForm(request.GET)
    if not form.is_valid():
        messages.error(request, "Choose how to sign in.")
        return redirect("accounts:login")
    try:
        url = sso.sso_begin(
            request=request, sign_on=form.cleaned_data["sign_on"], next_url=form.cleaned_data["next"]
        )
    except sso.SignOnError as error:
        sso.sso_record_refusal(request=request, error=error)
        messages.error(request, error.message)
        return redirect("accounts:login")
    # The trust's configured authorization endpoint, never an address from the request.
    return HttpResponseRedirect(url)  # nosemgrep: portal-open-redirect


@require_GET
def sso_callback(request):
    """Sign in the person the provider names, if they are one of the trust's staff."""
    if request.user.is_authenticated:
        return redirect("home")
    try:
        identity = sso.sso_complete(request=request)
    except sso.SignOnError as error:
        sso.sso_record_refusal(request=request, error=error)
        messages.error(request, error.message)
        return redirect("accounts:login")
    # Through Django's authenticate(), so django-axes checks and counts this address as it does a
    # typed one, and a refusal is signalled (and audited) like a wrong password.
    user = authenticate(request, username=identity.email, sso_identity=identity)
    if user is None:
        if not getattr(request, "axes_locked_out", False):
            messages.error(request, identity.refusal_message())
        # When locked out, AxesMiddleware answers with the lockout page instead.
        return redirect("accounts:login")
    login(request, user)
    sso.sso_accept_multi_factor(request=request, user=user, identity=identity)
    return redirect(_safe(request, identity.next_url))
