"""The demo data set (seed_demo) and the trust-sized data set (seed_scale)."""

from __future__ import annotations

import base64
import json
import random
from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from guardian.models import UserObjectPermission

from accounts import access, demo
from accounts.management.commands import seed_demo
from accounts.models import Membership, ParentLink, Pupil, School, Trust, User
from accounts.roles import ROLE_ACTIONS, SCHOOL_ROLES, SCHOOL_WORKFORCE, TRUST_ROLES, TWO_FACTOR_ROLES, Role
from tests.factories import UserFactory, membership

pytestmark = pytest.mark.django_db


def run(command: str, *args: str) -> str:
    """Run a seed as a developer does, with DEBUG on (as make run does); test_demo_guard covers DEBUG off."""
    out = StringIO()
    with override_settings(DEBUG=True):
        call_command(command, *args, stdout=out)
    return out.getvalue()


def demo_logins() -> list[dict]:
    return json.loads(run("seed_demo", "--json"))


def table_counts() -> dict[str, int]:
    models = [m for m in apps.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy]
    return {m._meta.label: m._base_manager.count() for m in models}


def school_grants(user) -> set[tuple[str, str]]:
    rows = UserObjectPermission.objects.filter(
        user=user, content_type=ContentType.objects.get_for_model(School)
    ).values_list("permission__codename", "object_pk")
    return set(rows)


# --- seed_demo ---------------------------------------------------------------------------------


def test_demo_trust_has_a_school_of_each_phase_and_someone_in_every_role():
    output = run("seed_demo")

    trust = Trust.objects.get(name="Northfield Learning Trust")
    schools = list(trust.schools.all())
    assert sorted(s.phase for s in schools) == ["all_through", "primary", "secondary"]
    for school in schools:
        assert len(school.urn) == 6 and school.urn.isdigit()
        assert school.address
        held = set(Membership.objects.filter(school=school).values_list("role", flat=True))
        assert held == set(SCHOOL_ROLES), school.name
        assert Membership.objects.filter(school=school, role=Role.STAFF).count() >= 2
    trust_wide = set(Membership.objects.filter(trust=trust, school=None).values_list("role", flat=True))
    assert trust_wide == set(TRUST_ROLES)
    assert demo.DEMO_PASSWORD in output
    assert "dsl@oakfield-primary.demo.example" in output


def test_demo_password_passes_the_password_validators():
    validate_password(demo.DEMO_PASSWORD)


def test_demo_pupils_fit_their_schools_year_groups_and_dates_of_birth():
    run("seed_demo")

    schools = list(School.objects.filter(trust__name="Northfield Learning Trust"))
    assert schools  # the demo trust's name, or the checks below would look at no school
    for school in schools:
        # On roll: the one former pupil of each school is there to be erased (governance.demo).
        pupils = list(school.pupils.filter(is_active=True))
        assert 35 <= len(pupils) <= 50, school.name
        assert {p.year_group for p in pupils} == set(demo.year_groups_for(school.phase))
        for pupil in pupils:
            # Born 1 September to 31 August, the right number of years before the September the demo
            # is set in (a fixed year, so the demo's ages do not move with the day it is seeded).
            first = date(demo.ACADEMIC_YEAR_START - 5 - pupil.year_group, 9, 1)
            assert first <= pupil.date_of_birth <= date(first.year + 1, 8, 31), pupil
            assert pupil.class_name and pupil.mis_id
        assert len({p.mis_id for p in pupils}) == len(pupils)


def test_json_lists_a_login_for_every_role_with_the_password_and_two_factor_secrets():
    logins = demo_logins()

    assert {item["role"] for item in logins} == set(Role)
    for item in logins:
        user = User.objects.get(email=item["email"])
        assert user.check_password(item["password"])
        assert Membership.objects.filter(user=user, role=item["role"]).exists()
        if item["role"] in TRUST_ROLES:
            assert item["school"] is None
        else:
            assert Membership.objects.filter(
                user=user, role=item["role"], school__name=item["school"]
            ).exists()
        assert ("totp_secret" in item) == (item["role"] in TWO_FACTOR_ROLES), item


def test_a_two_factor_secret_gives_codes_the_device_accepts():
    logins = [item for item in demo_logins() if "totp_secret" in item]
    assert {item["role"] for item in logins} == set(TWO_FACTOR_ROLES)

    for item in logins:
        device = TOTPDevice.objects.get(user__email=item["email"], confirmed=True)
        secret = item["totp_secret"]
        key = base64.b32decode(secret + "=" * (-len(secret) % 8))
        assert key == device.bin_key
        token = TOTP(key, step=device.step, t0=device.t0, digits=device.digits).token()
        assert device.verify_token(f"{token:0{device.digits}d}"), item["email"]
        assert not device.verify_token(f"{(token + 1) % 10**device.digits:0{device.digits}d}")


