"""Data protection views: the retention schedule and review list, and subject access exports."""

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import access
from accounts.models import Pupil, Trust
from accounts.roles import Action
from governance import erasure, retention, subject_access
from governance.models import RetentionReview, record_type_choices


class RetentionRuleForm(forms.Form):
    record_type = forms.ChoiceField(choices=record_type_choices, widget=forms.HiddenInput)
    years = forms.IntegerField(label="Years before review", min_value=1, max_value=100)


class ErasureForm(forms.Form):
    confirm = forms.BooleanField(
        label="I have checked the request is valid and no exemption applies (for example, a safeguarding "
        "record the trust must keep). Erasing cannot be undone."
    )


class ReviewDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[(RetentionReview.Outcome.KEEP, "Keep for longer"), (RetentionReview.Outcome.ERASE, "Erase")]
    )


def _trusts(user) -> list[Trust]:
    return list(access.trusts_for(user, Action.MANAGE_RETENTION))


@login_required
@access.require(Action.MANAGE_RETENTION)
@require_http_methods(["GET", "POST"])
def retention_overview(request):
    trusts = _trusts(request.user)
    if request.method == "POST":
        form = RetentionRuleForm(request.POST)
        if form.is_valid():
            for trust in trusts:
                retention.retention_rule_set(user=request.user, trust=trust, **form.cleaned_data)
            messages.success(request, "The retention schedule has been changed.")
            return redirect("governance:retention")
        messages.error(request, "Enter a number of years from 1 to 100.")
    schedules = [
        (trust, sorted(retention.schedule(trust).values(), key=lambda r: r.record_type)) for trust in trusts
    ]
    reviews = retention.reviews_for(request.user).filter(outcome=RetentionReview.Outcome.PENDING)[:200]
    return render(request, "governance/retention.html", {"schedules": schedules, "reviews": reviews})


@login_required
@access.require(Action.MANAGE_RETENTION)
@require_POST
def retention_decide(request, review_id):
    review = access.get_object_for(request.user, RetentionReview, Action.MANAGE_RETENTION, pk=review_id)
    form = ReviewDecisionForm(request.POST)
    if form.is_valid():
        retention.retention_review_decide(
            user=request.user, review=review, outcome=form.cleaned_data["outcome"]
        )
        messages.success(request, f"Decision recorded for {review.object_label}.")
    else:
        messages.error(request, "Choose keep for longer or erase.")
    return redirect("governance:retention")


def _pupil(request, pupil_id) -> Pupil:
    return access.get_object_for(
        request.user, Pupil.objects.select_related("school"), Action.EXPORT_SUBJECT_ACCESS, pk=pupil_id
    )


def _page(request, pupil: Pupil, *, conflicted: bool, status: int = 200):
    """The export page; when the export would need records naming the person asking for it, it
    says who can make it instead."""
    context = {
        "pupil": pupil,
        # The chief executive reaches this page from a notification, not the pupil directory.
        "back_to_pupil": access.can(request.user, Action.VIEW_PUPIL_DIRECTORY, pupil),
        "conflicted": conflicted,
        "may_erase": access.can(request.user, Action.MANAGE_RETENTION, pupil),
        "erasure_form": ErasureForm(),
    }
    if conflicted:
        context["instead"] = subject_access.officers_instead(user=request.user, pupil=pupil)
    return render(request, "governance/subject_access.html", context, status=status)


@login_required
@access.require(Action.EXPORT_SUBJECT_ACCESS)
@require_GET
def subject_access_page(request, pupil_id):
    pupil = _pupil(request, pupil_id)
    return _page(request, pupil, conflicted=subject_access.is_conflicted(user=request.user, pupil=pupil))


@login_required
@access.require(Action.MANAGE_RETENTION)
@require_POST
def pupil_erase(request, pupil_id):
    pupil = access.get_object_for(
        request.user, Pupil.objects.select_related("school"), Action.MANAGE_RETENTION, pk=pupil_id
    )
    if not ErasureForm(request.POST).is_valid():
        messages.error(request, "Confirm you have checked the request before erasing.")
        return redirect("governance:subject_access", pupil_id=pupil.pk)
    try:
        erasure.pupil_erase(user=request.user, pupil=pupil)
    except erasure.ErasureConflict:
        messages.error(request, "Records about this pupil name you: another officer must make the erasure.")
        return redirect("governance:subject_access", pupil_id=pupil.pk)
    messages.success(
        request, "The pupil's data has been erased. The erasure certificate is in the audit log."
    )
    return redirect("governance:retention")


@login_required
@access.require(Action.EXPORT_SUBJECT_ACCESS)
@require_POST
def subject_access_refer(request, pupil_id):
    pupil = _pupil(request, pupil_id)
    if not subject_access.is_conflicted(user=request.user, pupil=pupil):
        # Nothing stops this person making the export themselves.
        return redirect("governance:subject_access", pupil_id=pupil.pk)
    people = subject_access.subject_access_refer(user=request.user, pupil=pupil)
    if people:
        messages.success(
            request, "The request has been passed to " + ", ".join(p.full_name for p in people) + "."
        )
    else:
        messages.error(
            request, "There is nobody else with this duty in the portal. Ask the trust to appoint one."
        )
    return redirect("governance:subject_access", pupil_id=pupil.pk)


def _export_or_conflict(request, pupil_id, make_response):
    pupil = _pupil(request, pupil_id)
    try:
        export = subject_access.subject_access_export(user=request.user, pupil=pupil)
    except subject_access.SubjectAccessConflict:
        return _page(request, pupil, conflicted=True, status=409)
    response = make_response(export)
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
@access.require(Action.EXPORT_SUBJECT_ACCESS)
@require_GET
def subject_access_json(request, pupil_id):
    def make(export):
        response = HttpResponse(
            json.dumps(export, indent=2, ensure_ascii=False), content_type="application/json"
        )
        response["Content-Disposition"] = f'attachment; filename="subject-access-{pupil_id}.json"'
        return response

    return _export_or_conflict(request, pupil_id, make)


@login_required
@access.require(Action.EXPORT_SUBJECT_ACCESS)
@require_GET
def subject_access_pdf(request, pupil_id):
    def make(export):
        pdf = subject_access.subject_access_pdf(export=export)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="subject-access-{pupil_id}.pdf"'
        return response

    return _export_or_conflict(request, pupil_id, make)
