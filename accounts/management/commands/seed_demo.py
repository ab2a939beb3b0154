"""Seed the demo trust: three schools, a login for every role, pupils and their families.

Running it again changes nothing: every record is found by its natural key (trust name, URN,
email, the pupil's MIS id in its school, the parent-and-pupil pair) before it is created. The
two-factor keys are random, made once per database, and printed from the database on every run.

It refuses to run with DEBUG off (a real deployment) unless told otherwise: see
``demo.refuse_without_debug``.
"""

from __future__ import annotations

import base64
import json
import math
import random
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import demo
from accounts.models import Membership, ParentLink, Pupil, School, Trust, User
from accounts.roles import TRUST_ROLES, TWO_FACTOR_ROLES, Role
from core import registries

TRUST_NAME = "Northfield Learning Trust"
TRUST_DOMAIN = "northfield.demo.example"
PUPILS_PER_SCHOOL = 40
DEVICE_NAME = "Authenticator app"


@dataclass(frozen=True)
class SchoolSpec:
    name: str
    urn: str
    phase: str
    domain: str
    address: str
    # The year group of the pupil who has a login (a secondary year wherever the school has one).
    pupil_login_year: int


SCHOOLS = (
    SchoolSpec(
        name="Oakfield Primary School",
        urn="149731",
        phase=School.Phase.PRIMARY,
        domain="oakfield-primary.demo.example",
        address="Oakfield Road\nNorthfield\nLeeds\nLS17 8PT",
        pupil_login_year=6,
    ),
    SchoolSpec(
        name="Kingsmead Academy",
        urn="149732",
        phase=School.Phase.SECONDARY,
        domain="kingsmead-academy.demo.example",
        address="Kingsmead Lane\nAlwoodley\nLeeds\nLS17 7QW",
        pupil_login_year=10,
    ),
    SchoolSpec(
        name="Riverside All-Through School",
        urn="149733",
        phase=School.Phase.ALL_THROUGH,
        domain="riverside-school.demo.example",
        address="Aire Valley Way\nKirkstall\nLeeds\nLS5 3HN",
        pupil_login_year=9,
    ),
)

# The workforce logins of every school: (local part of the email, role).
SCHOOL_LOGINS = (
    ("headteacher", Role.HEADTEACHER),
    ("dsl", Role.DSL),
    ("deputy-dsl", Role.DEPUTY_DSL),
    ("marketing-officer", Role.MARKETING_OFFICER),
    ("ict-technician", Role.ICT_TECHNICIAN),
    ("staff1", Role.STAFF),
    ("staff2", Role.STAFF),
)

# The parents who have a demo login: one per school, each a parent of real pupils.
PARENT_LOGINS = frozenset(f"parent@{spec.domain}" for spec in SCHOOLS)

# Trust-wide logins in the order they are listed.
TRUST_LOGIN_ORDER = (
    Role.TRUST_SAFEGUARDING_LEAD,
    Role.DIRECTOR_OF_MARKETING,
    Role.CEO,
    Role.CHAIR_OF_TRUSTEES,
    Role.TRUSTEE,
    Role.DATA_PROTECTION_OFFICER,
    Role.TRUST_ADMINISTRATOR,
)


@dataclass
class PlannedChild:
    mis_id: str
    first_name: str
    last_name: str
    date_of_birth: date
    year_group: int
    class_name: str = ""


@dataclass
class PlannedFamily:
    surname: str
    heritage: demo.Heritage
    parents: list[tuple[str, demo.PlannedParent]]  # (email, parent)
    children: list[PlannedChild] = field(default_factory=list)


@dataclass
class SchoolPlan:
    spec: SchoolSpec
    families: list[PlannedFamily]
    pupil_login: PlannedChild
    parent_login: PlannedFamily


@dataclass
class Login:
    user: User
    role: str
    school: School | None


