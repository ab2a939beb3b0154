"""Reads of the official accounts register."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from accounts.roles import Action
from approvals.models import OfficialAccount


def accounts_visible_to(*, user: User, status: str | None = None) -> QuerySet[OfficialAccount]:
    """The register as this user may see it (the accounts of their schools)."""
    accounts = OfficialAccount.objects.visible_to(user, Action.REQUEST_APPROVAL).select_related(
        "school", "moderator"
    )
    if status:
        accounts = accounts.filter(status=status)
    return accounts.order_by("school__name", "platform", "handle")
