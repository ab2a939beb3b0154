"""Reads of governance, scoped through the access layer."""

from datetime import date, datetime, time

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts import access
from accounts.roles import Action
from core import registries
from core.models import AuditEntry


def audit_entries(
    *,
    user,
    actor: str = "",
    verb: str = "",
    object_type: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEntry]:
    """Audit entries of the schools where the user may read the log, plus trust-level entries."""
    schools = access.schools_for(user, Action.VIEW_AUDIT_LOG)
    trusts = access.trusts_for(user, Action.VIEW_AUDIT_LOG)
    entries = AuditEntry.objects.filter(Q(school_id__in=schools) | Q(school__isnull=True, trust__in=trusts))
    # Entries about records naming the reader are left out, as those records are everywhere else:
    # "the DSL viewed incident X" would tell an officer named in X that there is a concern.
    for records in registries.audit_naming:
        for label, ids in records.naming(user).items():
            entries = entries.exclude(object_type=label, object_id__in=ids)
    if actor:
        entries = entries.filter(actor_label__icontains=actor)
    if verb:
        entries = entries.filter(verb=verb)
    if object_type:
        entries = entries.filter(object_type=object_type)
    tz = timezone.get_current_timezone()
    if date_from:
        entries = entries.filter(at__gte=datetime.combine(date_from, time.min, tzinfo=tz))
    if date_to:
        entries = entries.filter(at__lte=datetime.combine(date_to, time.max, tzinfo=tz))
    return entries.select_related("school").order_by("-at", "-id")
