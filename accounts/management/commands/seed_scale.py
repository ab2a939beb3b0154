"""Seed a trust the size the portal must stay fast for: 100 schools, 80,000 pupils, 10,000 staff.

Rows go in with ``bulk_create`` in batches, a few schools at a time, so memory stays flat. Bulk
inserts send no signals, so guardian's school grants are written here with
``access.sync_permissions`` (itself bulk) for every user created.

Like seed_demo it refuses to run with DEBUG off unless told otherwise (``demo.refuse_without_debug``):
everyone it creates signs in with the demo password.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q, QuerySet
from django.db.models.deletion import get_candidate_relations_to_delete
from django.utils.text import slugify
from django_otp.plugins.otp_totp.models import TOTPDevice
from guardian.models import UserObjectPermission

from accounts import access, demo
from accounts.models import Membership, ParentLink, Pupil, School, Trust, User
from accounts.roles import TRUST_ROLES, TWO_FACTOR_ROLES, Role
from core.audit import audit_record
from core.models import AuditEntry

BATCH = 5000
SCHOOLS_PER_CHUNK = 10
SYNC_BATCH = 5000
DEVICE_NAME = "Authenticator app"
# Relative size of a school of each phase, and how many of each phase a trust holds per hundred.
PHASE_MIX = (
    (School.Phase.PRIMARY, 70, 1.0),
    (School.Phase.SECONDARY, 22, 3.5),
    (School.Phase.ALL_THROUGH, 5, 4.5),
    (School.Phase.SPECIAL, 3, 0.4),
)
PHASE_SUFFIX = {
    School.Phase.PRIMARY: "Primary School",
    School.Phase.SECONDARY: "Academy",
    School.Phase.ALL_THROUGH: "All-Through School",
    School.Phase.SPECIAL: "Special School",
}
PLACE_STARTS = (
    "Ash Beech Birch Brook Cherry Church Elm Fern Glen Green Hawthorn Hazel Heath Holly King Lark "
    "Lime Long Maple Meadow Mill Moor Oak Pine Queens Red Rose Sand Stone Thorn West Wil Wood"
).split()
PLACE_ENDS = "field ley ford ton bury wood mead dale gate well croft lands hurst bridge".split()
TOWNS = ("Leeds", "Bradford", "Wakefield", "Halifax", "Huddersfield", "Harrogate", "York", "Dewsbury")
STREETS = ("Road", "Lane", "Avenue", "Way", "Drive", "Street")
# Of the brothers and sisters in a family (demo.family_size), the share at another of the trust's
# schools: their parents then hold the parent role in two schools.
SIBLING_ELSEWHERE = 0.05


class PhaseTimer:
    """Adds up the time spent in each phase across chunks, to print at the end."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.rows: dict[str, int] = defaultdict(int)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time a block of work under a phase name."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - started


@dataclass
class Chunk:
    """The rows of a few schools, built in memory and then inserted together."""

    pupils: list[Pupil] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    links: list[ParentLink] = field(default_factory=list)
    devices: list[TOTPDevice] = field(default_factory=list)


def split(total: int, weights: list[float]) -> list[int]:
    """Share a total out in proportion to weights, the parts adding up to exactly the total."""
    scale = total / sum(weights)
    parts = [int(w * scale) for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: parts[i] - weights[i] * scale)
    for i in remainders[: total - sum(parts)]:
        parts[i] += 1
    return parts


def free_urns(count: int) -> list[str]:
    """Six-digit URNs no school holds yet (scale trusts use the 9xxxxx range)."""
    taken = set(School.objects.filter(urn__startswith="9").values_list("urn", flat=True))
    urns: list[str] = []
    candidate = 900001
    while len(urns) < count:
        if candidate > 999999:
            raise CommandError("No free six-digit URNs left in the 9xxxxx range.")
        if str(candidate) not in taken:
            urns.append(str(candidate))
        candidate += 1
    return urns


