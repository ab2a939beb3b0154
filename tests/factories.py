"""Factories and the fixed personas every test uses."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date

import factory
from django_otp.plugins.otp_totp.models import TOTPDevice
from faker import Faker

from accounts.models import Membership, ParentLink, Pupil, School, Trust, User
from accounts.roles import SCHOOL_ROLES, TRUST_ROLES, TWO_FACTOR_ROLES, Role

PASSWORD = "correct horse battery staple"
_fake = Faker("en_GB")


def _plain(text: str) -> str:
    # Names like O'Connor are escaped in HTML (O&#x27;Connor); tests that look for a name in a page
    # would then fail at random, so generated names never contain an apostrophe.
    return text.replace("'", "")


_urns = itertools.count(100001)


class TrustFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trust

    name = factory.Sequence(lambda n: f"Test Trust {n}")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    trust = factory.SubFactory(TrustFactory)
    name = factory.Sequence(lambda n: f"Test School {n}")
    urn = factory.LazyFunction(lambda: str(next(_urns)))
    phase = School.Phase.PRIMARY


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@test.example")
    full_name = factory.LazyFunction(lambda: _plain(_fake.name()))
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class PupilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pupil

    school = factory.SubFactory(SchoolFactory)
    first_name = factory.LazyFunction(lambda: _plain(_fake.first_name()))
    last_name = factory.LazyFunction(lambda: _plain(_fake.last_name()))
    # Fixed, so pages showing it read the same every day; the pupil turns 13 on 14 March 2028, so a
    # test that needs an age (a platform's minimum age) sets the date from today (tests.dates).
    date_of_birth = date(2015, 3, 14)
    year_group = 5
    mis_id = factory.Sequence(lambda n: f"MIS{n:06d}")


def membership(user: User, role: str, *, school: School | None = None, trust: Trust | None = None):
    """Give a user a role in a school, or trust-wide."""
    trust = trust or school.trust
    return Membership.objects.create(
        user=user, role=role, school=school if role in SCHOOL_ROLES else None, trust=trust
    )


def person(role: str, *, school: School | None = None, trust: Trust | None = None, **fields) -> User:
    """A user holding one role (with a TOTP device when the role needs two-factor)."""
    user = UserFactory(**fields)
    membership(user, role, school=school, trust=trust)
    if role in TWO_FACTOR_ROLES:
        TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return user


@dataclass
class SchoolPeople:
    school: School
    users: dict[str, User] = field(default_factory=dict)
    pupil_record: Pupil | None = None
    child: Pupil | None = None

    def __getitem__(self, role: str) -> User:
        return self.users[role]


@dataclass
class Personas:
    trust: Trust
    a: SchoolPeople
    b: SchoolPeople
    trust_users: dict[str, User]

    def __getitem__(self, role: str) -> User:
        return self.trust_users[role]

    def everyone(self) -> dict[str, User]:
        """Every persona by a label: 'a:dsl', 'b:staff', 'trust:trustee'."""
        out = {f"trust:{role}": user for role, user in self.trust_users.items()}
        for label, people in (("a", self.a), ("b", self.b)):
            out.update({f"{label}:{role}": user for role, user in people.users.items()})
        return out


def make_personas() -> Personas:
    """The trust, schools A and B, and a person for every role (as STYLE.md's tests expect)."""
    trust = TrustFactory(name="Northfield Learning Trust")
    trust_users = {role: person(role, trust=trust) for role in sorted(TRUST_ROLES)}
    sides = []
    for label in ("A", "B"):
        school = SchoolFactory(trust=trust, name=f"School {label}")
        people = SchoolPeople(school=school)
        for role in sorted(SCHOOL_ROLES):
            people.users[role] = person(role, school=school)
        pupil_user = people.users[Role.PUPIL]
        people.pupil_record = PupilFactory(
            school=school, user=pupil_user, year_group=9, date_of_birth=date(2012, 9, 1)
        )
        people.child = PupilFactory(school=school)
        ParentLink.objects.create(
            parent=people.users[Role.PARENT],
            pupil=people.child,
            relationship=ParentLink.Relationship.MOTHER,
            parental_responsibility=True,
        )
        sides.append(people)
    return Personas(trust=trust, a=sides[0], b=sides[1], trust_users=trust_users)
