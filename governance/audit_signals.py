"""Audit every change to a governed record, whichever code made it (services, admin, shell)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from accounts.models import Membership, ParentLink, Pupil, School, Trust, User
from governance.audit import audit_record
from governance.models import AuditEntry

# Fields never copied into the log (secrets, or noise that changes on every sign-in).
SKIPPED_FIELDS = {"password", "last_login"}
GOVERNED_MODELS: list[type] = [Trust, School, User, Membership, Pupil, ParentLink]


def register(model: type) -> None:
    """Put a model's every change on the audit log."""
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
        changes = {name: [None, value] for name, value in new.items()}
        verb = AuditEntry.Verb.CREATE
    else:
        changes = {name: [old.get(name), value] for name, value in new.items() if old.get(name) != value}
        verb = AuditEntry.Verb.UPDATE
        if not changes:
            return
    audit_record(verb=verb, obj=instance, changes=changes, school_id=_school_of(instance))


def _deleted(sender, instance, **kwargs):
    audit_record(verb=AuditEntry.Verb.DELETE, obj=instance, changes={}, school_id=_school_of(instance))


def _school_of(instance):
    if isinstance(instance, School):
        return instance.pk
    if isinstance(instance, ParentLink):
        return instance.pupil.school_id
    return getattr(instance, "school_id", None)


for _model in GOVERNED_MODELS:
    register(_model)


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit_record(verb=AuditEntry.Verb.LOGIN, obj=user, actor=user, request=request)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(verb=AuditEntry.Verb.LOGOUT, obj=user, actor=user, request=request)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    # The typed username is kept (it may be a mistyped address); never the password.
    audit_record(
        verb=AuditEntry.Verb.LOGIN_FAILED,
        object_type="accounts.user",
        object_repr=str(credentials.get("username", ""))[:200],
        request=request,
    )
