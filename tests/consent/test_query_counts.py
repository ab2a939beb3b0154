"""Consent's lists make the same number of queries however much they show."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from consent.models import Purpose
from consent.selectors import current_academic_year
from consent.services import collection_open, consent_withdraw, event_add_pupils, event_create
from tests.consent.helpers import YES, answer, answer_all, child_of
from tests.factories import UserFactory
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db


def test_the_parents_page(personas, client_for):
    parent = personas.a[Role.PARENT]
    answer_all(parent, personas.a.child)

    def more_children():
        for school in (personas.a.school, personas.b.school):
            answer(parent, child_of(parent, school), {Purpose.SCHOOL_WEBSITE: YES})

    assert_constant_queries(client_for(parent), reverse("consent:parent"), more_children)


def test_the_withdrawals_to_follow_up(personas, client_for):
    def withdrawals():
        for _ in range(3):
            parent = UserFactory()
            pupil = child_of(parent, personas.a.school)
            answer_all(parent, pupil)
            consent_withdraw(
                by=parent,
                pupil=pupil,
                academic_year=current_academic_year(),
                purposes=[Purpose.PRESS_AND_MEDIA],
            )

    withdrawals()
    assert_constant_queries(
        client_for(personas.a[Role.MARKETING_OFFICER]), reverse("consent:follow_ups"), withdrawals
    )


def test_the_events_list_and_an_event(personas, client_for):
    director = personas[Role.DIRECTOR_OF_MARKETING]
    event = event_create(
        by=director,
        name="Swimming gala",
        date=timezone.localdate(),
        schools=[personas.a.school, personas.b.school],
        purposes=[Purpose.SCHOOL_SOCIAL_MEDIA],
    )

    def grow():
        event_create(
            by=director,
            name="Choir",
            date=timezone.localdate(),
            schools=[personas.b.school],
            purposes=[Purpose.SCHOOL_WEBSITE],
        )
        pupils = [child_of(UserFactory(), school) for school in (personas.a.school, personas.b.school)]
        event_add_pupils(by=director, event=event, pupils=pupils)
        answer_all(pupils[0].parent_links.get().parent, pupils[0])

    client = client_for(director)
    assert_constant_queries(client, reverse("consent:events"), grow)
    assert_constant_queries(client, reverse("consent:event_detail", args=[event.pk]), grow)


def test_a_collections_outstanding_list(personas, client_for):
    collection = collection_open(
        by=personas[Role.TRUST_ADMINISTRATOR],
        trust=personas.trust,
        academic_year=current_academic_year(),
        closes_on=timezone.localdate() + timedelta(days=14),
    )

    def grow():
        for school in (personas.a.school, personas.b.school):
            child_of(UserFactory(), school)
            parent = UserFactory()
            answer_all(parent, child_of(parent, school))

    assert_constant_queries(
        client_for(personas[Role.TRUST_ADMINISTRATOR]),
        reverse("consent:collection_detail", args=[collection.pk]),
        grow,
    )
