"""Writes of consent: the only code that records answers, opens collections, keeps events and
follow-ups, and erases a pupil's consent history on request.

Every service checks access itself, so a task, a command or the admin cannot go round the rules.
Notification subjects never carry a pupil's name.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.models import Pupil, School, Trust, User
from accounts.roles import Action
from consent.models import (
    Collection,
    CollectionReminder,
    ConsentAnswer,
    ConsentState,
    Decision,
    Event,
    Method,
    Purpose,
    WithdrawalFollowUp,
    academic_year_for,
    next_academic_year,
    ordered_restrictions,
    validate_academic_year,
    validate_restrictions,
)
from consent.signals import consent_withdrawn
from governance.audit import audit_record
from governance.models import AuditEntry
from governance.notifications import notify

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    """What a parent said about one purpose: yes (with any restrictions) or no."""

    decision: str
    restrictions: tuple[str, ...] = field(default_factory=tuple)


def holds_parental_responsibility(user: User, pupil: Pupil) -> bool:
    """Is the user linked to the pupil with parental responsibility (and so able to consent)?"""
    return access.children_of(user).filter(pk=pupil.pk).exists()


def _authorise_answer(*, by: User, pupil: Pupil, parent: User | None, method: str) -> User:
    """The parent whose answer this is, once the person recording it is allowed to."""
    if method == Method.PARENT_ONLINE:
        if parent is not None and parent.pk != by.pk:
            raise PermissionDenied("A parent answers only for themselves.")
        if not holds_parental_responsibility(by, pupil):
            raise PermissionDenied("Only a parent or carer with parental responsibility may answer.")
        return by
    if method == Method.PAPER_FORM:
        if not access.can(by, Action.MANAGE_CONSENT_REGISTER, pupil):
            raise PermissionDenied("Only the school's marketing officer enters paper consent forms.")
        if parent is None:
            raise ValidationError({"parent": "Choose the parent or carer who signed the paper form."})
        if not holds_parental_responsibility(parent, pupil):
            raise ValidationError(
                {"parent": f"{parent} does not hold parental responsibility for {pupil.first_name}."}
            )
        return parent
    raise ValidationError("Choose how the answer was given.")


def _lock_pupil(pupil: Pupil) -> None:
    # Two parents (or a parent and the office) answering at once queue here, so each answer is
    # compared with the one really before it.
    """Lock the pupil's row for the rest of the transaction."""
    Pupil.objects.select_for_update().filter(pk=pupil.pk).values_list("pk", flat=True).first()


@dataclass
class _Outcome:
    answers: list[ConsentAnswer] = field(default_factory=list)
    withdrawn: list[ConsentAnswer] = field(default_factory=list)
    restricted: list[ConsentAnswer] = field(default_factory=list)


