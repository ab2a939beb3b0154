"""The audit service: every change to a governed record and every view of a safeguarding record."""

from __future__ import annotations

import contextvars
from typing import Any

from django.db import models

from governance.models import AuditEntry

_request: contextvars.ContextVar = contextvars.ContextVar("portal_audit_request", default=None)


class AuditContextMiddleware:
    """Remembers the current request so audit entries made anywhere know who and from where."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


def client_ip(request) -> str | None:
    """The client's address (REMOTE_ADDR; a trusted proxy count is handled by the server set-up)."""
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    verb: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    school_id: Any = None,
    changes: dict | None = None,
    actor=None,
    request=None,
) -> AuditEntry:
    """Append one entry to the audit log."""
    request = request or _request.get()
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if getattr(user, "is_authenticated", False) else None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
        if school_id is None:
            school_id = getattr(obj, "school_id", None)
    return AuditEntry.objects.create(
        trust_id=_trust_of(obj, school_id, actor),
        actor=actor,
        actor_label=(actor.email if actor is not None else "system"),
        verb=verb,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        school_id=school_id,
        changes=changes or {},
        ip_address=client_ip(request) if request is not None else None,
        user_agent=(request.META.get("HTTP_USER_AGENT", "")[:300] if request is not None else ""),
        path=(request.path[:300] if request is not None else ""),
    )


def audit_view(request, obj: models.Model) -> AuditEntry:
    """Record that the signed-in user looked at a safeguarding record."""
    return audit_record(verb=AuditEntry.Verb.VIEW, obj=obj, request=request)


def _trust_of(obj, school_id, actor):
    """The trust an entry belongs to, so one trust's log never shows another's."""
    from accounts.models import Membership, School, Trust

    if isinstance(obj, Trust):
        return obj.pk
    if isinstance(obj, School):
        return obj.trust_id
    if school_id is not None:
        return School.objects.filter(pk=school_id).values_list("trust_id", flat=True).first()
    person = obj if obj is not None and obj._meta.label_lower == "accounts.user" else actor
    if person is not None:
        return Membership.objects.filter(user=person).values_list("trust_id", flat=True).first()
    return None
