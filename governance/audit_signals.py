"""Audit every change to a governed record, whichever code made it (services, admin, shell)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from accounts.models import Membership, ParentLink, Pupil, School, Trust, User
from governance.audit import audit_record
from governance.models import AuditEntry

# Fields never copied into the log: noise that changes on every sign-in.
SKIPPED_FIELDS = {"last_login"}
# Secrets: the log says that one changed, never its value (not even a hash).
SECRET_FIELDS = {"password"}
HIDDEN = "(hidden)"
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
    audit_record(verb=verb, obj=instance, changes=changes, school_id=_school_of(instance))


def _deleted(sender, instance, **kwargs):
    # What was removed stays readable in the log after the row is gone.
    changes = {name: [value, None] for name, value in _public(_values(instance)).items()}
    audit_record(verb=AuditEntry.Verb.DELETE, obj=instance, changes=changes, school_id=_school_of(instance))


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
    # An attempt on a real account is filed under it, so that trust's log shows who is being
    # guessed at. Otherwise what was typed is kept only when it looks like an address: people
    # type their password into the wrong box, and the log is append-only.
    typed = str(credentials.get("username", "") or "").strip()
    account = User.objects.filter(email__iexact=typed).first() if typed else None
    if account is not None:
        audit_record(verb=AuditEntry.Verb.LOGIN_FAILED, obj=account, actor=None, request=request)
    else:
        audit_record(
            verb=AuditEntry.Verb.LOGIN_FAILED,
            object_type="accounts.user",
            object_repr=typed[:200] if _looks_like_address(typed) else "(not an email address)",
            request=request,
        )


def _looks_like_address(typed: str) -> bool:
    """An email address shape: one @ with something either side and no spaces."""
    local, at, domain = typed.partition("@")
    return bool(at and local and "." in domain and "@" not in domain and not any(c.isspace() for c in typed))
