"""The questions the access layer answers for the other apps, so that none of them reads a role:
the trusts an action covers, the staff of some schools or of a trust, the parents of a school,
who has the duty of an action, and what the home page is headed with."""

import pytest
from django.http import Http404

from accounts import access
from accounts.models import Membership, User
from accounts.roles import Action, Role
from governance.models import TrusteeReport
from tests.factories import SchoolFactory, TrustFactory, person

pytestmark = pytest.mark.django_db

SCHOOL_STAFF = (
    Role.STAFF,
    Role.DSL,
    Role.DEPUTY_DSL,
    Role.HEADTEACHER,
    Role.MARKETING_OFFICER,
    Role.ICT_TECHNICIAN,
)
TRUST_STAFF = (
    Role.TRUST_SAFEGUARDING_LEAD,
    Role.DIRECTOR_OF_MARKETING,
    Role.CEO,
    Role.DATA_PROTECTION_OFFICER,
    Role.TRUST_ADMINISTRATOR,
)


def test_trusts_for_are_the_trusts_of_the_schools_the_action_covers(personas):
    other = SchoolFactory()
    headteacher = personas.a[Role.HEADTEACHER]
    assert list(access.trusts_for(headteacher, Action.MANAGE_POLICIES)) == [personas.trust]
    assert list(access.trusts_for(personas[Role.TRUSTEE], Action.VIEW_TRUSTEE_REPORTS)) == [personas.trust]
    assert not access.trusts_for(personas.a[Role.STAFF], Action.MANAGE_POLICIES).exists()
    assert other.trust not in access.trusts_for(personas[Role.CEO], Action.VIEW_TRUSTEE_REPORTS)


def test_a_trust_record_is_fetched_only_by_those_the_action_covers_in_its_trust(personas):
    ours = TrusteeReport.objects.create(trust=personas.trust, term="Autumn")
    theirs = TrusteeReport.objects.create(trust=TrustFactory(), term="Autumn")
    trustee = personas[Role.TRUSTEE]
    assert (
        access.get_trust_record_for(trustee, TrusteeReport, Action.VIEW_TRUSTEE_REPORTS, pk=ours.pk) == ours
    )
    for user, report in ((trustee, theirs), (personas.a[Role.STAFF], ours)):
        with pytest.raises(Http404):
            access.get_trust_record_for(user, TrusteeReport, Action.VIEW_TRUSTEE_REPORTS, pk=report.pk)


def test_schools_for_any_is_the_union_of_the_actions(personas):
    dsl, head = personas.a[Role.DSL], personas.b[Role.HEADTEACHER]
    assert access.schools_for_any(dsl, Action.VIEW_DASHBOARD, Action.VIEW_AGGREGATES) == {
        personas.a.school.pk
    }
    assert access.schools_for_any(head, Action.VIEW_AGGREGATES, Action.MANAGE_POLICIES) == {
        personas.b.school.pk
    }
    assert access.schools_for_any(personas.a[Role.STAFF], Action.VIEW_DASHBOARD) == frozenset()


def test_staff_of_schools_are_their_workforce_not_pupils_parents_or_the_trust(personas):
    staff = set(access.staff_of([personas.a.school.pk]))
    assert staff == {personas.a[role] for role in SCHOOL_STAFF}
    both = set(access.staff_of([personas.a.school.pk, personas.b.school.pk]))
    assert both == staff | {personas.b[role] for role in SCHOOL_STAFF}
    assert access.staff_count_by_school([personas.a.school.pk, personas.b.school.pk]) == {
        personas.a.school.pk: len(SCHOOL_STAFF),
        personas.b.school.pk: len(SCHOOL_STAFF),
    }


def test_someone_who_has_left_is_not_staff(personas):
    leaver = personas.a[Role.STAFF]
    User.objects.filter(pk=leaver.pk).update(is_active=False)
    assert leaver not in access.staff_of([personas.a.school.pk])
    assert access.staff_count_by_school([personas.a.school.pk]) == {
        personas.a.school.pk: len(SCHOOL_STAFF) - 1
    }


def test_a_person_with_two_roles_in_a_school_counts_once(personas):
    dsl = personas.a[Role.DSL]
    Membership.objects.create(user=dsl, role=Role.HEADTEACHER, school=personas.a.school, trust=personas.trust)
    assert access.staff_count_by_school([personas.a.school.pk]) == {personas.a.school.pk: len(SCHOOL_STAFF)}
    assert list(access.staff_of([personas.a.school.pk])).count(dsl) == 1


def test_staff_of_a_trust_add_its_own_staff_but_not_trustees(personas):
    staff = set(access.staff_of_trust(personas.trust.pk))
    expected = {people[role] for people in (personas.a, personas.b) for role in SCHOOL_STAFF}
    assert staff == expected | {personas[role] for role in TRUST_STAFF}
    assert personas[Role.TRUSTEE] not in staff and personas[Role.CHAIR_OF_TRUSTEES] not in staff
    other_trust_school = SchoolFactory()
    outsider = person(Role.STAFF, school=other_trust_school)
    assert outsider not in access.staff_of_trust(personas.trust.pk)


def test_staff_q_matches_the_same_people_as_staff_of(personas):
    schools = [personas.a.school.pk]
    matched = User.objects.filter(access.staff_q(school_ids=schools, prefix="memberships__")).distinct()
    assert set(matched) == set(access.staff_of(schools))
    with_trust = User.objects.filter(
        access.staff_q(school_ids=schools, trust_ids=[personas.trust.pk], prefix="memberships__")
    ).distinct()
    assert set(with_trust) == set(access.staff_of(schools)) | {personas[role] for role in TRUST_STAFF}
    assert not User.objects.filter(access.staff_q(prefix="memberships__")).exists()


def test_staff_memberships_of_a_person(personas):
    assert [m.role for m in access.staff_memberships_of(personas.a[Role.DSL])] == [Role.DSL]
    assert [m.role for m in access.staff_memberships_of(personas[Role.CEO])] == [Role.CEO]
    for role in (Role.PUPIL, Role.PARENT):
        assert access.staff_memberships_of(personas.a[role]) == []
    assert access.staff_memberships_of(personas[Role.TRUSTEE]) == []


def test_parents_of_a_school(personas):
    assert list(access.parents_of(personas.a.school.pk)) == [personas.a[Role.PARENT]]


def test_officers_for_subject_access_are_the_data_protection_officers_then_the_chief_executive(personas):
    tiers = access.officers_for(Action.EXPORT_SUBJECT_ACCESS, personas.a.school.pk)
    assert [list(people) for people in tiers] == [
        [personas[Role.DATA_PROTECTION_OFFICER]],
        [personas[Role.CEO]],
    ]


def test_the_home_page_is_for_the_first_role_in_home_order(personas):
    dsl = personas.a[Role.DSL]
    Membership.objects.create(user=dsl, role=Role.DSL, school=personas.b.school, trust=personas.trust)
    Membership.objects.create(user=dsl, role=Role.STAFF, school=personas.b.school, trust=personas.trust)
    access.forget(dsl)
    held = access.memberships_for_home(dsl)
    assert {m.school for m in held} == {personas.a.school, personas.b.school}
    assert {m.role for m in held} == {Role.DSL}
    assert access.memberships_for_home(User(is_active=False)) == []
