"""One set of views for every kind of request: the kind's forms, steps and what its case page adds
come from its declaration (approvals.kinds), read through ``request.workflow``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import access
from accounts.roles import Action
from approvals import selectors, services
from approvals.forms.base import initial_from
from approvals.forms.decisions import CommentForm, FilterRecordForm
from approvals.models import FINAL_STATES, RequestType, State
from approvals.pdf import request_pdf as render_pdf
from approvals.workflows import REJECT, RETURN, all_workflows, get_workflow
from core.audit import audit_record
from core.dates import long_datetime
from core.files import private_file_response
from core.models import AuditEntry

PAGE_SIZE = 25


def add_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its field where the form has one."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            for item in errors:
                form.add_error(name if name in form.fields else None, item)
    else:
        form.add_error(None, error)


# --- lists -------------------------------------------------------------------------------------


@login_required
@require_GET
def inbox(request):
    """Requests waiting for this person's decision, oldest first, and those they decided lately."""
    waiting = selectors.decision_inbox(user=request.user)
    page = Paginator(waiting, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "recent": selectors.recently_decided_by(user=request.user),
        "records_filtering": access.has_any(request.user, Action.RECORD_ICT_ACTIONS),
        "moderates": access.has_any(request.user, Action.MODERATE_ACCOUNTS),
        "reviews_filtering": access.has_any(request.user, Action.VIEW_DASHBOARD),
    }
    return render(request, "approvals/inbox.html", context)


@login_required
@access.require(Action.REQUEST_APPROVAL)
@require_GET
def request_list(request):
    """The person's own requests and the requests of the kinds they decide."""
    types = {w.type: w.label for w in all_workflows()}
    type_ = request.GET.get("type") if request.GET.get("type") in types else None
    state = request.GET.get("state") if request.GET.get("state") in State.values else None
    mine = request.GET.get("mine") == "1"
    requests = selectors.requests_list(user=request.user, type_=type_, state=state, mine=mine)
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "kinds": [(w.type, w.label, f"approvals:create_{w.type}") for w in all_workflows()],
        "types": types,
        "states": State.choices,
        "filters": {"type": type_ or "", "state": state or "", "mine": mine},
    }
    return render(request, "approvals/list.html", context)


# --- making and changing a request -------------------------------------------------------------


def _school_for_new(request):
    """The school a new request is for: the only one, or the one chosen (None while not chosen)."""
    schools = list(access.schools_queryset(request.user, Action.REQUEST_APPROVAL).order_by("name"))
    if len(schools) == 1:
        return schools[0], schools
    wanted = request.GET.get("school")
    return next((s for s in schools if str(s.pk) == wanted), None), schools


