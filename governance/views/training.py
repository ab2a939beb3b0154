"""Views of training records: sessions, attendance and who is due."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts import access
from accounts.roles import Action
from governance import training
from governance.forms import AttendanceForm, TrainingSessionForm
from governance.models import TrainingSession


@login_required
@access.require(Action.MANAGE_POLICIES)
@require_GET
def training_list(request):
    due = training.staff_due_by_school(school_ids=access.schools_for(request.user, Action.MANAGE_POLICIES))
    sessions = training.sessions_for(request.user)[:50]
    return render(request, "governance/training_list.html", {"sessions": sessions, "due": due})


@login_required
@access.require(Action.MANAGE_POLICIES)
@require_http_methods(["GET", "POST"])
def training_new(request):
    schools = access.schools_queryset(request.user, Action.MANAGE_POLICIES).order_by("name")
    form = TrainingSessionForm(request.POST or None, schools=schools)
    if request.method == "POST" and form.is_valid():
        session = training.training_session_record(user=request.user, **form.cleaned_data)
        messages.success(request, "Session recorded. Now record who attended.")
        return redirect("governance:training_detail", session_id=session.pk)
    return render(request, "governance/training_form.html", {"form": form})


@login_required
@access.require(Action.MANAGE_POLICIES)
@require_http_methods(["GET", "POST"])
def training_detail(request, session_id):
    session = access.get_object_for(
        request.user, TrainingSession.objects.select_related("school"), Action.MANAGE_POLICIES, pk=session_id
    )
    if session.kind == TrainingSession.Kind.STAFF:
        people = access.staff_of([session.school_id])
    else:
        people = access.parents_of(session.school_id)
    attended = set(session.attendance.values_list("user_id", flat=True))
    form = AttendanceForm(request.POST or None, people=people.exclude(pk__in=attended).order_by("full_name"))
    if request.method == "POST" and form.is_valid():
        added = training.attendance_record(
            user=request.user, session=session, attendees=list(form.cleaned_data["attendees"])
        )
        messages.success(request, f"Attendance recorded for {added} {'person' if added == 1 else 'people'}.")
        return redirect("governance:training_detail", session_id=session.pk)
    present = people.filter(pk__in=attended).order_by("full_name")
    return render(
        request, "governance/training_detail.html", {"session": session, "form": form, "present": present}
    )
