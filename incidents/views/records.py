"""A pupil's chronology (page and PDF), the inspection pack, the moderation log and platform ages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts import access
from accounts.models import Pupil
from accounts.roles import Action
from core.audit import audit_record, audit_view
from core.models import AuditEntry
from incidents import selectors, services
from incidents.forms import InspectionPackForm, ModerationForm, PlatformForm
from incidents.models import ModerationEntry, Platform
from incidents.services import printing
from incidents.views.common import describe_event


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _described(entries: list[dict], pupil: Pupil) -> list[dict]:
    """Each chronology entry with the lines that say what happened (agency, reference, decision)."""
    names = {str(pupil.pk): pupil.full_name}
    return [{**entry, "lines": describe_event(entry["event"], names)} for entry in entries]


def _pupil_for_records(user, pupil_id) -> Pupil:
    return access.get_object_for(
        user, Pupil.objects.select_related("school"), Action.VIEW_SAFEGUARDING_RECORDS, pk=pupil_id
    )


@login_required
@require_GET
def chronology(request, pupil_id):
    """Every incident and step involving a pupil, oldest first; the view is audited."""
    pupil = _pupil_for_records(request.user, pupil_id)
    audit_view(request, pupil)
    entries = _described(selectors.pupil_chronology(user=request.user, pupil=pupil), pupil)
    return render(request, "incidents/chronology.html", {"pupil": pupil, "entries": entries})


@login_required
@require_GET
def chronology_pdf(request, pupil_id):
    """The chronology as a PDF, naming who made it and when; audited as a download."""
    pupil = _pupil_for_records(request.user, pupil_id)
    entries = _described(selectors.pupil_chronology(user=request.user, pupil=pupil), pupil)
    now = timezone.now()
    content = printing.chronology_pdf(
        pupil=pupil, entries=entries, generated_by=request.user, generated_at=now
    )
    audit_record(
        verb=AuditEntry.Verb.DOWNLOAD,
        obj=pupil,
        request=request,
        changes={"document": ["", "chronology PDF"]},
    )
    return _pdf_response(content, f"chronology-{pupil.mis_id or pupil.pk}-{timezone.localdate():%Y%m%d}.pdf")


@login_required
@access.require(Action.VIEW_SAFEGUARDING_RECORDS)
@require_GET
def inspection_pack(request):
    """A period's referrals as a PDF; without a period, the form to choose one."""
    school_ids = access.schools_for(request.user, Action.VIEW_SAFEGUARDING_RECORDS)
    schools = access.schools_queryset(request.user, Action.VIEW_SAFEGUARDING_RECORDS).order_by("name")
    form = InspectionPackForm(request.GET or None, schools=schools if len(school_ids) > 1 else None)
    if not form.is_bound or not form.is_valid():
        return render(request, "incidents/inspection_pack.html", {"form": form})
    chosen = form.cleaned_data.get("school")
    ids = [chosen.pk] if chosen else list(school_ids)
    start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    referrals = selectors.referrals(user=request.user, school_ids=ids, date_from=start, date_to=end)
    content = printing.inspection_pack_pdf(
        referrals=referrals,
        date_from=start,
        date_to=end,
        schools=[chosen] if chosen else list(schools),
        generated_by=request.user,
        generated_at=timezone.now(),
    )
    audit_record(
        verb=AuditEntry.Verb.DOWNLOAD,
        object_type="incidents.inspection_pack",
        object_repr=f"Inspection pack {start:%d/%m/%Y} to {end:%d/%m/%Y}",
        school_id=chosen.pk if chosen else None,
        request=request,
        changes={"period": [str(start), str(end)]},
    )
    return _pdf_response(content, f"inspection-pack-{start:%Y%m%d}-{end:%Y%m%d}.pdf")


@login_required
@access.require(Action.MODERATE_ACCOUNTS)
@require_GET
def moderation_log(request):
    """The log of inappropriate comments on the school accounts the user moderates (004 §1)."""
    entries = access.scope(
        ModerationEntry.objects.select_related("school", "platform", "recorded_by"),
        request.user,
        Action.MODERATE_ACCOUNTS,
    ).order_by("-seen_at", "-recorded_at")
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    several = len(access.schools_for(request.user, Action.MODERATE_ACCOUNTS)) > 1
    return render(request, "incidents/moderation_log.html", {"page": page, "show_school": several})


@login_required
@access.require(Action.MODERATE_ACCOUNTS)
@require_http_methods(["GET", "POST"])
def moderation_new(request):
    """Log a comment and the action taken."""
    schools = access.schools_queryset(request.user, Action.MODERATE_ACCOUNTS).order_by("name")
    form = ModerationForm(request.POST if request.method == "POST" else None, schools=schools)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.moderation_record(
            user=request.user,
            school=form.school_choice,
            account=data["account"],
            platform=data.get("platform"),
            comment_url=data.get("comment_url") or "",
            comment_text=data["comment_text"],
            commenter=data.get("commenter") or "",
            seen_at=data["seen_at"],
            action_taken=data["action_taken"],
            action_detail=data.get("action_detail") or "",
        )
        messages.success(request, "Comment added to the moderation log.")
        return redirect("incidents:moderation_log")
    return render(request, "incidents/moderation_new.html", {"form": form})


@login_required
@access.require(Action.ADMINISTER_SCHOOL)
@require_GET
def platforms(request):
    """The platforms reporters choose from and their minimum ages (000 §3.2)."""
    return render(request, "incidents/platforms.html", {"platforms": Platform.objects.order_by("name")})


@login_required
@access.require(Action.ADMINISTER_SCHOOL)
@require_http_methods(["GET", "POST"])
def platform_edit(request, platform_id):
    """Change a platform's minimum age or whether it is offered; audited."""
    platform = selectors.platform_for(platform_id=platform_id)
    initial = {"minimum_age": platform.minimum_age, "is_active": platform.is_active}
    form = PlatformForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.platform_update(
            user=request.user,
            platform=platform,
            minimum_age=form.cleaned_data["minimum_age"],
            is_active=form.cleaned_data["is_active"],
        )
        messages.success(request, f"{platform.name} updated.")
        return redirect("incidents:platforms")
    return render(request, "incidents/platform_edit.html", {"form": form, "platform": platform})
