"""The demo trust's sample photo consent (consent.demo, run by ``manage.py seed_demo``)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from accounts.management.commands.seed_demo import SCHOOLS
from accounts.models import Pupil, School, User
from consent import selectors
from consent.demo import EVENT_NAME
from consent.models import (
    Collection,
    ConsentAnswer,
    ConsentState,
    Decision,
    Event,
    Method,
    Purpose,
    WithdrawalFollowUp,
)
from core.models import AuditEntry, Notification

pytestmark = pytest.mark.django_db


def seed() -> None:
    # As make run seeds it: the demo refuses a database whose settings have DEBUG off.
    with override_settings(DEBUG=True):
        call_command("seed_demo", "--json", stdout=StringIO())


def counts() -> dict[str, int]:
    models = [Collection, ConsentAnswer, ConsentState, WithdrawalFollowUp, Event, Notification, AuditEntry]
    found = {model.__name__: model.objects.count() for model in models}
    found["event pupils"] = Event.pupils.through.objects.count()
    return found


def test_every_school_has_an_open_collection_with_answers_and_parents_still_to_answer():
    seed()
    year = selectors.current_academic_year()
    today = timezone.localdate()
    first = counts()
    for spec in SCHOOLS:
        school = School.objects.get(urn=spec.urn)
        collection = Collection.objects.get(school=school, academic_year=year)
        assert collection.is_open_on(today)
        assert collection.opened_by.email == f"marketing-officer@{spec.domain}"
        [progress] = selectors.collection_progress(collection=collection, schools=[school])
        # About three in four answered: the response rate page has both kinds of family.
        assert 0.6 <= progress["answered"] / progress["total"] <= 0.9
        assert selectors.collection_parents(collection=collection, outstanding_only=True).exists()
        answers = ConsentAnswer.objects.filter(school=school, academic_year=year)
        assert answers.filter(method=Method.PARENT_ONLINE).exists()
        assert answers.filter(method=Method.PAPER_FORM, entered_by=collection.opened_by).exists()
        # Some refuse social media or the press, some give consent with restrictions.
        assert answers.filter(decision=Decision.REFUSED, purpose=Purpose.SCHOOL_SOCIAL_MEDIA).exists()
        assert answers.filter(decision=Decision.REFUSED, purpose=Purpose.PRESS_AND_MEDIA).exists()
        assert answers.filter(decision=Decision.GIVEN).exclude(restrictions=[]).exists()
        withdrawn = WithdrawalFollowUp.objects.get(school=school)
        assert withdrawn.answer.decision == Decision.WITHDRAWN
        assert withdrawn.answer.entered_by == withdrawn.answer.parent

    seed()
    assert first["ConsentAnswer"] > 0
    assert counts() == first


def test_demo_parents_see_an_answer_and_a_refusal_and_the_festival_briefing_lists_real_pupils():
    seed()
    year = selectors.current_academic_year()
    parents_of_two = 0
    for spec in SCHOOLS:
        parent = User.objects.get(email=f"parent@{spec.domain}")
        children = selectors.children_with_answers(parent=parent, academic_year=year)
        decisions = [{state.decision for state in states.values()} for _, states in children]
        assert any(len(states) == len(Purpose.values) for _, states in children)
        if len(children) >= 2:
            parents_of_two += 1
            assert any(Decision.REFUSED in found for found in decisions)
    # The refusal is checked for someone: the demo's parent with children in two schools.
    assert parents_of_two

    event = Event.objects.get(name=EVENT_NAME)
    schools = list(event.schools.order_by("urn"))
    assert [school.urn for school in schools] == [SCHOOLS[0].urn, SCHOOLS[2].urn]
    attendees = selectors.event_attendees(event=event)
    year_six = Pupil.objects.filter(school__in=schools, year_group=6)
    assert {pupil.pk for pupil, _ in attendees} == set(year_six.values_list("pk", flat=True))
    assert {pupil.school_id for pupil, _ in attendees} == {school.pk for school in schools}
    statuses = {verdict.status for _, verdict in attendees}
    # The briefing shows pupils who may appear and pupils who may not.
    assert {"allowed", "not_allowed"} <= statuses
