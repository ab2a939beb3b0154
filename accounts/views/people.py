"""Views of people: signing in and out, two-factor, password reset, home pages, the pupil directory."""

import base64

import segno
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, PasswordResetView
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import access, selectors, services, sso
from accounts.forms import EmailLoginForm, PupilSearchForm, TokenForm
from accounts.models import Pupil
from accounts.roles import Action
from core.audit import audit_record, audit_view, client_ip
from core.models import AuditEntry


class SignInView(LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailLoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["session_expired"] = self.request.session.pop("portal_expired", False)
        context["sign_on_options"] = sso.sign_on_options()
        return context

    def form_invalid(self, form):
        if form.has_error(NON_FIELD_ERRORS, "sso_required"):
            audit_record(
                verb=AuditEntry.Verb.LOGIN_FAILED,
                obj=form.get_user(),
                actor=None,
                changes={"event": ["", "password sign-in is switched off for this trust's staff"]},
            )
        return super().form_invalid(form)


class PasswordResetRequestView(PasswordResetView):
    """Django's password reset, sending only a few emails an hour per address and per client."""

    def form_valid(self, form):
        if services.password_reset_admit(email=form.cleaned_data["email"], client=client_ip(self.request)):
            return super().form_valid(form)
        # Nothing is sent, and the answer is the one a sent email gets: the limit must not tell
        # anyone whether the address has an account.
        return HttpResponseRedirect(self.get_success_url())


@require_POST
def sign_out(request):
    logout(request)
    messages.success(request, "You have signed out.")
    return redirect("accounts:login")


def _safe_next(request, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


def totp_secret_base32(device: TOTPDevice) -> str:
    """The device's secret as authenticator apps expect it (base32, no padding)."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def _second_factor_passed(request, device: TOTPDevice) -> None:
    """Mark the session as past two-factor with this device, under a new session key."""
    otp_login(request, device)
    # Django gives the session a new key at the password, not at the code. Whoever knows the
    # key of a session waiting for its code (one they signed in with a stolen password and then
    # planted in the victim's browser) would otherwise hold a verified session once the victim
    # types the code. The data stays; the old key is deleted from the store.
    request.session.cycle_key()


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    if any(True for _ in devices_for_user(request.user, confirmed=True)):
        return redirect("accounts:two_factor_verify")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="Authenticator app", confirmed=False)
    form = TokenForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        _second_factor_passed(request, device)
        audit_record(verb=AuditEntry.Verb.TWO_FACTOR, obj=request.user, changes={"event": ["", "set up"]})
        messages.success(request, "Two-factor authentication is set up.")
        return redirect(_safe_next(request))
    qr = segno.make(device.config_url, error="m")
    context = {
        "form": form,
        "qr_data_uri": qr.svg_data_uri(scale=4, dark="#0b0c0c"),
        "secret": totp_secret_base32(device),
        "next": request.GET.get("next", ""),
    }
    return render(request, "accounts/two_factor_setup.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    device = next(iter(devices_for_user(request.user, confirmed=True)), None)
    if device is None:
        return redirect("accounts:two_factor_setup")
    form = TokenForm(request.POST or None, device=device)
    if request.method == "POST":
        if form.is_valid():
            _second_factor_passed(request, device)
            audit_record(
                verb=AuditEntry.Verb.TWO_FACTOR, obj=request.user, changes={"event": ["", "verified"]}
            )
            return redirect(_safe_next(request))
        audit_record(verb=AuditEntry.Verb.TWO_FACTOR, obj=request.user, changes={"event": ["", "wrong code"]})
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": request.GET.get("next", "")}
    )


@login_required
@access.require(Action.VIEW_PUPIL_DIRECTORY)
@require_GET
def pupil_list(request):
    form = PupilSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    pupils = selectors.pupil_directory(
        user=request.user, query=filters.get("q") or "", year_group=filters.get("year_group")
    )
    page = Paginator(pupils, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/pupil_list.html", {"form": form, "page": page})


@login_required
@require_GET
def pupil_detail(request, pupil_id):
    pupil = access.get_object_for(
        request.user,
        Pupil.objects.select_related("school"),
        Action.VIEW_PUPIL_DIRECTORY,
        pk=pupil_id,
    )
    audit_view(request, pupil)
    parents = pupil.parent_links.select_related("parent").order_by("parent__full_name")
    return render(request, "accounts/pupil_detail.html", {"pupil": pupil, "parent_links": parents})
