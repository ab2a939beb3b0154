"""Recording, changing and withdrawing consent: access, history, current state, follow-ups."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.utils import InternalError
from django.utils import timezone

from accounts.roles import Role
from consent.models import (
    ConsentAnswer,
    ConsentState,
    Decision,
    Method,
    Purpose,
    Restriction,
    WithdrawalFollowUp,
)
from consent.selectors import consent_check, current_academic_year
from consent.services import consent_erase, consent_record, consent_withdraw
from consent.signals import consent_withdrawn
from core.calendar import academic_year_for
from core.models import AppendOnlyError, AuditEntry, Notification
from tests.consent.helpers import NO, YES, answer, answer_all, child_of, yes

pytestmark = pytest.mark.django_db
SOCIAL = Purpose.SCHOOL_SOCIAL_MEDIA


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2026, 8, 31), "2025/26"),
        (date(2026, 9, 1), "2026/27"),
        (date(2027, 1, 15), "2026/27"),
        (date(2099, 12, 31), "2099/00"),
    ],
)
def test_academic_year_runs_september_to_august(day, year):
    assert academic_year_for(day) == year


def test_a_parent_with_responsibility_answers_and_the_answer_is_current_at_once(personas):
    parent, pupil = personas.a[Role.PARENT], personas.a.child
    assert consent_check(pupils=[pupil], purpose=SOCIAL)[pupil.pk].allowed is False

    answer(parent, pupil, {SOCIAL: yes(Restriction.FIRST_NAME_ONLY), Purpose.PRESS_AND_MEDIA: NO})

    verdicts = consent_check(pupils=[pupil], purpose=SOCIAL)
    assert verdicts[pupil.pk].allowed is True
    assert verdicts[pupil.pk].restrictions == [Restriction.FIRST_NAME_ONLY]
    assert consent_check(pupils=[pupil], purpose=Purpose.PRESS_AND_MEDIA)[pupil.pk].allowed is False
    # A purpose never answered is no consent.
    assert consent_check(pupils=[pupil], purpose=Purpose.SCHOOL_WEBSITE)[pupil.pk].allowed is False
    state = ConsentState.objects.get(pupil=pupil, purpose=SOCIAL)
    assert (state.parent, state.method) == (parent, Method.PARENT_ONLINE)
    assert AuditEntry.objects.filter(object_type="consent.consentanswer", actor=parent).count() == 2


def test_history_is_kept_and_never_overwritten(personas):
    parent, pupil = personas.a[Role.PARENT], personas.a.child
    answer(parent, pupil, {SOCIAL: YES})
    answer(parent, pupil, {SOCIAL: yes(Restriction.GROUP_SHOTS_ONLY)})
    answer(parent, pupil, {SOCIAL: NO})

    history = list(ConsentAnswer.objects.filter(pupil=pupil, purpose=SOCIAL).order_by("recorded_at"))
    assert [(a.decision, a.restrictions) for a in history] == [
        (Decision.GIVEN, []),
        (Decision.GIVEN, [Restriction.GROUP_SHOTS_ONLY]),
        (Decision.WITHDRAWN, []),
    ]
    state = ConsentState.objects.get(pupil=pupil, purpose=SOCIAL)
    assert state.answer == history[-1]
    assert ConsentState.objects.filter(pupil=pupil).count() == 1


def test_the_same_answer_again_records_nothing(personas):
    parent, pupil = personas.a[Role.PARENT], personas.a.child
    assert len(answer_all(parent, pupil)) == len(Purpose)
    assert answer_all(parent, pupil) == []
    assert ConsentAnswer.objects.filter(pupil=pupil).count() == len(Purpose)


def test_answers_cannot_be_changed_or_deleted(personas):
    parent, pupil = personas.a[Role.PARENT], personas.a.child
    (first,) = answer(parent, pupil, {SOCIAL: YES})
    with pytest.raises(AppendOnlyError):
        first.save()
    with pytest.raises(AppendOnlyError):
        first.delete()
    with pytest.raises(AppendOnlyError):
        ConsentAnswer.objects.filter(pk=first.pk).update(decision=Decision.REFUSED)
    with pytest.raises(AppendOnlyError):
        ConsentAnswer.objects.filter(pk=first.pk).delete()


def test_the_database_refuses_to_change_an_answer(personas):
    parent, pupil = personas.a[Role.PARENT], personas.a.child
    (first,) = answer(parent, pupil, {SOCIAL: YES})
    for sql in (
        "UPDATE consent_consentanswer SET decision = 'refused' WHERE id = %s",
        "DELETE FROM consent_consentanswer WHERE id = %s",
    ):
        with (
            pytest.raises(InternalError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [first.pk])
    assert ConsentAnswer.objects.get(pk=first.pk).decision == Decision.GIVEN


def test_a_parent_cannot_answer_for_another_familys_child(personas):
    with pytest.raises(PermissionDenied):
        answer(personas.a[Role.PARENT], personas.b.child, {SOCIAL: YES})
    with pytest.raises(PermissionDenied):
        answer(personas.b[Role.PARENT], personas.a.child, {SOCIAL: YES})
    assert not ConsentAnswer.objects.exists()


def test_a_parent_without_parental_responsibility_cannot_answer(personas):
    carer = personas.a[Role.PARENT]
    step_child = child_of(carer, personas.a.school, responsibility=False)
    with pytest.raises(PermissionDenied):
        answer(carer, step_child, {SOCIAL: YES})


def test_staff_enter_a_paper_form_naming_the_parent(personas):
    officer, parent, pupil = personas.a[Role.MARKETING_OFFICER], personas.a[Role.PARENT], personas.a.child
    year = current_academic_year()
    with pytest.raises(ValidationError):
        consent_record(
            by=officer, pupil=pupil, academic_year=year, answers={SOCIAL: YES}, method=Method.PAPER_FORM
        )
    with pytest.raises(ValidationError):
        # Someone without parental responsibility for this pupil cannot be named.
        consent_record(
            by=officer,
            pupil=pupil,
            academic_year=year,
            answers={SOCIAL: YES},
            method=Method.PAPER_FORM,
            parent=personas.b[Role.PARENT],
        )
    (recorded,) = consent_record(
        by=officer,
        pupil=pupil,
        academic_year=year,
        answers={SOCIAL: YES},
        method=Method.PAPER_FORM,
        parent=parent,
        paper_form_dated=timezone.localdate() - timedelta(days=2),
    )
    assert (recorded.parent, recorded.entered_by, recorded.method) == (parent, officer, Method.PAPER_FORM)
    assert Notification.objects.filter(user=parent, subject__icontains="paper form").count() == 1
    # Nobody's name reaches an email subject.
    assert pupil.first_name not in Notification.objects.get(user=parent).subject


@pytest.mark.parametrize("role", [Role.STAFF, Role.DSL, Role.HEADTEACHER])
def test_only_the_marketing_officer_of_the_school_enters_paper_forms(personas, role):
    year = current_academic_year()
    for user, pupil in (
        (personas.a[role], personas.a.child),
        (personas.b[Role.MARKETING_OFFICER], personas.a.child),
    ):
        with pytest.raises(PermissionDenied):
            consent_record(
                by=user,
                pupil=pupil,
                academic_year=year,
                answers={SOCIAL: YES},
                method=Method.PAPER_FORM,
                parent=personas.a[Role.PARENT],
            )


def test_restrictions_are_checked(personas):
    parent, pupil = personas.a[Role.PARENT], personas.a.child
    with pytest.raises(ValidationError):
        answer(parent, pupil, {SOCIAL: yes(Restriction.FIRST_NAME_ONLY, Restriction.NO_NAME)})
    with pytest.raises(ValidationError):
        answer(parent, pupil, {SOCIAL: yes("tattoos_hidden")})
    with pytest.raises(ValidationError):
        answer(parent, pupil, {SOCIAL: YES}, academic_year="2019/20")


def test_withdrawing_records_a_follow_up_and_announces_it_after_commit(
    personas, django_capture_on_commit_callbacks
):
    parent, pupil = personas.a[Role.PARENT], personas.a.child
    answer_all(parent, pupil)
    heard = []

    def receiver(sender, **kwargs):
        heard.append(kwargs)

    consent_withdrawn.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            withdrawn = consent_withdraw(
                by=parent,
                pupil=pupil,
                academic_year=current_academic_year(),
                purposes=[SOCIAL, Purpose.SCHOOL_WEBSITE],
            )
    finally:
        consent_withdrawn.disconnect(receiver)

    assert {a.purpose for a in withdrawn} == {SOCIAL, Purpose.SCHOOL_WEBSITE}
    assert {(h["pupil"], h["purpose"], h["withdrawn_by"]) for h in heard} == {
        (pupil, SOCIAL, parent),
        (pupil, Purpose.SCHOOL_WEBSITE, parent),
    }
    assert all(h["academic_year"] == current_academic_year() for h in heard)
    follow_ups = WithdrawalFollowUp.objects.filter(pupil=pupil)
    assert {f.purpose for f in follow_ups} == {SOCIAL, Purpose.SCHOOL_WEBSITE}
    assert all(f.kind == WithdrawalFollowUp.Kind.WITHDRAWN and f.resolved_at is None for f in follow_ups)
    # The school's marketing officer is told, without the pupil's name in the subject.
    told = Notification.objects.get(user=personas.a[Role.MARKETING_OFFICER])
    assert pupil.full_name not in told.subject and pupil.full_name in told.body
    assert not Notification.objects.filter(user=personas.b[Role.MARKETING_OFFICER]).exists()
    assert consent_check(pupils=[pupil], purpose=SOCIAL)[pupil.pk].allowed is False
    assert consent_check(pupils=[pupil], purpose=Purpose.INTERNAL_DISPLAYS)[pupil.pk].allowed is True


def test_saying_no_to_a_given_consent_is_a_withdrawal(personas):
    parent, pupil = personas.a[Role.PARENT], personas.a.child
    answer(parent, pupil, {SOCIAL: YES, Purpose.PRESS_AND_MEDIA: NO})
    answer(parent, pupil, {SOCIAL: NO, Purpose.PRESS_AND_MEDIA: NO})
    assert ConsentState.objects.get(pupil=pupil, purpose=SOCIAL).decision == Decision.WITHDRAWN
    assert WithdrawalFollowUp.objects.filter(pupil=pupil).count() == 1


def test_adding_a_restriction_to_a_given_consent_needs_a_follow_up(personas):
    parent, pupil = personas.a[Role.PARENT], personas.a.child
    answer(parent, pupil, {SOCIAL: YES})
    answer(parent, pupil, {SOCIAL: yes(Restriction.NO_NAME)})
    follow_up = WithdrawalFollowUp.objects.get(pupil=pupil)
    assert follow_up.kind == WithdrawalFollowUp.Kind.RESTRICTED
    assert follow_up.restrictions_added == [Restriction.NO_NAME]
    # Taking a restriction away widens consent: nothing to follow up.
    answer(parent, pupil, {SOCIAL: YES})
    assert WithdrawalFollowUp.objects.filter(pupil=pupil).count() == 1


def test_withdrawing_with_nothing_given_is_refused(personas):
    parent, pupil = personas.a[Role.PARENT], personas.a.child
    answer(parent, pupil, {SOCIAL: NO})
    with pytest.raises(ValidationError):
        consent_withdraw(by=parent, pupil=pupil, academic_year=current_academic_year())
    with pytest.raises(PermissionDenied):
        consent_withdraw(by=personas.b[Role.PARENT], pupil=pupil, academic_year=current_academic_year())


def test_a_failing_receiver_does_not_undo_the_withdrawal(personas, django_capture_on_commit_callbacks):
    parent, pupil = personas.a[Role.PARENT], personas.a.child
    answer(parent, pupil, {SOCIAL: YES})

    def broken(sender, **kwargs):
        raise RuntimeError("publisher is down")

    consent_withdrawn.connect(broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            consent_withdraw(by=parent, pupil=pupil, academic_year=current_academic_year())
    finally:
        consent_withdrawn.disconnect(broken)
    assert ConsentState.objects.get(pupil=pupil, purpose=SOCIAL).decision == Decision.WITHDRAWN
    assert WithdrawalFollowUp.objects.filter(pupil=pupil).exists()


def test_the_data_protection_officer_erases_a_pupils_consent_history(personas):
    parent, pupil = personas.a[Role.PARENT], personas.a.child
    answer_all(parent, pupil)
    consent_withdraw(by=parent, pupil=pupil, academic_year=current_academic_year())
    with pytest.raises(PermissionDenied):
        consent_erase(by=personas.a[Role.MARKETING_OFFICER], pupil=pupil)

    erased = consent_erase(by=personas[Role.DATA_PROTECTION_OFFICER], pupil=pupil)

    assert erased == 2 * len(Purpose)
    assert not ConsentAnswer.objects.filter(pupil=pupil).exists()
    assert not ConsentState.objects.filter(pupil=pupil).exists()
    assert AuditEntry.objects.filter(object_type="consent.consenthistory", object_id=str(pupil.pk)).exists()
    # The erasure was this transaction's alone: the next delete is refused again.
    answer(parent, pupil, {SOCIAL: YES})
    with pytest.raises(InternalError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM consent_consentanswer WHERE pupil_id = %s", [pupil.pk])
