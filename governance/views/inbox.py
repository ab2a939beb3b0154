"""Views of governance: the notification inbox and the audit log."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts import access
from accounts.roles import Action
from core.models import Notification
from core.notifications import notification_mark_read
from governance import selectors
from governance.forms import AuditFilterForm


@login_required
@require_GET
def inbox(request):
    page = Paginator(request.user.notifications.all(), 25).get_page(request.GET.get("page"))
    return render(request, "governance/inbox.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def notification_detail(request, notification_id):
    # A notification belongs to one person: anyone else's is a 404.
    try:
        notification = request.user.notifications.get(pk=notification_id)
    except Notification.DoesNotExist:
        raise Http404 from None
    if request.method == "POST":
        notification_mark_read(user=request.user, notification=notification)
        return redirect("governance:inbox")
    notification_mark_read(user=request.user, notification=notification)
    return render(request, "governance/notification_detail.html", {"notification": notification})


@login_required
@access.require(Action.VIEW_AUDIT_LOG)
@require_GET
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = selectors.audit_entries(user=request.user, **filters)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "governance/audit_log.html", {"form": form, "page": page})