class NamedLogins:
    """The demo people the apps' sample records are made by, named by their post so that no app
    outside accounts has to name a role (the demo data and the benchmark's seeding both have them)."""

    logins: list

    def login(self, role: str, school: School | None = None) -> User:
        """The first demo login holding this role (in this school, when one is given)."""
        return next(
            item.user
            for item in self.logins
            if item.role == role and (school is None or item.school == school)
        )

    def headteacher(self, school: School) -> User:
        return self.login(Role.HEADTEACHER, school)

    def dsl(self, school: School) -> User:
        return self.login(Role.DSL, school)

    def deputy_dsl(self, school: School) -> User:
        return self.login(Role.DEPUTY_DSL, school)

    def marketing_officer(self, school: School) -> User:
        return self.login(Role.MARKETING_OFFICER, school)

    def ict_technician(self, school: School) -> User:
        return self.login(Role.ICT_TECHNICIAN, school)

    def staff_member(self, school: School) -> User:
        return self.login(Role.STAFF, school)

    def staff_members(self, school: School) -> list[User]:
        """Every member of staff (the staff role) of the school, in the order they were made."""
        return [item.user for item in self.logins if item.role == Role.STAFF and item.school == school]

    def parent(self, school: School) -> User:
        return self.login(Role.PARENT, school)

    def director_of_marketing(self) -> User:
        return self.login(Role.DIRECTOR_OF_MARKETING)

    def trust_administrator(self) -> User:
        return self.login(Role.TRUST_ADMINISTRATOR)

    def data_protection_officer(self) -> User:
        return self.login(Role.DATA_PROTECTION_OFFICER)


@dataclass
class DemoData(NamedLogins):
    """What has been seeded so far, for later steps (and later kinds of records) to build on."""

    trust: Trust
    schools: dict[str, School] = field(default_factory=dict)  # by URN
    logins: list[Login] = field(default_factory=list)
    pupils: dict[str, list[Pupil]] = field(default_factory=dict)  # by URN
    password_hash: str = ""


# --- planning: the people of each school, decided before anything is saved -------------------


def plan_school(spec: SchoolSpec) -> SchoolPlan:
    """About forty pupils across the school's year groups, in families with their parents."""
    rng = random.Random(f"{spec.urn}:pupils")
    years = demo.year_groups_for(spec.phase)
    per_year = math.ceil(PUPILS_PER_SCHOOL / len(years))
    slots = [year for year in years for _ in range(per_year)]
    rng.shuffle(slots)
    families: list[PlannedFamily] = []
    while slots:
        heritage = demo.pick_heritage(rng)
        surname = rng.choice(heritage.surnames)
        number = len(families) + 1
        parents = [
            (parent_email(parent, number, spec), parent)
            for parent in demo.plan_parents(rng, heritage, surname)
        ]
        family = PlannedFamily(surname=surname, heritage=heritage, parents=parents)
        births: dict[int, date] = {}
        for year in slots[: demo.family_size(rng)]:
            # Two children of one family in one year group are twins.
            born = births.setdefault(year, demo.date_of_birth(year, rng))
            family.children.append(
                PlannedChild("", demo.child_first_name(heritage, rng), surname, born, year)
            )
        slots = slots[len(family.children) :]
        families.append(family)
    number_children(families)
    pupil_login = next(
        child for family in families for child in family.children if child.year_group == spec.pupil_login_year
    )
    parent_login = next(
        family
        for family in families
        if pupil_login not in family.children
        and len(family.parents) == 2
        and all(parent.parental_responsibility for _, parent in family.parents)
    )
    _, parent = parent_login.parents[0]
    parent_login.parents[0] = (f"parent@{spec.domain}", parent)
    return SchoolPlan(spec, families, pupil_login, parent_login)


def number_children(families: list[PlannedFamily]) -> None:
    """Give each child an MIS admission number and a class, in a fixed order."""
    per_year: dict[int, int] = {}
    number = 0
    for family in families:
        for child in family.children:
            number += 1
            child.mis_id = f"{number:06d}"
            index = per_year.get(child.year_group, 0)
            per_year[child.year_group] = index + 1
            child.class_name = demo.class_name(child.year_group, index)


def parent_email(parent: demo.PlannedParent, number: int, spec: SchoolSpec) -> str:
    """A parent's address, unique through the family number and the school."""
    first, _, last = parent.full_name.partition(" ")
    local = f"{demo.email_part(first)}.{demo.email_part(last)}.{number}"
    return f"{local}@families.{spec.domain}"


def plan_trust() -> list[SchoolPlan]:
    """Every school's plan, with one family whose children attend two schools."""
    plans = [plan_school(spec) for spec in SCHOOLS]
    primary, secondary = plans[0], plans[1]
    # The primary's demo parent also has an older child at the secondary school.
    family = primary.parent_login
    rng = random.Random(f"{secondary.spec.urn}:sibling")
    year = 8
    sibling = PlannedChild(
        mis_id=f"{sum(len(f.children) for f in secondary.families) + 1:06d}",
        first_name=demo.child_first_name(family.heritage, rng),
        last_name=family.surname,
        date_of_birth=demo.date_of_birth(year, rng),
        year_group=year,
        class_name=demo.class_name(year, 0),
    )
    secondary.families.append(PlannedFamily(family.surname, family.heritage, list(family.parents), [sibling]))
    return plans


