"""The parent's pages: their own children only, answers effective at once."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from accounts.roles import Role
from consent.models import ConsentAnswer, ConsentState, Decision, Purpose, Restriction
from consent.selectors import consent_check
from tests.consent.helpers import YES, answer, answer_all, child_of

pytestmark = pytest.mark.django_db
SOCIAL = Purpose.SCHOOL_SOCIAL_MEDIA


def form_data(default="yes", **overrides) -> dict:
    """A full answer for every purpose; overrides map purpose → "yes"/"no" or a list of restrictions."""
    data = {p: default for p in Purpose.values}
    for purpose, value in overrides.items():
        if isinstance(value, list):
            data[purpose] = "yes"
            data[f"{purpose}__restrictions"] = value
        else:
            data[purpose] = value
    return data


def test_a_parent_sees_each_of_their_children_and_no_one_else(personas, client_for):
    parent = personas.a[Role.PARENT]
    second = child_of(parent, personas.b.school, first_name="Zara")
    answer(parent, personas.a.child, {SOCIAL: YES})

    page = client_for(parent).get(reverse("consent:parent"))

    assert page.status_code == 200
    html = page.content.decode()
    assert escape(personas.a.child.full_name) in html and escape(second.full_name) in html
    assert escape(personas.b.child.full_name) not in html
    assert {c.pk for c, _ in page.context["children"]} == {personas.a.child.pk, second.pk}


def test_someone_with_no_children_is_told_so(personas, client_for):
    page = client_for(personas.a[Role.STAFF]).get(reverse("consent:parent"))
    assert page.status_code == 200
    assert "No children are linked" in page.content.decode()


def test_a_parent_answers_for_a_child_and_it_applies_at_once(personas, client_for):
    parent, pupil = personas.a[Role.PARENT], personas.a.child
    client = client_for(parent)
    url = reverse("consent:parent_child", args=[pupil.pk])
    assert client.get(url).status_code == 200

    response = client.post(
        url, form_data(**{SOCIAL: [Restriction.FIRST_NAME_ONLY], Purpose.PRESS_AND_MEDIA: "no"})
    )

    assert response.status_code == 302 and response["Location"] == reverse("consent:parent")
    verdict = consent_check(pupils=[pupil], purpose=SOCIAL)[pupil.pk]
    assert verdict.allowed and verdict.restrictions == [Restriction.FIRST_NAME_ONLY]
    assert not consent_check(pupils=[pupil], purpose=Purpose.PRESS_AND_MEDIA)[pupil.pk].allowed
    page = client.get(reverse("consent:parent")).content.decode()
    assert "First name only" in page


def test_every_purpose_needs_an_answer_and_the_form_keeps_what_was_typed(personas, client_for):
    parent, pupil = personas.a[Role.PARENT], personas.a.child
    data = form_data(**{SOCIAL: [Restriction.FIRST_NAME_ONLY, Restriction.NO_NAME]})
    del data[Purpose.SCHOOL_WEBSITE]
    response = client_for(parent).post(reverse("consent:parent_child", args=[pupil.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Choose yes or no for school website" in html
    assert "not both" in html
    assert not ConsentAnswer.objects.exists()


def test_a_parent_cannot_see_or_change_another_familys_child(personas, client_for):
    intruder = personas.b[Role.PARENT]
    url = reverse("consent:parent_child", args=[personas.a.child.pk])
    client = client_for(intruder)
    assert client.get(url).status_code == 404
    assert client.post(url, form_data()).status_code == 404
    assert client.post(reverse("consent:parent_withdraw", args=[personas.a.child.pk])).status_code == 404
    # Staff of the child's own school are not its parents either.
    assert client_for(personas.a[Role.MARKETING_OFFICER]).get(url).status_code == 404
    assert not ConsentAnswer.objects.exists()


def test_a_parent_without_parental_responsibility_cannot_open_the_form(personas, client_for):
    parent = personas.a[Role.PARENT]
    step_child = child_of(parent, personas.a.school, responsibility=False)
    assert client_for(parent).get(reverse("consent:parent_child", args=[step_child.pk])).status_code == 404


def test_withdraw_all_takes_back_every_consent(personas, client_for):
    parent, pupil = personas.a[Role.PARENT], personas.a.child
    answer_all(parent, pupil)
    client = client_for(parent)
    url = reverse("consent:parent_withdraw", args=[pupil.pk])
    assert client.get(url).status_code == 405

    response = client.post(url)

    assert response.status_code == 302
    assert set(ConsentState.objects.filter(pupil=pupil).values_list("decision", flat=True)) == {
        Decision.WITHDRAWN
    }


def test_changing_yes_to_no_through_the_form_withdraws(personas, client_for):
    parent, pupil = personas.a[Role.PARENT], personas.a.child
    answer_all(parent, pupil)
    client_for(parent).post(reverse("consent:parent_child", args=[pupil.pk]), form_data(**{SOCIAL: "no"}))
    assert ConsentState.objects.get(pupil=pupil, purpose=SOCIAL).decision == Decision.WITHDRAWN
    assert not consent_check(pupils=[pupil], purpose=SOCIAL)[pupil.pk].allowed
