"""Erasure of a pupil's own record: when its retention period has ended (the pupil long off roll),
or as the last step of erasing a pupil's data on request (governance.erasure calls this through the
retention registry after every other type has erased what it holds about the pupil).

The pupil's row stays, anonymised, because other records keep pointing at it (an incident that
happened, a consent register's count): every name, identifier and the day and month of birth go,
the year of birth stays so that figures by age still add up. A pupil's login is anonymised and
closed, the parents' links go, and what the audit log copied of all of these is removed. Saves go
through ``update()`` on purpose: a save would put the old values on the audit log again."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.models import ParentLink, Pupil, User
from core.erasure import ERASED, erase_audit_actor, erase_audit_entries
from core.models import Notification


@transaction.atomic
def pupil_record_erase(object_id: str) -> dict[str, int]:
    """Anonymise a pupil's record, their login and their parents' links; returns rows per model."""
    pupil = Pupil.objects.select_for_update().get(pk=object_id)
    links = list(ParentLink.objects.filter(pupil=pupil).values_list("pk", flat=True))
    counts = {
        "accounts.pupil": Pupil.objects.filter(pk=pupil.pk).update(
            first_name="Erased",
            last_name="pupil",
            date_of_birth=date(pupil.date_of_birth.year, 1, 1),
            class_name="",
            mis_id=f"erased-{pupil.pk.hex[:12]}",
            is_active=False,
        ),
        "accounts.parentlink": ParentLink.objects.filter(pk__in=links).delete()[0],
    }
    audit = erase_audit_entries(object_type="accounts.pupil", object_ids=[pupil.pk])
    audit += erase_audit_entries(object_type="accounts.parentlink", object_ids=links)
    if pupil.user_id:
        counts.update(_user_erase(pupil.user_id))
        audit += erase_audit_entries(object_type="accounts.user", object_ids=[pupil.user_id])
        audit += erase_audit_actor(user_id=pupil.user_id)
    counts["core.auditentry"] = audit
    return counts


def _user_erase(user_id) -> dict[str, int]:
    return {
        "accounts.user": User.objects.filter(pk=user_id).update(
            email=f"erased-{user_id.hex}@erased.invalid",
            full_name=ERASED,
            is_active=False,
            password=make_password(None),
        ),
        "core.notification": Notification.objects.filter(user_id=user_id).delete()[0],
    }
