"""MIS imports: upload a CSV export, see the preview, import it with progress shown."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import access, mis_import, selectors
from accounts.forms import ImportUploadForm
from accounts.models import ImportRun
from accounts.roles import Action

# Seconds between reloads of a working import's page (the Refresh header needs no JavaScript).
POLL_SECONDS = 3


@login_required
@access.require(Action.ADMINISTER_SCHOOL)
@require_http_methods(["GET", "POST"])
def import_upload(request):
    """Upload an MIS export for a school; lists recent imports and the columns accepted."""
    form = ImportUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            run = mis_import.import_upload(
                by=request.user, school=form.cleaned_data["school"], upload=form.cleaned_data["file"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("accounts:import_run", run_id=run.pk)
    context = {
        "form": form,
        "runs": list(selectors.import_runs_for(user=request.user)[:10]),
        "pupil_columns": mis_import.PUPIL_COLUMNS,
        "contact_columns": mis_import.CONTACT_COLUMNS,
        "max_contacts": mis_import.MAX_CONTACTS,
    }
    return render(request, "accounts/import_upload.html", context)


@login_required
@require_GET
def import_run(request, run_id):
    """An import's preview, progress or result; reloads itself while it works."""
    run = access.get_object_for(
        request.user,
        ImportRun.objects.select_related("school", "uploaded_by"),
        Action.ADMINISTER_SCHOOL,
        pk=run_id,
    )
    report = run.result if run.status == ImportRun.Status.APPLIED else run.preview
    response = render(
        request, "accounts/import_run.html", {"run": run, "report": report, "poll": POLL_SECONDS}
    )
    if run.is_working:
        response["Refresh"] = str(POLL_SECONDS)
    return response


@login_required
@require_POST
def import_apply(request, run_id):
    """Start importing a previewed file."""
    run = access.get_object_for(request.user, ImportRun.objects.all(), Action.ADMINISTER_SCHOOL, pk=run_id)
    try:
        mis_import.import_apply(by=request.user, run=run)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("accounts:import_run", run_id=run.pk)