# --- saving ------------------------------------------------------------------------------------


def seed_trust() -> DemoData:
    """The trust itself."""
    trust, _ = Trust.objects.get_or_create(name=TRUST_NAME, defaults={"companies_house_number": "09481726"})
    return DemoData(trust=trust, password_hash=make_password(demo.DEMO_PASSWORD))


def seed_schools(data: DemoData) -> None:
    """The primary, the secondary and the all-through school."""
    for spec in SCHOOLS:
        school, _ = School.objects.get_or_create(
            urn=spec.urn,
            defaults={
                "trust": data.trust,
                "name": spec.name,
                "phase": spec.phase,
                "address": spec.address,
            },
        )
        data.schools[spec.urn] = school


def ensure_user(email: str, full_name: str, *, password: str | None) -> User:
    """The user with this email, created with the password hash (or none usable) if new."""
    user, _ = User.objects.get_or_create(
        email=email,
        defaults={"full_name": full_name, "password": password or make_password(None)},
    )
    return user


def ensure_membership(user: User, role: str, trust: Trust, school: School | None = None) -> None:
    """The role, held once (creating it through the ORM keeps guardian's grants in step)."""
    Membership.objects.get_or_create(
        user=user, role=role, school=school if role not in TRUST_ROLES else None, defaults={"trust": trust}
    )


def seed_trust_people(data: DemoData) -> None:
    """One login for each trust-wide role."""
    rng = random.Random(f"{TRUST_NAME}:people")
    for role in TRUST_LOGIN_ORDER:
        email = f"{role.value.replace('_', '-')}@{TRUST_DOMAIN}"
        user = ensure_user(email, demo.adult_name(rng), password=data.password_hash)
        ensure_membership(user, role, data.trust)
        data.logins.append(Login(user, role, None))


def seed_school_people(data: DemoData, spec: SchoolSpec) -> None:
    """The headteacher, safeguarding leads, marketing officer, ICT technician and staff."""
    school = data.schools[spec.urn]
    rng = random.Random(f"{spec.urn}:staff")
    for local, role in SCHOOL_LOGINS:
        user = ensure_user(f"{local}@{spec.domain}", demo.adult_name(rng), password=data.password_hash)
        ensure_membership(user, role, data.trust, school)
        data.logins.append(Login(user, role, school))


def seed_pupils(data: DemoData, plan: SchoolPlan) -> dict[str, Pupil]:
    """The school's pupils, found by MIS id; returns them by MIS id."""
    school = data.schools[plan.spec.urn]
    pupils: dict[str, Pupil] = {}
    for family in plan.families:
        for child in family.children:
            pupil, _ = Pupil.objects.get_or_create(
                school=school,
                mis_id=child.mis_id,
                defaults={
                    "first_name": child.first_name,
                    "last_name": child.last_name,
                    "date_of_birth": child.date_of_birth,
                    "year_group": child.year_group,
                    "class_name": child.class_name,
                },
            )
            pupils[child.mis_id] = pupil
    data.pupils[plan.spec.urn] = list(pupils.values())
    return pupils


def seed_parents(data: DemoData, plan: SchoolPlan, pupils: dict[str, Pupil]) -> None:
    """Each family's parents and carers, linked to their children (demo parent with a login)."""
    school = data.schools[plan.spec.urn]
    for family in plan.families:
        for email, parent in family.parents:
            has_login = email in PARENT_LOGINS
            user = ensure_user(email, parent.full_name, password=data.password_hash if has_login else None)
            ensure_membership(user, Role.PARENT, data.trust, school)
            for child in family.children:
                ParentLink.objects.get_or_create(
                    parent=user,
                    pupil=pupils[child.mis_id],
                    defaults={
                        "relationship": parent.relationship,
                        "parental_responsibility": parent.parental_responsibility,
                    },
                )
            if has_login:
                data.logins.append(Login(user, Role.PARENT, school))