class Command(BaseCommand):
    help = "Create a trust-sized data set (schools, pupils, parents, staff) to measure speed."

    def add_arguments(self, parser):
        parser.add_argument("--schools", type=int, default=100)
        parser.add_argument("--pupils", type=int, default=80_000)
        parser.add_argument("--staff", type=int, default=10_000)
        parser.add_argument("--trust-name", default="Scale Test Trust")
        parser.add_argument(
            "--replace", action="store_true", help="Delete a trust of that name first, with its people."
        )
        parser.add_argument("--seed", type=int, default=2026, help="Seed of the random generator.")
        demo.add_allow_without_debug(parser)

    def handle(self, *args, **options):
        schools, pupils, staff = options["schools"], options["pupils"], options["staff"]
        demo.refuse_without_debug(
            command="seed_scale",
            creates=f"a login for each of {staff:,} staff, the parents and every trust-wide role "
            "(the chief executive and the trust safeguarding lead among them)",
            allowed=options["allow_on_production_database"],
        )
        if schools < 1 or pupils < 0:
            raise CommandError("Give at least one school and a number of pupils that is not negative.")
        if staff < 6 * schools:
            raise CommandError(
                f"{schools} schools need at least {6 * schools} staff: each has a headteacher, a DSL, "
                "a deputy DSL, a marketing officer, an ICT technician and a member of staff."
            )
        self.timer = PhaseTimer()
        self.rng = random.Random(options["seed"])
        self.password = make_password(demo.DEMO_PASSWORD)
        name = options["trust_name"].strip()
        if not slugify(name):
            raise CommandError("Give the trust a name with letters or digits in it.")
        self.domain = f"{slugify(name)}{demo.SCALE_DOMAIN_SUFFIX}"
        started = time.perf_counter()
        try:
            with transaction.atomic():
                existing = Trust.objects.filter(name=name).first()
                if existing is not None:
                    if not options["replace"]:
                        raise CommandError(
                            f'A trust named "{name}" already exists. Use --replace to delete it and '
                            "its people and seed it again, or choose another --trust-name."
                        )
                    with self.timer.phase("delete old trust"):
                        self.delete_trust(existing)
                self.seed(name, schools, pupils, staff)
                # What COMMIT would do anyway, timed: every deferred foreign key is checked.
                with self.timer.phase("check foreign keys"):
                    connection.check_constraints()
        except IntegrityError as error:
            raise CommandError(f"Nothing was saved: {error}") from error
        self.report(time.perf_counter() - started)

    # --- the data set ---------------------------------------------------------------------

    def seed(self, name: str, n_schools: int, n_pupils: int, n_staff: int) -> None:
        """Create the trust, then its schools a chunk at a time, then the trust-wide people."""
        with self.timer.phase("schools"):
            trust = Trust.objects.create(name=name)
            school_list = self.create_schools(trust, n_schools)
        weights = [size for _, size in school_list]
        pupils_per_school = split(n_pupils, weights)
        staff_per_school = self.staff_split(n_staff, weights)
        self.user_number = 0
        # People kept from an earlier run (they also belong to another trust) keep their addresses.
        self.kept_emails = set(
            User.objects.filter(
                Q(email__endswith=f"@{self.domain}") | Q(email__endswith=f".{self.domain}")
            ).values_list("email", flat=True)
        )
        for start in range(0, len(school_list), SCHOOLS_PER_CHUNK):
            chunk = Chunk()
            picked = range(start, min(start + SCHOOLS_PER_CHUNK, len(school_list)))
            schools = [school_list[i][0] for i in picked]
            with self.timer.phase("pupils"):
                for i in picked:
                    self.build_pupils(chunk, school_list[i][0], pupils_per_school[i])
            with self.timer.phase("parents"):
                self.build_families(chunk, trust, schools)
            with self.timer.phase("staff"):
                for i in picked:
                    self.build_staff(chunk, trust, school_list[i][0], staff_per_school[i])
            self.insert(chunk)
        with self.timer.phase("staff"):
            chunk = Chunk()
            self.build_trust_people(chunk, trust)
        self.insert(chunk)
        self.trust = trust

    def create_schools(self, trust: Trust, count: int) -> list[tuple[School, float]]:
        """Schools of every phase with distinct names, URNs and addresses; and their sizes."""
        counts = split(count, [share for _, share, _ in PHASE_MIX])
        phases = [phase for (phase, _, _), n in zip(PHASE_MIX, counts, strict=True) for _ in range(n)]
        self.rng.shuffle(phases)
        size_of = {phase: size for phase, _, size in PHASE_MIX}
        places = [a + b for a in PLACE_STARTS for b in PLACE_ENDS]
        self.rng.shuffle(places)
        schools = []
        for i, urn in enumerate(free_urns(count)):
            phase = phases[i]
            place = places[i % len(places)]
            suffix = "" if i < len(places) else f" {i // len(places) + 1}"
            address = (
                f"{self.rng.randint(1, 240)} {place} {self.rng.choice(STREETS)}\n"
                f"{self.rng.choice(TOWNS)}\nLS{self.rng.randint(1, 29)} {self.rng.randint(1, 9)}"
                f"{self.rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{self.rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
            )
            school = School(
                trust=trust,
                name=f"{place} {PHASE_SUFFIX[phase]}{suffix}",
                urn=urn,
                phase=phase,
                address=address,
            )
            schools.append((school, size_of[phase] * self.rng.uniform(0.7, 1.3)))
        School.objects.bulk_create([school for school, _ in schools], batch_size=BATCH)
        self.timer.rows["schools"] += len(schools)
        return schools

    def staff_split(self, total: int, weights: list[float]) -> list[int]:
        """Staff per school in proportion to size, never fewer than the six a school needs."""
        base = 6
        extra = split(total - base * len(weights), weights)
        return [base + e for e in extra]

    def build_pupils(self, chunk: Chunk, school: School, count: int) -> None:
        """The school's pupils spread over its year groups, with classes and MIS ids.

        Names and dates of birth come later, family by family (``build_families``).
        """
        years = demo.year_groups_for(school.phase)
        per_year = [count // len(years) + (1 if i < count % len(years) else 0) for i in range(len(years))]
        number = 0
        for year, in_year in zip(years, per_year, strict=True):
            classes = max(1, round(in_year / 28))
            for index in range(in_year):
                number += 1
                chunk.pupils.append(
                    Pupil(
                        school=school,
                        year_group=year,
                        class_name=demo.class_name(year, index, classes),
                        mis_id=f"{number:06d}",
                    )
                )

    def build_families(self, chunk: Chunk, trust: Trust, schools: list[School]) -> None:
        """Group the chunk's pupils into families (siblings share parents) and create the parents.

        Siblings mostly attend the same school; a few attend another school of the chunk, so some
        parents hold the parent role in two schools.
        """
        pools: dict[object, list[Pupil]] = defaultdict(list)
        for pupil in chunk.pupils:
            pools[pupil.school_id].append(pupil)
        for pool in pools.values():
            self.rng.shuffle(pool)
        order = [s.pk for s in schools if pools[s.pk]]
        for position, school_id in enumerate(order):
            pool = pools[school_id]
            while pool:
                children = [pool.pop()]
                for _ in range(demo.family_size(self.rng) - 1):
                    other = order[(position + 1) % len(order)]
                    source = pools[other] if self.rng.random() < SIBLING_ELSEWHERE else pool
                    if source:
                        children.append(source.pop())
                heritage = demo.pick_heritage(self.rng)
                surname = self.rng.choice(heritage.surnames)
                births: dict[int, date] = {}
                for child in children:
                    child.first_name = demo.child_first_name(heritage, self.rng)
                    child.last_name = surname
                    # Two children of one family in one year group are twins.
                    child.date_of_birth = births.setdefault(
                        child.year_group, demo.date_of_birth(child.year_group, self.rng)
                    )
                self.add_parents(chunk, trust, heritage, surname, children)

    def add_parents(self, chunk: Chunk, trust: Trust, heritage, surname: str, children: list[Pupil]) -> None:
        """A family's parents and carers: users, parent memberships and links to every child."""
        for planned in demo.plan_parents(self.rng, heritage, surname):
            user = self.new_user(chunk, planned.full_name, "parents")
            for school_id in {child.school_id for child in children}:
                chunk.memberships.append(
                    Membership(user=user, role=Role.PARENT, trust=trust, school_id=school_id)
                )
            for child in children:
                chunk.links.append(
                    ParentLink(
                        parent=user,
                        pupil=child,
                        relationship=planned.relationship,
                        parental_responsibility=planned.parental_responsibility,
                    )
                )

    def build_staff(self, chunk: Chunk, trust: Trust, school: School, count: int) -> None:
        """One headteacher, DSL, marketing officer and ICT technician, one or two deputy DSLs, staff."""
        deputies = 2 if count >= 40 else 1
        roles = [Role.HEADTEACHER, Role.DSL, Role.MARKETING_OFFICER, Role.ICT_TECHNICIAN]
        roles += [Role.DEPUTY_DSL] * deputies
        roles += [Role.STAFF] * (count - len(roles))
        for role in roles:
            user = self.new_user(chunk, demo.adult_name(self.rng), "staff")
            chunk.memberships.append(Membership(user=user, role=role, trust=trust, school=school))
            if role in TWO_FACTOR_ROLES:
                chunk.devices.append(self.device_for(user))

    def build_trust_people(self, chunk: Chunk, trust: Trust) -> None:
        """One person for each trust-wide role."""
        for role in sorted(TRUST_ROLES):
            local, n = role.replace("_", "-"), 1
            email = f"{local}@{self.domain}"
            while email in self.kept_emails:
                n += 1
                email = f"{local}{n}@{self.domain}"
            user = User(email=email, full_name=demo.adult_name(self.rng), password=self.password)
            chunk.users.append(user)
            chunk.memberships.append(Membership(user=user, role=role, trust=trust))
            chunk.devices.append(self.device_for(user))

    def new_user(self, chunk: Chunk, full_name: str, kind: str) -> User:
        """A user with a unique address under the trust's domain and the shared password hash."""
        first, _, last = full_name.partition(" ")
        email = ""
        while not email or email in self.kept_emails:
            self.user_number += 1
            local = f"{demo.email_part(first)}.{demo.email_part(last)}.{self.user_number}"
            email = f"{local}@{kind}.{self.domain}"
        user = User(email=email, full_name=full_name, password=self.password)
        chunk.users.append(user)
        return user

    def device_for(self, user: User) -> TOTPDevice:
        """A confirmed authenticator with a random key (the load test reads it from the database)."""
        return TOTPDevice(user=user, name=DEVICE_NAME, key=demo.new_totp_key(), confirmed=True)

    def insert(self, chunk: Chunk) -> None:
        """Insert a chunk's rows in dependency order, then grant its users their schools."""
        steps = (
            ("pupils", Pupil, chunk.pupils),
            ("users", User, chunk.users),
            ("memberships", Membership, chunk.memberships),
            ("parent links", ParentLink, chunk.links),
            ("two-factor devices", TOTPDevice, chunk.devices),
        )
        for name, model, rows in steps:
            with self.timer.phase(f"insert {name}"):
                model.objects.bulk_create(rows, batch_size=BATCH)
            self.timer.rows[name] += len(rows)
        with self.timer.phase("grant permissions"):
            ids = [user.pk for user in chunk.users]
            for start in range(0, len(ids), SYNC_BATCH):
                access.sync_permissions(ids[start : start + SYNC_BATCH])

    # --- replacing an earlier run ----------------------------------------------------------

    def delete_trust(self, trust: Trust) -> None:
        """Delete a trust made by this command, with its schools, pupils and people, in SQL.

        Row-by-row deletion would send a signal and write an audit entry for each of some 500,000
        rows (minutes of work); this deletes set by set and writes one audit entry instead.
        """
        members = User.objects.filter(memberships__trust=trust).distinct()
        ours = Q(email__endswith=f"@{self.domain}") | Q(email__endswith=f".{self.domain}")
        strangers = members.exclude(ours).values_list("email", flat=True)
        if strangers.exists():
            raise CommandError(
                f'"{trust.name}" has people this command did not create (such as {strangers[0]}); '
                "delete it through the admin instead."
            )
        elsewhere = list(
            members.filter(memberships__in=Membership.objects.exclude(trust=trust)).values_list(
                "pk", flat=True
            )
        )
        # Chosen by address, not membership, so the set stays the same while memberships go.
        only_here = User.objects.filter(ours).exclude(pk__in=elsewhere)
        school_ids = list(trust.schools.values_list("pk", flat=True))
        counts = {"schools": len(school_ids)}
        counts["pupils"] = purge(Pupil.objects.filter(school__trust=trust))
        counts["people"] = purge(only_here)
        purge(Membership.objects.filter(trust=trust))
        purge(
            UserObjectPermission.objects.filter(
                content_type=ContentType.objects.get_for_model(School),
                object_pk__in=[str(pk) for pk in school_ids],
            )
        )
        purge(School.objects.filter(trust=trust))
        audit_record(
            verb=AuditEntry.Verb.DELETE,
            obj=trust,
            changes={"name": [trust.name, None], **{key: [n, None] for key, n in counts.items()}},
        )
        purge(Trust.objects.filter(pk=trust.pk))
        # People who also belong to another trust keep exactly their other grants.
        access.sync_permissions(elsewhere)

    def report(self, total: float) -> None:
        """Print the time of each phase and the rows created."""
        self.stdout.write(f"Seeded {self.trust.name} ({self.domain}) in {total:.1f} s:")
        for name, seconds in self.timer.seconds.items():
            self.stdout.write(f"  {name:<28} {seconds:7.1f} s")
        grants = UserObjectPermission.objects.filter(
            content_type=ContentType.objects.get_for_model(School),
            object_pk__in=[str(pk) for pk in self.trust.schools.values_list("pk", flat=True)],
        ).count()
        self.timer.rows["permission grants"] = grants
        self.stdout.write("Rows:")
        for name, count in self.timer.rows.items():
            self.stdout.write(f"  {name:<28} {count:>9,}")
        self.stdout.write(f"Password of every user: {demo.DEMO_PASSWORD}")


def purge(queryset: QuerySet, depth: int = 0) -> int:
    """Delete rows and what depends on them, set by set in SQL, honouring each relation's on_delete.

    Dependents are found by subquery, so no row is loaded and no per-row signal is sent. A
    PROTECT or RESTRICT dependent that exists stops everything (the transaction rolls back).
    """
    if depth > 6:
        raise CommandError(f"Relations to {queryset.model._meta.label} are nested too deeply to delete.")
    for relation in get_candidate_relations_to_delete(queryset.model._meta):
        field = relation.field
        dependents = relation.related_model._base_manager.filter(**{f"{field.name}__in": queryset})
        on_delete = field.remote_field.on_delete
        if on_delete is models.CASCADE:
            purge(dependents, depth + 1)
        elif on_delete is models.SET_NULL:
            dependents.update(**{field.name: None})
        elif on_delete is not models.DO_NOTHING and dependents.exists():
            raise CommandError(
                f"{relation.related_model._meta.verbose_name_plural} still refer to "
                f"{queryset.model._meta.verbose_name_plural} being deleted; nothing was deleted."
            )
    # Private but long-standing: a single DELETE ... WHERE for the queryset, without signals.
    return queryset._raw_delete(queryset.db)