def _write(
    *,
    outcome: _Outcome,
    by: User,
    parent: User,
    pupil: Pupil,
    academic_year: str,
    purpose: str,
    decision: str,
    restrictions: list[str],
    method: str,
    paper_form_dated: date | None,
    note: str,
    now,
    current: ConsentState | None,
) -> None:
    """Append one answer, move the current state to it, and open a follow-up if consent shrank."""
    was_given = current is not None and current.decision == Decision.GIVEN
    old_decision = current.decision if current is not None else None
    old_restrictions = list(current.restrictions) if current is not None else None
    if decision == Decision.REFUSED and was_given:
        # Saying no to something said yes to before takes consent back: published material must
        # be checked, so it is recorded (and announced) as a withdrawal.
        decision = Decision.WITHDRAWN
    if current is not None and current.decision == decision and current.restrictions == restrictions:
        return
    if current is not None and decision == Decision.REFUSED and current.decision == Decision.WITHDRAWN:
        return
    answer = ConsentAnswer(
        pupil=pupil,
        school_id=pupil.school_id,
        academic_year=academic_year,
        purpose=purpose,
        decision=decision,
        restrictions=restrictions,
        parent=parent,
        method=method,
        entered_by=by,
        paper_form_dated=paper_form_dated if method == Method.PAPER_FORM else None,
        note=note[:300],
        recorded_at=now,
    )
    answer.full_clean()
    answer.save()
    values = {
        "school_id": pupil.school_id,
        "decision": decision,
        "restrictions": restrictions,
        "answer": answer,
        "parent": parent,
        "method": method,
        "answered_at": now,
    }
    if current is None:
        ConsentState.objects.create(pupil=pupil, academic_year=academic_year, purpose=purpose, **values)
    else:
        for name, value in values.items():
            setattr(current, name, value)
        current.save(update_fields=[name.removesuffix("_id") for name in values])
    audit_record(
        verb=AuditEntry.Verb.CREATE,
        obj=answer,
        actor=by,
        changes={
            "decision": [old_decision, decision],
            "restrictions": [old_restrictions, restrictions],
            "method": [None, method],
            "parent": [None, str(parent.pk)],
        },
    )
    outcome.answers.append(answer)
    if was_given and decision != Decision.GIVEN:
        WithdrawalFollowUp.objects.create(
            answer=answer,
            pupil=pupil,
            school_id=pupil.school_id,
            academic_year=academic_year,
            purpose=purpose,
            kind=WithdrawalFollowUp.Kind.WITHDRAWN,
        )
        outcome.withdrawn.append(answer)
    elif was_given and decision == Decision.GIVEN:
        added = [value for value in restrictions if value not in old_restrictions]
        if added:
            WithdrawalFollowUp.objects.create(
                answer=answer,
                pupil=pupil,
                school_id=pupil.school_id,
                academic_year=academic_year,
                purpose=purpose,
                kind=WithdrawalFollowUp.Kind.RESTRICTED,
                restrictions_added=added,
            )
            outcome.restricted.append(answer)


def _after_changes(*, outcome: _Outcome, by: User, pupil: Pupil, method: str, parent: User) -> None:
    """Announce withdrawals, tell the marketing officers, and tell a parent what staff entered."""
    for answer in outcome.withdrawn:
        transaction.on_commit(lambda answer=answer: _announce_withdrawal(answer, by))
    shrunk = outcome.withdrawn + outcome.restricted
    if shrunk:
        lines = [
            f"{answer.get_purpose_display()} ({answer.academic_year}): "
            + (
                "consent withdrawn"
                if answer.decision != Decision.GIVEN
                else "restrictions added: " + ", ".join(answer.get_restrictions_display()).lower()
            )
            for answer in shrunk
        ]
        body = (
            f"A parent or carer of {pupil.full_name} ({pupil.school}) has taken back photo consent:\n"
            + "\n".join(f"- {line}" for line in lines)
            + "\n\nCheck published material showing this pupil for these uses, and take it down or "
            "edit it. Mark the follow-up done in the portal when you have."
        )
        for officer in access.users_with(Action.MANAGE_CONSENT_REGISTER, pupil.school_id):
            notify(
                user=officer,
                subject="Photo consent withdrawn: check published material",
                body=body,
                link=reverse("consent:follow_ups"),
            )
    if method == Method.PAPER_FORM and outcome.answers:
        lines = [
            f"- {a.get_purpose_display()}: {a.get_decision_display().lower()}"
            + (f" ({', '.join(a.get_restrictions_display()).lower()})" if a.restrictions else "")
            for a in outcome.answers
        ]
        notify(
            user=parent,
            subject="Your photo consent answers were recorded from a paper form",
            body=(
                f"{pupil.school} has entered the answers from your paper consent form for "
                f"{pupil.first_name}:\n" + "\n".join(lines) + "\n\nYou can check or change them at any time."
            ),
            link=reverse("consent:parent_child", args=[pupil.pk]),
        )


def _announce_withdrawal(answer: ConsentAnswer, by: User) -> None:
    """Send consent_withdrawn for one withdrawal; a failing receiver is logged, never raised."""
    results = consent_withdrawn.send_robust(
        sender=ConsentAnswer,
        pupil=answer.pupil,
        purpose=answer.purpose,
        academic_year=answer.academic_year,
        withdrawn_by=by,
        answer=answer,
    )
    for receiver, result in results:
        if isinstance(result, Exception):
            log.error("A consent_withdrawn receiver failed (%s): %r", receiver, result)


