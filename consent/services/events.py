"""Events with pupils of one or more schools, for the pre-event briefing (001 §14)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts import access
from accounts.models import Pupil, School, User
from accounts.roles import Action
from consent.models import Event, Purpose
from core.audit import audit_record
from core.models import AuditEntry


def _require_check_in(user: User, schools: Iterable[School]) -> None:
    """Refuse unless the user checks consent in every one of these schools."""
    allowed = access.schools_for(user, Action.CHECK_CONSENT)
    if any(school.pk not in allowed for school in schools):
        raise PermissionDenied("You may only brief for schools where you check consent.")


@transaction.atomic
def event_create(
    *,
    by: User,
    name: str,
    date: date,
    schools: list[School],
    purposes: list[str],
    location: str = "",
) -> Event:
    """Record an event with pupils of one or more schools, for its pre-event briefing (001 §14)."""
    if not schools:
        raise ValidationError({"schools": "Choose at least one school."})
    _require_check_in(by, schools)
    if len({school.trust_id for school in schools}) != 1:
        raise ValidationError({"schools": "Choose schools of one trust."})
    if not purposes or set(purposes) - set(Purpose.values):
        raise ValidationError({"purposes": "Choose at least one use of the photos and video."})
    event = Event(
        trust_id=schools[0].trust_id,
        name=name.strip(),
        date=date,
        location=location.strip(),
        purposes=[p for p in Purpose.values if p in set(purposes)],
        created_by=by,
    )
    event.full_clean()
    event.save()
    event.schools.set(schools)
    audit_record(
        verb=AuditEntry.Verb.CREATE,
        obj=event,
        actor=by,
        changes={"schools": [None, [s.name for s in schools]], "purposes": [None, event.purposes]},
    )
    return event


def _event_schools(event: Event) -> list[School]:
    """The schools of an event."""
    return list(event.schools.all())


@transaction.atomic
def event_add_pupils(*, by: User, event: Event, pupils: Iterable[Pupil]) -> int:
    """Add pupils attending an event; each must be on roll at one of the event's schools."""
    schools = _event_schools(event)
    _require_check_in(by, schools)
    school_ids = {school.pk for school in schools}
    pupils = list(pupils)
    if any(p.school_id not in school_ids for p in pupils):
        raise ValidationError("A pupil attending must be at one of the event's schools.")
    existing = set(event.pupils.values_list("pk", flat=True))
    new = [p for p in pupils if p.pk not in existing]
    event.pupils.add(*new)
    if new:
        audit_record(
            verb=AuditEntry.Verb.UPDATE, obj=event, actor=by, changes={"pupils added": [None, len(new)]}
        )
    return len(new)


@transaction.atomic
def event_remove_pupil(*, by: User, event: Event, pupil: Pupil) -> None:
    """Take a pupil off an event's list (not attending after all)."""
    _require_check_in(by, _event_schools(event))
    event.pupils.remove(pupil)
    audit_record(
        verb=AuditEntry.Verb.UPDATE, obj=event, actor=by, changes={"pupil removed": [str(pupil.pk), None]}
    )
