"""The evidence integrity check's last result, for the safeguarding leads and the data protection officer."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts import access
from accounts.roles import Action
from incidents import selectors

# Who is told when a file fails, and so who may read the result.
READERS = (Action.VIEW_SAFEGUARDING_RECORDS, Action.MANAGE_RETENTION)


@login_required
@require_GET
def evidence_integrity(request):
    """The last nightly check: when, how many files, and the failures in the reader's schools."""
    if not access.has_any_of(request.user, *READERS):
        raise PermissionDenied
    check, problems = selectors.integrity_last_check(user=request.user, actions=READERS)
    return render(request, "incidents/evidence_integrity.html", {"check": check, "problems": problems})