def _current_states(pupil: Pupil, academic_year: str) -> dict[str, ConsentState]:
    """The pupil's current answers for a year, by purpose."""
    return {
        state.purpose: state
        for state in ConsentState.objects.filter(pupil=pupil, academic_year=academic_year)
    }


def _check_year(academic_year: str) -> None:
    """Answers are given for this academic year or the next only."""
    validate_academic_year(academic_year)
    this_year = academic_year_for(timezone.localdate())
    if academic_year not in {this_year, next_academic_year(this_year)}:
        raise ValidationError(
            f"Answers can be given for {this_year} or {next_academic_year(this_year)} only."
        )


@transaction.atomic
def consent_record(
    *,
    by: User,
    pupil: Pupil,
    academic_year: str,
    answers: Mapping[str, Answer],
    parent: User | None = None,
    method: str = Method.PARENT_ONLINE,
    paper_form_dated: date | None = None,
    note: str = "",
) -> list[ConsentAnswer]:
    """Record a parent's answers for one child, effective at once; returns the answers that changed."""
    parent = _authorise_answer(by=by, pupil=pupil, parent=parent, method=method)
    _check_year(academic_year)
    if paper_form_dated and paper_form_dated > timezone.localdate():
        raise ValidationError(
            {"paper_form_dated": "The date on the paper form must be today or in the past."}
        )
    for purpose, answer in answers.items():
        if purpose not in Purpose.values:
            raise ValidationError(f"Unknown purpose: {purpose}.")
        if answer.decision not in (Decision.GIVEN, Decision.REFUSED):
            raise ValidationError("Answer yes or no.")
        if answer.decision == Decision.GIVEN:
            validate_restrictions(list(answer.restrictions))
    _lock_pupil(pupil)
    current = _current_states(pupil, academic_year)
    outcome = _Outcome()
    now = timezone.now()
    for purpose in Purpose.values:
        if purpose not in answers:
            continue
        answer = answers[purpose]
        restrictions = ordered_restrictions(answer.restrictions) if answer.decision == Decision.GIVEN else []
        _write(
            outcome=outcome,
            by=by,
            parent=parent,
            pupil=pupil,
            academic_year=academic_year,
            purpose=purpose,
            decision=answer.decision,
            restrictions=restrictions,
            method=method,
            paper_form_dated=paper_form_dated,
            note=note,
            now=now,
            current=current.get(purpose),
        )
    _after_changes(outcome=outcome, by=by, pupil=pupil, method=method, parent=parent)
    return outcome.answers


@transaction.atomic
def consent_withdraw(
    *,
    by: User,
    pupil: Pupil,
    academic_year: str,
    purposes: Iterable[str] | None = None,
    parent: User | None = None,
    method: str = Method.PARENT_ONLINE,
    note: str = "",
) -> list[ConsentAnswer]:
    """Withdraw given consent for these purposes (all when None), effective at once."""
    parent = _authorise_answer(by=by, pupil=pupil, parent=parent, method=method)
    validate_academic_year(academic_year)
    wanted = set(Purpose.values if purposes is None else purposes)
    if wanted - set(Purpose.values):
        raise ValidationError("Unknown purpose.")
    _lock_pupil(pupil)
    current = _current_states(pupil, academic_year)
    outcome = _Outcome()
    now = timezone.now()
    for purpose in Purpose.values:
        state = current.get(purpose)
        if purpose not in wanted or state is None or state.decision != Decision.GIVEN:
            continue
        _write(
            outcome=outcome,
            by=by,
            parent=parent,
            pupil=pupil,
            academic_year=academic_year,
            purpose=purpose,
            decision=Decision.WITHDRAWN,
            restrictions=[],
            method=method,
            paper_form_dated=None,
            note=note,
            now=now,
            current=state,
        )
    if not outcome.answers:
        raise ValidationError(f"There is no consent to withdraw for {pupil.first_name} in {academic_year}.")
    _after_changes(outcome=outcome, by=by, pupil=pupil, method=method, parent=parent)
    return outcome.answers


