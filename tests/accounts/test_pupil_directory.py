"""The pupil directory: staff of a school see their own pupils, searchable, in a fixed number of queries."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from core.models import AuditEntry
from tests.factories import PupilFactory
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db


def test_staff_see_their_schools_pupils_only(personas, client_for):
    response = client_for(personas.a[Role.STAFF]).get(reverse("accounts:pupil_list"))
    assert response.status_code == 200
    names = {p.full_name for p in response.context["page"]}
    assert personas.a.child.full_name in names
    assert personas.b.child.full_name not in names


def test_search_by_name_and_year_group(personas, client_for):
    school = personas.a.school
    PupilFactory(school=school, first_name="Amara", last_name="Okafor", year_group=3)
    PupilFactory(school=school, first_name="Amara", last_name="Jones", year_group=4)
    client = client_for(personas.a[Role.STAFF])
    found = client.get(reverse("accounts:pupil_list"), {"q": "amara okafor"}).context["page"]
    assert [p.last_name for p in found] == ["Okafor"]
    found = client.get(reverse("accounts:pupil_list"), {"q": "amara", "year_group": "4"}).context["page"]
    assert [p.last_name for p in found] == ["Jones"]


def test_a_bad_year_group_is_an_error_not_a_crash(personas, client_for):
    response = client_for(personas.a[Role.STAFF]).get(reverse("accounts:pupil_list"), {"year_group": "99"})
    assert response.status_code == 200
    assert "year_group" in response.context["form"].errors


def test_viewing_a_pupil_is_audited(personas, client_for):
    user = personas.a[Role.DSL]
    pupil = personas.a.child
    response = client_for(user).get(reverse("accounts:pupil_detail", args=[pupil.pk]))
    assert response.status_code == 200
    entry = AuditEntry.objects.filter(verb=AuditEntry.Verb.VIEW, object_id=str(pupil.pk)).get()
    assert entry.actor == user and entry.school_id == pupil.school_id


def test_the_directory_query_count_does_not_grow(personas, client_for):
    client = client_for(personas.a[Role.STAFF])
    for _ in range(5):
        PupilFactory(school=personas.a.school)
    # session, user, memberships (two-factor check), guardian grants, page count, page rows,
    # unread notifications: 7, whatever the number of pupils.
    assert_constant_queries(
        client,
        reverse("accounts:pupil_list"),
        grow=lambda: PupilFactory.create_batch(60, school=personas.a.school),
        expected=7,
    )