@login_required
@access.require(Action.REQUEST_APPROVAL)
@require_http_methods(["GET", "POST"])
def request_create(request, kind: str):
    """A new request of one kind: submitted for decision, or saved as a draft."""
    workflow = get_workflow(kind)
    school, schools = _school_for_new(request)
    if school is None:
        return render(request, "approvals/choose_school.html", {"workflow": workflow, "schools": schools})
    form_class = workflow.request_form
    kwargs = {"user": request.user, "school": school, "type_": workflow.type}
    form = form_class(request.POST or None, request.FILES or None, **kwargs)
    if request.method == "POST":
        if "list_pupils" in request.POST:
            # Listing another class's pupils keeps everything typed and shows no errors yet.
            form = form_class(initial=initial_from(form), **kwargs)
        elif form.is_valid():
            submit = "save_draft" not in request.POST
            try:
                created = services.request_create(
                    user=request.user,
                    school=school,
                    type_=kind,
                    title=form.title(),
                    detail=form.instance,
                    submit=submit,
                    after_save=form.after_save,
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(
                    request,
                    f"Your request {created.reference} has been sent for a decision."
                    if submit
                    else f"Your request {created.reference} is saved as a draft. Submit it when it is ready.",
                )
                return redirect("approvals:detail", request_id=created.pk)
    context = {"form": form, "workflow": workflow, "school": school, "schools": schools, "editing": None}
    return render(request, "approvals/request_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def request_edit(request, request_id):
    """The requester changes their request; a decided or approved one goes back for decision."""
    obj = selectors.request_for_requester(user=request.user, request_id=request_id)
    if obj.state in (State.REJECTED, State.WITHDRAWN):
        messages.error(
            request, "A rejected or withdrawn request cannot be changed. Make a new request instead."
        )
        return redirect("approvals:detail", request_id=obj.pk)
    form_class = obj.workflow.request_form
    kwargs = {"instance": obj.detail, "user": request.user, "school": obj.school, "type_": obj.type}
    form = form_class(request.POST or None, request.FILES or None, **kwargs)
    if request.method == "POST":
        if "list_pupils" in request.POST:
            form = form_class(initial=initial_from(form), **kwargs)
        elif form.is_valid():
            was = obj.state
            try:
                obj = services.request_edit(
                    user=request.user,
                    request=obj,
                    detail=form.instance,
                    title=form.title(),
                    after_save=form.after_save,
                )
                if "submit_now" in request.POST and obj.state in (State.DRAFT, State.RETURNED):
                    obj = services.request_submit(user=request.user, request=obj)
            except ValidationError as error:
                add_errors(form, error)
            else:
                if was not in (State.DRAFT, State.RETURNED, State.SUBMITTED):
                    messages.success(
                        request,
                        "Your changes are saved. The request has gone back for a decision: approvals given "
                        "before the change no longer count.",
                    )
                else:
                    messages.success(request, "Your changes are saved.")
                return redirect("approvals:detail", request_id=obj.pk)
    context = {"form": form, "workflow": obj.workflow, "school": obj.school, "editing": obj}
    return render(request, "approvals/request_form.html", context)


@login_required
@require_POST
def request_submit(request, request_id):
    """The requester sends a draft or a returned request for decision."""
    obj = selectors.request_for_requester(user=request.user, request_id=request_id)
    form = CommentForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        services.request_submit(user=request.user, request=obj, comment=comment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Your request {obj.reference} has been sent for a decision.")
    return redirect("approvals:detail", request_id=obj.pk)


@login_required
@require_POST
def request_withdraw(request, request_id):
    """The requester withdraws a request not yet decided."""
    obj = selectors.request_for_requester(user=request.user, request_id=request_id)
    form = CommentForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        services.request_withdraw(user=request.user, request=obj, comment=comment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Your request {obj.reference} is withdrawn.")
    return redirect("approvals:detail", request_id=obj.pk)


# --- the case page and decisions ---------------------------------------------------------------


def _earlier_versions(obj) -> list[dict]:
    """Each earlier version's words, and its signed PDF if that version was approved."""
    signed = selectors.signed_records(obj)
    return [{"version": v, "signed": signed.get(v.number)} for v in selectors.earlier_versions(obj)]


def _detail_context(request, obj, *, decision_form=None, **forms) -> dict:
    """The case page; ``forms`` are bound forms of a failed post, for the kind's own part of the page."""
    user = request.user
    detail = obj.detail
    available = selectors.available_steps(user, obj)
    if decision_form is None and available:
        decision_form = obj.workflow.decision_form(request_obj=obj, available=available)
    context = {
        "obj": obj,
        "detail": detail,
        "rows": [
            ("Requested by", str(obj.requester)),
            ("Made", long_datetime(obj.created_at)),
            *([("Version", f"{obj.version} (changed after it was made)")] if obj.version > 1 else []),
            *detail.summary_rows(),
        ],
        "timeline": selectors.timeline(obj),
        "earlier_versions": _earlier_versions(obj),
        "decision_form": decision_form,
        "waiting_for": selectors.waiting_for(obj),
        "is_requester": obj.requester_id == user.pk,
        "can_edit": obj.requester_id == user.pk and obj.state not in (State.REJECTED, State.WITHDRAWN),
        "can_withdraw": obj.requester_id == user.pk and obj.state not in FINAL_STATES,
        "can_submit": obj.requester_id == user.pk and obj.state in (State.DRAFT, State.RETURNED),
    }
    if obj.workflow.page is not None:
        context.update(obj.workflow.page(user=user, request=obj, detail=detail, forms=forms))
    return context


@login_required
@require_GET
def request_detail(request, request_id):
    """A request's case page: its form, its timeline, and the decisions this person may take."""
    obj = selectors.request_for_view(user=request.user, request_id=request_id)
    return render(request, "approvals/detail.html", _detail_context(request, obj))


@login_required
@require_POST
def request_decide(request, request_id):
    """Take a decision: a forward step of the workflow, return for changes, or reject."""
    obj = selectors.request_for_decision(user=request.user, request_id=request_id)
    available = selectors.available_steps(request.user, obj)
    form = obj.workflow.decision_form(request.POST, request_obj=obj, available=available)
    status = 200
    if form.is_valid():
        decision, comment = form.cleaned_data["decision"], form.cleaned_data["comment"]
        seen = {"comment": comment, "version": form.cleaned_data["version"]}
        try:
            with transaction.atomic():
                if decision == RETURN:
                    services.request_return(user=request.user, request=obj, **seen)
                elif decision == REJECT:
                    services.request_reject(user=request.user, request=obj, **seen)
                else:
                    form.before_step(user=request.user)
                    services.request_take_step(user=request.user, request=obj, step_name=decision, **seen)
        except PermissionDenied:
            if decision in (RETURN, REJECT) or not selectors.decider_actions_held(request.user, obj):
                raise
            # A decider of this kind of request, but not of this step (the marketing officer and the
            # headteacher's approval): refused, saying whose step it is.
            step = obj.workflow.step(decision)
            form.add_error(
                "decision", f"Only the {step.role_label.lower()} can take the step “{step.label}”."
            )
            status = 403
        except services.StaleVersion as error:
            # The page below shows the version now waiting; the form carries it, keeping what was typed.
            obj.refresh_from_db()
            data = request.POST.copy()
            data["version"] = str(obj.version)
            form = obj.workflow.decision_form(
                data, request_obj=obj, available=selectors.available_steps(request.user, obj)
            )
            form.is_valid()
            form.add_error(None, error)
            status = 409
        except ValidationError as error:
            add_errors(form, error)
        else:
            obj.refresh_from_db()
            labels = {RETURN: "returned for changes", REJECT: "rejected"}
            done = labels.get(decision) or obj.get_state_display().lower()
            messages.success(request, f"Your decision is recorded: {obj.reference} is now {done}.")
            return redirect("approvals:detail", request_id=obj.pk)
    obj.refresh_from_db()
    context = _detail_context(request, obj, decision_form=form)
    context["form"] = form
    return render(request, "approvals/detail.html", context, status=status)


@login_required
@require_POST
def filter_record(request, request_id):
    """The ICT technician records that the filter change was applied or removed."""
    obj = selectors.request_for_action(
        user=request.user, request_id=request_id, action=Action.RECORD_ICT_ACTIONS
    )
    # Filter changes are made for blocked content access only.
    if obj.type != RequestType.BLOCKED_CONTENT:
        raise Http404
    form = FilterRecordForm(request.POST)
    if form.is_valid():
        try:
            services.blocked_filter_record(
                user=request.user,
                request=obj,
                change=form.cleaned_data["change"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"The filter change for {obj.reference} is recorded.")
            return redirect("approvals:detail", request_id=obj.pk)
    context = _detail_context(request, obj, filter_form=form)
    context["form"] = form
    return render(request, "approvals/detail.html", context)


@login_required
@require_GET
def request_pdf(request, request_id):
    """The request as a signed PDF record, like the paper form."""
    obj = selectors.request_for_view(user=request.user, request_id=request_id)
    wanted = request.GET.get("version")
    if wanted is not None or obj.state == State.APPROVED:
        # An approved version is the PDF printed when it was approved, never a print of today's data.
        version = int(wanted) if wanted and wanted.isdigit() else (None if wanted is None else 0)
        record = selectors.signed_record_for(obj, version)
        if record is not None:
            audit_record(
                verb=AuditEntry.Verb.DOWNLOAD,
                obj=obj,
                changes={
                    "format": [None, "pdf"],
                    "version": [None, record.version],
                    "sha256": [None, record.sha256],
                },
            )
            name = (
                f"{obj.reference}.pdf" if wanted is None else f"{obj.reference}-version-{record.version}.pdf"
            )
            return private_file_response(record.file, download_name=name)
        if wanted is not None:
            raise Http404
    audit_record(verb=AuditEntry.Verb.DOWNLOAD, obj=obj, changes={"format": [None, "pdf"]})
    response = HttpResponse(render_pdf(obj), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{obj.reference}.pdf"'
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
@require_GET
def post_media(request, media_id):
    """A post's photo or video, to those who may see the post."""
    media = selectors.media_for_view(user=request.user, media_id=media_id)
    audit_record(verb=AuditEntry.Verb.DOWNLOAD, obj=media, school_id=media.post.request.school_id)
    return private_file_response(media.file, download_name=media.original_name, inline=True)