def test_running_it_again_changes_nothing():
    first = demo_logins()
    counts = table_counts()
    pupils = list(
        Pupil.objects.order_by("school__urn", "mis_id").values_list(
            "first_name", "last_name", "date_of_birth"
        )
    )

    second = demo_logins()

    assert second == first
    assert table_counts() == counts
    assert (
        list(
            Pupil.objects.order_by("school__urn", "mis_id").values_list(
                "first_name", "last_name", "date_of_birth"
            )
        )
        == pupils
    )


def test_the_plan_is_the_same_every_time_and_leaves_the_global_random_alone():
    random.seed(7)
    expected = random.random()
    random.seed(7)
    one = seed_demo.plan_trust()
    assert random.random() == expected
    two = seed_demo.plan_trust()
    assert [f.children for p in one for f in p.families] == [f.children for p in two for f in p.families]


def test_the_demo_dsl_is_granted_exactly_their_school():
    run("seed_demo")
    school = School.objects.get(urn="149731")
    dsl = User.objects.get(email="dsl@oakfield-primary.demo.example")

    expected = {(str(action), str(school.pk)) for action in ROLE_ACTIONS[Role.DSL]}
    assert school_grants(dsl) == expected
    for action in ROLE_ACTIONS[Role.DSL]:
        assert access.schools_for(dsl, action) == {school.pk}


def test_demo_families_pupil_logins_and_a_parent_in_two_schools():
    logins = demo_logins()

    pupils = list(Pupil.objects.filter(school__trust__name="Northfield Learning Trust", is_active=True))
    assert pupils
    for pupil in pupils:
        assert 1 <= pupil.parent_links.count() <= 2, pupil
    assert ParentLink.objects.filter(parental_responsibility=False).exists()
    for item in logins:
        user = User.objects.get(email=item["email"])
        if item["role"] == Role.PARENT:
            assert user.children_links.filter(pupil__school__name=item["school"]).exists()
        if item["role"] == Role.PUPIL:
            record = user.pupil_record
            assert record.school.name == item["school"]
            if record.school.phase != School.Phase.PRIMARY:
                assert record.year_group >= 7
    pairs = set(ParentLink.objects.values_list("parent_id", "pupil__school_id"))
    schools_per_parent = Counter(parent for parent, _ in pairs)
    two_schools = [pk for pk, n in schools_per_parent.items() if n == 2]
    assert User.objects.get(email="parent@oakfield-primary.demo.example").pk in two_schools


# --- seed_scale --------------------------------------------------------------------------------

TINY = ("--schools", "3", "--pupils", "150", "--staff", "40", "--trust-name", "Tiny Trust")


def expected_grants(trust: Trust) -> set[tuple]:
    """What the role table says every member of the trust should be granted."""
    school_ids = [str(pk) for pk in trust.schools.values_list("pk", flat=True)]
    wanted = set()
    for user_id, role, school_id in Membership.objects.filter(trust=trust).values_list(
        "user_id", "role", "school_id"
    ):
        targets = [str(school_id)] if school_id else school_ids
        wanted |= {(user_id, str(action), target) for action in ROLE_ACTIONS[role] for target in targets}
    return wanted


def trust_grants(trust: Trust) -> set[tuple]:
    school_ids = [str(pk) for pk in trust.schools.values_list("pk", flat=True)]
    rows = UserObjectPermission.objects.filter(
        content_type=ContentType.objects.get_for_model(School), object_pk__in=school_ids
    ).values_list("user_id", "permission__codename", "object_pk")
    return set(rows)


