"""The audit service: every change to a governed record and every view of a safeguarding record."""

from __future__ import annotations

import contextvars
import ipaddress
from typing import Any

from django.conf import settings
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
    """The client's address: REMOTE_ADDR, or the one our own proxies put in X-Forwarded-For."""
    count = getattr(settings, "PORTAL_PROXY_COUNT", 0)
    if count:
        # Each trusted proxy appends the address it saw; anything further left came from the
        # client and may be forged, so only the count-th address from the right is believed.
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= count and _is_ip(forwarded[-count]):
            return forwarded[-count]
    address = request.META.get("REMOTE_ADDR")
    return address if address and _is_ip(address) else None


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


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
    from accounts.models import Membership, School, Trust, User

    if isinstance(obj, Trust):
        return obj.pk
    if isinstance(obj, School):
        return obj.trust_id
    # A trust-wide membership names its trust and has no school.
    if getattr(obj, "trust_id", None) is not None:
        return obj.trust_id
    if school_id is not None:
        return School.objects.filter(pk=school_id).values_list("trust_id", flat=True).first()
    # A person belongs to the trust of their roles; one with none yet (just created, or being
    # deleted) to the trust of whoever made the change.
    people = [p for p in (obj if isinstance(obj, User) else None, actor) if p is not None and p.pk]
    for person in people:
        trust_id = Membership.objects.filter(user=person).values_list("trust_id", flat=True).first()
        if trust_id is not None:
            return trust_id
    return None