@transaction.atomic
def consent_erase(*, by: User, pupil: Pupil) -> int:
    """Erase a pupil's whole consent history on a valid request (SPEC §5); returns answers erased."""
    if not access.can(by, Action.MANAGE_RETENTION, pupil):
        raise PermissionDenied
    answers = ConsentAnswer.objects.filter(pupil=pupil)
    count = answers.count()
    WithdrawalFollowUp.objects.filter(pupil=pupil).delete()
    ConsentState.objects.filter(pupil=pupil).delete()
    postgres = connection.vendor == "postgresql"
    if postgres:
        # The database refuses to delete answers unless the transaction says it is erasing; the
        # flag is lowered straight after, so nothing else in an enclosing transaction benefits.
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('portal.consent_erasure', 'on', true)")
    # The answers' own queryset refuses deletion; an erasure is the one deliberate exception. (If
    # it fails, the rollback takes the flag with it.)
    models.QuerySet.delete(answers)
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('portal.consent_erasure', 'off', true)")
    audit_record(
        verb=AuditEntry.Verb.DELETE,
        obj=pupil,
        actor=by,
        object_type="consent.consenthistory",
        changes={"consent answers erased": [count, 0]},
    )
    return count


# --- follow-ups --------------------------------------------------------------------------------


@transaction.atomic
def follow_up_resolve(*, by: User, follow_up: WithdrawalFollowUp, resolution: str) -> WithdrawalFollowUp:
    """Mark a withdrawal follow-up done: published material was checked and dealt with."""
    if not access.can(by, Action.MANAGE_CONSENT_REGISTER, follow_up):
        raise PermissionDenied
    follow_up = WithdrawalFollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if follow_up.resolved_at is not None:
        raise ValidationError("This follow-up is already done.")
    resolution = resolution.strip()
    if not resolution:
        raise ValidationError({"resolution": "Say what you checked and what you took down or changed."})
    follow_up.resolved_at = timezone.now()
    follow_up.resolved_by = by
    follow_up.resolution = resolution
    follow_up.save(update_fields=["resolved_at", "resolved_by", "resolution"])
    audit_record(
        verb=AuditEntry.Verb.UPDATE,
        obj=follow_up,
        actor=by,
        changes={"resolved": [None, follow_up.resolved_at.isoformat()], "resolution": [None, resolution]},
    )
    return follow_up


# --- the annual collection -----------------------------------------------------------------------


@transaction.atomic
def collection_open(
    *,
    by: User,
    academic_year: str,
    closes_on: date,
    school: School | None = None,
    trust: Trust | None = None,
    message: str = "",
) -> Collection:
    """Open the annual consent collection for a school or the whole trust; parents are told at once."""
    if (school is None) == (trust is None):
        raise ValidationError("Open a collection for one school or for the whole trust.")
    if school is not None:
        if not access.can(by, Action.RUN_CONSENT_COLLECTION, school):
            raise PermissionDenied
        trust_id = school.trust_id
    else:
        trust_schools = set(School.objects.filter(trust=trust).values_list("pk", flat=True))
        if not trust_schools or not trust_schools <= access.schools_for(by, Action.RUN_CONSENT_COLLECTION):
            raise PermissionDenied(
                "Only someone who runs the collection in every school opens it trust-wide."
            )
        trust_id = trust.pk
    _check_year(academic_year)
    today = timezone.localdate()
    if closes_on < today:
        raise ValidationError({"closes_on": "The closing date must be today or in the future."})
    overlapping = Collection.objects.filter(academic_year=academic_year, trust_id=trust_id)
    if school is not None:
        overlapping = overlapping.filter(Q(school=school) | Q(school__isnull=True))
    if overlapping.exists():
        clash = overlapping.select_related("school").first()
        where = "the whole trust" if clash.school is None else clash.school.name
        raise ValidationError(f"A consent collection for {academic_year} is already open for {where}.")
    collection = Collection(
        trust_id=trust_id,
        school=school,
        academic_year=academic_year,
        opened_by=by,
        opened_at=timezone.now(),
        closes_on=closes_on,
        message=message.strip(),
    )
    collection.full_clean()
    collection.save()
    audit_record(
        verb=AuditEntry.Verb.CREATE,
        obj=collection,
        actor=by,
        school_id=school.pk if school else None,
        changes={"academic_year": [None, academic_year], "closes_on": [None, closes_on.isoformat()]},
    )
    transaction.on_commit(lambda: _enqueue_collection_messages(collection.pk))
    return collection


