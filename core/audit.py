"""The audit trail: every change to a governed record and every view of a safeguarding record.

The apps above say what is theirs to know: ``register(model)`` puts each save and delete of a
model on the log, and ``set_trust_resolver`` names the function that files an entry under its
trust (people, schools and trusts belong to the accounts app)."""

from __future__ import annotations

import contextvars
import ipaddress
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save

from core.models import AuditEntry

_request: contextvars.ContextVar = contextvars.ContextVar("portal_audit_request", default=None)

# (obj, school_id, actor) -> the trust id an entry belongs to, so one trust's log never shows
# another's. Set once at start-up by the app that knows trusts.
TrustResolver = Callable[[Any, Any, Any], Any]
_trust_resolver: TrustResolver | None = None

# Fields never copied into the log: noise that changes on every sign-in.
SKIPPED_FIELDS = {"last_login"}
# Secrets: the log says that one changed, never its value (not even a hash).
SECRET_FIELDS = {"password"}
HIDDEN = "(hidden)"


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


def set_trust_resolver(resolver: TrustResolver) -> None:
    """Name the function that finds the trust of an entry (called once, from AppConfig.ready())."""
    global _trust_resolver
    _trust_resolver = resolver


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
        trust_id=_trust_resolver(obj, school_id, actor) if _trust_resolver is not None else None,
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


# --- every change to a registered model, whichever code made it (services, admin, shell) ------

_school_of: dict[type, Callable[[Any], Any]] = {}


def register(model: type, *, school_of: Callable[[Any], Any] | None = None) -> None:
    """Put a model's every change on the audit log; ``school_of(instance)`` files an entry under
    its school when the model has no ``school_id`` of its own."""
    if school_of is not None:
        _school_of[model] = school_of
    pre_save.connect(_remember_old, sender=model, dispatch_uid=f"audit-pre-{model._meta.label}")
    post_save.connect(_saved, sender=model, dispatch_uid=f"audit-save-{model._meta.label}")
    post_delete.connect(_deleted, sender=model, dispatch_uid=f"audit-del-{model._meta.label}")


def _values(instance) -> dict:
    out = {}
    for field in instance._meta.concrete_fields:
        if field.name in SKIPPED_FIELDS:
            continue
        value = field.value_from_object(instance)
        out[field.name] = None if value is None else str(value)
    return out


def _public(values: dict) -> dict:
    return {name: value for name, value in values.items() if name not in SECRET_FIELDS}


def _remember_old(sender, instance, raw=False, **kwargs):
    if raw or instance._state.adding:
        instance._audit_old = None
        return
    old = sender._default_manager.filter(pk=instance.pk).first()
    instance._audit_old = _values(old) if old is not None else None


def _saved(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw:
        return
    new = _values(instance)
    old = getattr(instance, "_audit_old", None)
    if created or old is None:
        changes = {name: [None, value] for name, value in _public(new).items()}
        verb = AuditEntry.Verb.CREATE
    else:
        changed = {name for name, value in new.items() if old.get(name) != value}
        if update_fields is not None:
            # Only what was written counts; other unsaved edits on the instance did not happen.
            changed &= {instance._meta.get_field(name).name for name in update_fields}
        changes = {name: [old.get(name), new[name]] for name in changed - SECRET_FIELDS}
        changes.update({name: [HIDDEN, "changed"] for name in changed & SECRET_FIELDS})
        verb = AuditEntry.Verb.UPDATE
        if not changes:
            return
    audit_record(verb=verb, obj=instance, changes=changes, school_id=_school_id(sender, instance))


def _deleted(sender, instance, **kwargs):
    # What was removed stays readable in the log after the row is gone.
    changes = {name: [value, None] for name, value in _public(_values(instance)).items()}
    audit_record(
        verb=AuditEntry.Verb.DELETE, obj=instance, changes=changes, school_id=_school_id(sender, instance)
    )


def _school_id(model, instance):
    school_of = _school_of.get(model)
    return school_of(instance) if school_of is not None else getattr(instance, "school_id", None)