def test_seed_scale_creates_the_requested_numbers_and_their_grants():
    output = run("seed_scale", *TINY)

    trust = Trust.objects.get(name="Tiny Trust")
    schools = list(trust.schools.all())
    assert len(schools) == 3
    assert Pupil.objects.filter(school__trust=trust).count() == 150
    workforce = Membership.objects.filter(trust=trust, role__in=SCHOOL_WORKFORCE)
    assert workforce.count() == 40
    for school in schools:
        roles = Counter(workforce.filter(school=school).values_list("role", flat=True))
        assert roles[Role.HEADTEACHER] == roles[Role.DSL] == 1
        assert roles[Role.MARKETING_OFFICER] == roles[Role.ICT_TECHNICIAN] == 1
        assert 1 <= roles[Role.DEPUTY_DSL] <= 2
        assert roles[Role.STAFF] >= 1
        assert {p.year_group for p in school.pupils.all()} <= set(demo.year_groups_for(school.phase))
    trust_wide = Membership.objects.filter(trust=trust, school=None).values_list("role", flat=True)
    assert set(trust_wide) == set(TRUST_ROLES)

    links = ParentLink.objects.filter(pupil__school__trust=trust)
    per_pupil = Counter(links.values_list("pupil_id", flat=True))
    assert len(per_pupil) == 150 and set(per_pupil.values()) <= {1, 2}
    assert 1.2 <= links.count() / 150 <= 1.8
    children = Counter(links.values_list("parent_id", flat=True))
    assert max(children.values()) >= 2, "some siblings share their parents"
    parents = Membership.objects.filter(trust=trust, role=Role.PARENT).values_list("user_id", flat=True)
    assert set(parents) == set(children)

    assert trust_grants(trust) == expected_grants(trust)
    two_factor = (
        Membership.objects.filter(trust=trust, role__in=TWO_FACTOR_ROLES).values("user_id").distinct()
    )
    assert TOTPDevice.objects.filter(user__in=two_factor, confirmed=True).count() == two_factor.count()
    assert "grant permissions" in output and "150" in output


def test_seed_scale_shares_one_password_hash_that_signs_in():
    run("seed_scale", *TINY)
    hashes = set(
        User.objects.filter(memberships__trust__name="Tiny Trust").values_list("password", flat=True)
    )
    assert len(hashes) == 1
    user = User.objects.filter(memberships__trust__name="Tiny Trust").first()
    assert user.check_password(demo.DEMO_PASSWORD)


def test_seed_scale_refuses_an_existing_trust_unless_told_to_replace_it():
    run("seed_demo")
    run("seed_scale", *TINY)
    demo_counts = (
        Pupil.objects.filter(school__trust__name="Northfield Learning Trust").count(),
        Membership.objects.filter(trust__name="Northfield Learning Trust").count(),
    )
    counts = table_counts()

    with pytest.raises(CommandError, match="already exists"):
        run("seed_scale", *TINY)
    assert table_counts() == counts

    run("seed_scale", *TINY, "--replace")
    trust = Trust.objects.get(name="Tiny Trust")
    assert Pupil.objects.filter(school__trust=trust).count() == 150
    assert (
        User.objects.filter(email__endswith="tiny-trust.scale.example").count()
        == User.objects.filter(memberships__trust=trust).distinct().count()
    )
    assert trust_grants(trust) == expected_grants(trust)
    assert demo_counts == (
        Pupil.objects.filter(school__trust__name="Northfield Learning Trust").count(),
        Membership.objects.filter(trust__name="Northfield Learning Trust").count(),
    )
    dsl = User.objects.get(email="dsl@oakfield-primary.demo.example")
    assert {pk for _, pk in school_grants(dsl)} == {str(School.objects.get(urn="149731").pk)}


def test_replace_keeps_a_scale_user_who_also_holds_a_role_elsewhere():
    run("seed_demo")
    run("seed_scale", *TINY)
    scale_user = User.objects.filter(
        memberships__trust__name="Tiny Trust", memberships__role=Role.STAFF
    ).first()
    oakfield = School.objects.get(urn="149731")
    membership(scale_user, Role.STAFF, school=oakfield)

    run("seed_scale", *TINY, "--replace")

    scale_user.refresh_from_db()
    assert set(scale_user.memberships.values_list("school_id", flat=True)) == {oakfield.pk}
    assert school_grants(scale_user) == {(str(a), str(oakfield.pk)) for a in ROLE_ACTIONS[Role.STAFF]}


def test_seed_scale_refuses_too_few_staff_for_its_schools():
    with pytest.raises(CommandError, match="at least 18 staff"):
        run("seed_scale", "--schools", "3", "--pupils", "10", "--staff", "12")
    assert not Trust.objects.filter(name="Scale Test Trust").exists()


def test_a_stranger_in_the_trust_is_not_deleted_by_replace():
    run("seed_scale", *TINY)
    outsider = UserFactory()
    membership(outsider, Role.STAFF, school=School.objects.filter(trust__name="Tiny Trust").first())
    with pytest.raises(CommandError):
        run("seed_scale", *TINY, "--replace")
    assert User.objects.filter(pk=outsider.pk).exists()
    assert Pupil.objects.filter(school__trust__name="Tiny Trust").count() == 150
