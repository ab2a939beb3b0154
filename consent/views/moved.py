"""The MIS import's old addresses. The import moved to accounts, with the pupils and parents it
writes (/account/pupils/import/); a bookmark, a link in an old email or a page opened before the
move is sent on to the same page there, after the same access check the page makes."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponsePermanentRedirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import access
from accounts.models import ImportRun
from accounts.roles import Action


class MovedKeepingMethod(HttpResponsePermanentRedirect):
    # 308, not 301: a form posted to an old address is posted again to the new one, not turned
    # into a GET that would lose the file or the decision.
    status_code = 308


@login_required
@access.require(Action.ADMINISTER_SCHOOL)
@require_http_methods(["GET", "POST"])
def import_upload_moved(request):
    """The upload page's old address."""
    return MovedKeepingMethod(reverse("accounts:import_upload"))


@login_required
@require_GET
def import_run_moved(request, run_id):
    """An import's old address: 404 for a run the user may not see, as on the page itself."""
    run = access.get_object_for(request.user, ImportRun.objects.all(), Action.ADMINISTER_SCHOOL, pk=run_id)
    return MovedKeepingMethod(reverse("accounts:import_run", args=[run.pk]))


@login_required
@require_POST
def import_apply_moved(request, run_id):
    """The old address that started an import, posted to from a page opened before the move."""
    run = access.get_object_for(request.user, ImportRun.objects.all(), Action.ADMINISTER_SCHOOL, pk=run_id)
    return MovedKeepingMethod(reverse("accounts:import_apply", args=[run.pk]))
