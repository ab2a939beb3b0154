"""Recording, changing, withdrawing and erasing consent answers, and following up withdrawals."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.models import Pupil, User
from accounts.roles import Action
from consent.models import (
    ConsentAnswer,
    ConsentState,
    Decision,
    Method,
    Purpose,
    WithdrawalFollowUp,
    ordered_restrictions,
    validate_academic_year,
    validate_restrictions,
)
from consent.signals import consent_withdrawn
from core.audit import audit_record
from core.calendar import academic_year_for, next_academic_year
from core.models import AuditEntry
from core.notifications import notify

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
    # The related rows are the ones just authorised, and the check constraints are the database's
    # own: validating them here again cost several queries per purpose on every answer.
    answer.full_clean(exclude=["pupil", "school", "parent", "entered_by"], validate_constraints=False)
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


def check_year(academic_year: str) -> None:
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
    check_year(academic_year)
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
    # The database refuses to delete answers unless the transaction says it is erasing; the flag
    # is lowered straight after, so nothing else in an enclosing transaction benefits. PostgreSQL
    # reads a transaction-local setting; SQLite, which has none, a row of a marker table that
    # its delete trigger looks for (consent migration 0003).
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("SELECT set_config('portal.consent_erasure', 'on', true)")
        elif vendor == "sqlite":
            cursor.execute("INSERT INTO consent_erasure_in_progress DEFAULT VALUES")
    # The answers' own queryset refuses deletion; an erasure is the one deliberate exception. (If
    # it fails, the rollback takes the flag with it.)
    models.QuerySet.delete(answers)
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("SELECT set_config('portal.consent_erasure', 'off', true)")
        elif vendor == "sqlite":
            cursor.execute("DELETE FROM consent_erasure_in_progress")
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