def _enqueue_collection_messages(collection_id) -> None:
    """Queue a collection's invitations; the daily job sends them if the queue is down."""
    from consent.tasks import send_collection_messages

    try:
        send_collection_messages.apply_async(args=[str(collection_id)], retry=False)
    except Exception as exc:  # noqa: BLE001 - the daily job sends whatever is still unsent
        log.warning(
            "Queue unavailable; collection %s invitations left for the daily job: %s", collection_id, exc
        )


MESSAGE_BATCH = 500


def reminder_number_due(collection: Collection, today: date) -> int:
    """0 (the invitation) in the collection's first week, then 1, 2… one more each week."""
    return max(0, (today - timezone.localtime(collection.opened_at).date()).days // 7)


def collection_send_messages(*, collection: Collection, today: date | None = None) -> int:
    """Send a collection's invitation, or this week's reminder, to each parent still due one.

    Idempotent: each message is a CollectionReminder row, unique per (collection, parent, number),
    written in the same transaction as its notification; returns how many were sent now.
    """
    from consent import selectors

    today = today or timezone.localdate()
    if today > collection.closes_on:
        return 0
    number = reminder_number_due(collection, today)
    if number == 0:
        parents = selectors.collection_parents(collection=collection)
    else:
        parents = selectors.collection_parents(collection=collection, outstanding_only=True)
    already = CollectionReminder.objects.filter(collection=collection, number=number).values("parent_id")
    parent_ids = list(parents.exclude(pk__in=already).values_list("pk", flat=True))
    sent = 0
    for start in range(0, len(parent_ids), MESSAGE_BATCH):
        sent += _send_batch(collection, number, parent_ids[start : start + MESSAGE_BATCH])
    return sent


def _send_batch(collection: Collection, number: int, parent_ids: list) -> int:
    """Send one batch of a collection's messages, each parent once per message number."""
    with transaction.atomic():
        # Concurrent runs queue on the collection row, so each sees what the other sent.
        Collection.objects.select_for_update().filter(pk=collection.pk).values_list("pk", flat=True).first()
        done = set(
            CollectionReminder.objects.filter(
                collection=collection, number=number, parent_id__in=parent_ids
            ).values_list("parent_id", flat=True)
        )
        todo = [pk for pk in parent_ids if pk not in done]
        if not todo:
            return 0
        try:
            CollectionReminder.objects.bulk_create(
                [CollectionReminder(collection=collection, parent_id=pk, number=number) for pk in todo]
            )
        except IntegrityError:
            log.warning("Collection %s reminder %s: a concurrent run got there first", collection.pk, number)
            return 0
        subject, body = _collection_message(collection, number)
        link = reverse("consent:parent") + f"?year={collection.academic_year}"
        for user in User.objects.filter(pk__in=todo, is_active=True):
            notify(user=user, subject=subject, body=body, link=link)
        return len(todo)


def _collection_message(collection: Collection, number: int) -> tuple[str, str]:
    """The subject and body of a collection's invitation or reminder (no pupil named)."""
    where = collection.school.name if collection.school_id else "Your child's school"
    closes = f"{collection.closes_on:%-d %B %Y}"
    ask = (
        f"{where} asks every parent and carer with parental responsibility whether photos and videos "
        f"of their children may be used, and how, for the {collection.academic_year} school year. "
        f"Please answer for each of your children by {closes}. Until you answer, the school will not "
        "use photos or videos of your child."
    )
    if collection.message:
        ask += f"\n\n{collection.message}"
    ask += (
        "\n\nIf you have not signed in to the portal before, choose “Forgotten your password?” on the "
        "sign-in page with this email address to set a password."
    )
    if number == 0:
        return f"Photo and video consent for {collection.academic_year}: please give your answers", ask
    return (
        f"Reminder: photo and video consent for {collection.academic_year} is waiting for your answers",
        ask,
    )


# --- events ------------------------------------------------------------------------------------


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
