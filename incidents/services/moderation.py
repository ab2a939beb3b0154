"""The moderation log of comments on school accounts (004 §1) and the platform age table (000 §3.2)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts import access
from accounts.models import School, User
from accounts.roles import Action
from core.audit import audit_record
from core.models import AuditEntry
from incidents.models import Incident, ModerationEntry, Platform
from incidents.services.common import require


@transaction.atomic
def moderation_record(
    *,
    user: User,
    school: School,
    account: str,
    comment_text: str,
    seen_at: datetime,
    action_taken: str,
    platform: Platform | None = None,
    comment_url: str = "",
    commenter: str = "",
    action_detail: str = "",
    incident: Incident | None = None,
) -> ModerationEntry:
    """Log an inappropriate comment on a school account and what was done about it."""
    require(user, Action.MODERATE_ACCOUNTS, school)
    if incident is not None and incident.school_id != school.pk:
        raise ValidationError({"incident": "Choose an incident of the same school."})
    entry = ModerationEntry(
        school=school,
        account=account.strip(),
        platform=platform,
        comment_url=comment_url.strip(),
        comment_text=comment_text.strip(),
        commenter=commenter.strip(),
        seen_at=seen_at,
        action_taken=action_taken,
        action_detail=action_detail.strip(),
        recorded_by=user,
        incident=incident,
    )
    entry.full_clean()
    entry.save()
    audit_record(verb=AuditEntry.Verb.CREATE, obj=entry, changes={"action_taken": [None, action_taken]})
    return entry


@transaction.atomic
def platform_update(*, user: User, platform: Platform, minimum_age: int | None, is_active: bool) -> Platform:
    """Change a platform's minimum age or whether reporters can choose it (trust administrators)."""
    if not access.has_any(user, Action.ADMINISTER_SCHOOL):
        raise PermissionDenied
    platform = Platform.objects.select_for_update().get(pk=platform.pk)
    changes = {
        name: [getattr(platform, name), value]
        for name, value in (("minimum_age", minimum_age), ("is_active", is_active))
        if getattr(platform, name) != value
    }
    if not changes:
        return platform
    platform.minimum_age = minimum_age
    platform.is_active = is_active
    platform.full_clean()
    platform.save(update_fields=["minimum_age", "is_active"])
    audit_record(verb=AuditEntry.Verb.UPDATE, obj=platform, changes=changes)
    return platform
