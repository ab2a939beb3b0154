"""The access layer: the role table, guardian grants kept in step, scoping and subject exclusion."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from accounts import access
from accounts.models import Membership, Pupil
from accounts.roles import ROLE_ACTIONS, Action, Role
from tests.factories import SchoolFactory, person

pytestmark = pytest.mark.django_db


def test_every_role_is_in_the_table():
    assert set(ROLE_ACTIONS) == set(Role)


def test_school_role_grants_only_its_school(personas):
    dsl = personas.a[Role.DSL]
    assert access.schools_for(dsl, Action.TRIAGE_INCIDENTS) == {personas.a.school.pk}
    assert access.schools_for(personas.a[Role.STAFF], Action.TRIAGE_INCIDENTS) == frozenset()


def test_guardian_holds_the_same_grants(personas):
    dsl = personas.a[Role.DSL]
    schools = get_objects_for_user(dsl, "accounts.triage_incidents", accept_global_perms=False)
    assert list(schools) == [personas.a.school]


def test_trust_wide_role_expands_to_every_school_including_new_ones(personas):
    lead = personas[Role.TRUST_SAFEGUARDING_LEAD]
    assert access.schools_for(lead, Action.TRIAGE_INCIDENTS) == {personas.a.school.pk, personas.b.school.pk}
    new_school = SchoolFactory(trust=personas.trust)
    access.forget(lead)
    assert new_school.pk in access.schools_for(lead, Action.TRIAGE_INCIDENTS)


def test_other_trusts_school_is_never_granted(personas):
    other = SchoolFactory()
    lead = personas[Role.TRUST_SAFEGUARDING_LEAD]
    assert other.pk not in access.schools_for(lead, Action.TRIAGE_INCIDENTS)


def test_removing_a_membership_removes_the_grant(personas):
    dsl = personas.a[Role.DSL]
    Membership.objects.filter(user=dsl).delete()
    access.forget(dsl)
    assert access.schools_for(dsl, Action.TRIAGE_INCIDENTS) == frozenset()


def test_scope_and_get_object_for(personas):
    staff_a = personas.a[Role.STAFF]
    visible = set(Pupil.objects.visible_to(staff_a))
    assert personas.a.child in visible and personas.b.child not in visible
    assert access.get_object_for(staff_a, Pupil, Action.VIEW_PUPIL_DIRECTORY, pk=personas.a.child.pk)
    with pytest.raises(Http404):
        access.get_object_for(staff_a, Pupil, Action.VIEW_PUPIL_DIRECTORY, pk=personas.b.child.pk)
    with pytest.raises(PermissionDenied):
        access.get_object_for(
            staff_a, Pupil, Action.VIEW_PUPIL_DIRECTORY, act=Action.TRIAGE_INCIDENTS, pk=personas.a.child.pk
        )


def test_subject_exclusion_hides_a_record_from_its_subject(personas, monkeypatch):
    dsl = personas.a[Role.DSL]
    pupil = personas.a.child
    # A record naming the DSL as its subject: a Pupil stands in for any school-owned record.
    monkeypatch.setattr(Pupil, "is_subject", lambda self, user: user.pk == dsl.pk, raising=False)
    from django.db.models import Q

    monkeypatch.setattr(
        Pupil,
        "subject_exclusion_q",
        classmethod(lambda cls, user: Q(pk=pupil.pk) if user.pk == dsl.pk else Q(pk__in=[])),
        raising=False,
    )
    assert not access.can(dsl, Action.VIEW_PUPIL_DIRECTORY, pupil)
    assert pupil not in set(Pupil.objects.visible_to(dsl))
    assert access.can(personas.a[Role.STAFF], Action.VIEW_PUPIL_DIRECTORY, pupil)


def test_two_factor_roles(personas):
    assert access.requires_two_factor(personas.a[Role.DSL])
    assert access.requires_two_factor(personas[Role.TRUSTEE])
    assert not access.requires_two_factor(personas.a[Role.STAFF])
    assert not access.requires_two_factor(personas.a[Role.PARENT])


def test_parent_sees_only_own_children(personas):
    parent = personas.a[Role.PARENT]
    assert list(access.children_of(parent)) == [personas.a.child]


def test_a_person_with_two_roles_in_two_schools(personas):
    user = person(Role.STAFF, school=personas.b.school)
    Membership.objects.create(user=user, role=Role.DSL, school=personas.a.school, trust=personas.trust)
    access.forget(user)
    assert access.schools_for(user, Action.TRIAGE_INCIDENTS) == {personas.a.school.pk}
    assert access.schools_for(user, Action.REPORT_CONCERN) == {personas.a.school.pk, personas.b.school.pk}