def seed_pupil_login(data: DemoData, plan: SchoolPlan, pupils: dict[str, Pupil]) -> None:
    """The login of one older pupil, linked to their pupil record."""
    school = data.schools[plan.spec.urn]
    pupil = pupils[plan.pupil_login.mis_id]
    user = ensure_user(f"pupil@{plan.spec.domain}", pupil.full_name, password=data.password_hash)
    ensure_membership(user, Role.PUPIL, data.trust, school)
    if pupil.user_id != user.pk:
        pupil.user = user
        pupil.save(update_fields=["user"])
    data.logins.append(Login(user, Role.PUPIL, school))


def seed_two_factor(data: DemoData) -> dict[object, TOTPDevice]:
    """A confirmed authenticator for every login whose role needs two-factor, with a random key."""
    devices: dict[object, TOTPDevice] = {}
    for login in data.logins:
        if login.role not in TWO_FACTOR_ROLES or login.user.pk in devices:
            continue
        device, _ = TOTPDevice.objects.get_or_create(
            user=login.user,
            name=DEVICE_NAME,
            defaults={"key": demo.new_totp_key(), "confirmed": True},
        )
        devices[login.user.pk] = device
    return devices


def totp_secret(device: TOTPDevice) -> str:
    """The device's secret as an authenticator app takes it (base32, no padding)."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def login_rows(data: DemoData, devices: dict[object, TOTPDevice]) -> list[dict]:
    """One row per demo login and role, in the order they were seeded."""
    rows = []
    for login in data.logins:
        row = {
            "email": login.user.email,
            "password": demo.DEMO_PASSWORD,
            "role": str(login.role),
            "school": login.school.name if login.school else None,
        }
        if login.user.pk in devices:
            row["totp_secret"] = totp_secret(devices[login.user.pk])
        rows.append(row)
    return rows


def login_count() -> int:
    """How many logins the demo has: the trust-wide ones, then per school its workforce, a parent
    and a pupil."""
    return len(TRUST_LOGIN_ORDER) + len(SCHOOLS) * (len(SCHOOL_LOGINS) + 2)


def seed_feature_records(data: DemoData) -> None:
    """Let each app add its own sample records (registered in core.registries.demo_records), so
    this command never imports a feature app and every capability shows real work on a first run."""
    for records in registries.demo_records:
        records.seed(data)


class Command(BaseCommand):
    help = "Create the demo trust, its three schools, a login for every role, pupils and families."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print only the logins, as a JSON list.")
        demo.add_allow_without_debug(parser)

    def handle(self, *args, **options):
        demo.refuse_without_debug(
            command="seed_demo",
            creates=f"{login_count()} logins (the trust safeguarding lead, the CEO and the data "
            "protection officer among them)",
            allowed=options["allow_on_production_database"],
        )
        validate_password(demo.DEMO_PASSWORD)
        plans = plan_trust()
        with transaction.atomic():
            data = seed_trust()
            seed_schools(data)
            seed_trust_people(data)
            for plan in plans:
                seed_school_people(data, plan.spec)
                pupils = seed_pupils(data, plan)
                seed_parents(data, plan, pupils)
                seed_pupil_login(data, plan, pupils)
            devices = seed_two_factor(data)
            seed_feature_records(data)
        rows = login_rows(data, devices)
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2))
            return
        self.print_table(rows)
        pupils = sum(len(p) for p in data.pupils.values())
        parents = User.objects.filter(memberships__trust=data.trust, memberships__role=Role.PARENT)
        self.stdout.write(
            f"\n{data.trust.name}: {len(data.schools)} schools, {pupils} pupils, "
            f"{parents.distinct().count()} parents and carers."
        )
        self.stdout.write(f"Password for every login above: {demo.DEMO_PASSWORD}")
        self.stdout.write(
            "Two-factor secrets are for an authenticator app (TOTP, 30 seconds, 6 digits); they were "
            "made at random for this database when it was first seeded."
        )

    def print_table(self, rows: list[dict]) -> None:
        """The logins as a plain-text table."""
        header = {"email": "Email", "role": "Role", "school": "School", "totp_secret": "TOTP secret"}
        table = [
            {
                "email": row["email"],
                "role": Role(row["role"]).label,
                "school": row["school"] or "(trust-wide)",
                "totp_secret": row.get("totp_secret", ""),
            }
            for row in rows
        ]
        widths = {key: max(len(header[key]), *(len(r[key]) for r in table)) for key in header}

        def line(values: dict) -> str:
            return "  ".join(values[key].ljust(widths[key]) for key in header).rstrip()

        self.stdout.write(line(header))
        self.stdout.write(line({key: "-" * widths[key] for key in header}))
        for row in table:
            self.stdout.write(line(row))
