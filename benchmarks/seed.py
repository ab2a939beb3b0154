"""Trust-scale data for the benchmark: seed_scale's trust and people, then a history of incidents
(incident_data), this year's consent register (consent_data), and an event and approval requests
made through the services, as the demo makes them.

Each part is seeded once: a part already present is skipped, so running the benchmark again reuses
the data. Bulk inserts send no signals and write no audit entries; nothing measured reads the audit
entries of seeded rows.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module

from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from accounts.management.commands.seed_demo import NamedLogins
from accounts.models import Membership, Pupil, School, Trust, User
from accounts.roles import Role
from benchmarks.consent_data import seed_consent
from benchmarks.incident_data import seed_incidents
from consent import services as consent_services
from consent.models import ConsentState, Event, Purpose
from incidents.models import Incident

TRUST_NAME = "Scale Test Trust"


@dataclass(frozen=True)
class Sizes:
    """How big a trust to seed, and how many rows the MIS import measures."""

    schools: int
    pupils: int
    staff: int
    incidents: int
    import_rows: int


SCALES = {
    # SPEC §7: 100 schools, 80,000 pupils, 10,000 staff, 50,000 incidents.
    "full": Sizes(schools=100, pupils=80_000, staff=10_000, incidents=50_000, import_rows=80_000),
    # A few seconds of seeding, for the benchmark's own test.
    "small": Sizes(schools=3, pupils=240, staff=30, incidents=120, import_rows=200),
}


def ensure_database(stdout) -> None:
    """Create the benchmark's PostgreSQL database if it does not exist yet (a fresh machine)."""
    from django.db.utils import OperationalError
    from psycopg2 import sql

    try:
        connection.ensure_connection()
        return
    except OperationalError as error:
        if connection.vendor != "postgresql":
            raise
        failure = error
    name = connection.settings_dict["NAME"]
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone():
            raise failure  # it exists, so the failure was something else: show it
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    stdout.write(f"Created the database {name}.")


def seeded_trust() -> Trust | None:
    """The benchmark's trust, if seed_scale has made it."""
    return Trust.objects.filter(name=TRUST_NAME).first()


def is_seeded() -> bool:
    """Is every part of the benchmark's data present?"""
    trust = seeded_trust()
    return (
        trust is not None
        and Incident.objects.filter(school__trust=trust).exists()
        and ConsentState.objects.filter(school__trust=trust).exists()
        and Event.objects.filter(trust=trust).exists()
    )


def flush(stdout) -> None:
    """Empty every table, then put back the platform age table its data migration wrote."""
    call_command("flush", interactive=False, verbosity=0)
    ensure_platforms()
    stdout.write("Emptied the database.")


def ensure_platforms() -> None:
    """The platform age table as its data migration writes it (a flushed database has lost it)."""
    import_module("incidents.migrations.0002_platform_ages").add_platforms(apps, None)


def seed(sizes: Sizes, *, stdout, timings: dict[str, float]) -> None:
    """Seed whatever part of the data is missing, timing each part."""
    import time

    rng = random.Random(2026)  # noqa: S311 - benchmark data, not security
    now = timezone.now()
    ensure_platforms()
    parts = []
    if seeded_trust() is None:
        parts.append(("people (seed_scale)", lambda: _people(sizes, stdout)))
    parts += [
        ("incidents", lambda: _once(Incident, lambda t: seed_incidents(t, sizes.incidents, rng, now))),
        ("consent register", lambda: _once(ConsentState, lambda t: seed_consent(t, now))),
        ("events and approvals", lambda: _once(Event, lambda t: seed_records(t))),
    ]
    for name, part in parts:
        started = time.perf_counter()
        with transaction.atomic():
            part()
        timings[name] = time.perf_counter() - started
        stdout.write(f"  seeded {name} in {timings[name]:.1f} s")
    if parts:
        # Fresh statistics and visibility maps, as autovacuum leaves a settled database: without
        # them the planner guesses at tables a million rows bigger than it last saw.
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        timings["vacuum analyze"] = time.perf_counter() - started
        stdout.write(f"  vacuumed and analysed in {timings['vacuum analyze']:.1f} s")


def _people(sizes: Sizes, stdout) -> None:
    call_command(
        "seed_scale",
        schools=sizes.schools,
        pupils=sizes.pupils,
        staff=sizes.staff,
        trust_name=TRUST_NAME,
        # The benchmark measures production settings (DEBUG off) in a database of its own
        # (make bench: portal_bench), so it passes seed_scale's guard on purpose.
        allow_on_production_database=True,
        stdout=stdout,
    )


def _once(model, make) -> None:
    """Seed one part unless the trust already has rows of it."""
    trust = seeded_trust()
    field = "trust" if model is Event else "school__trust"
    if not model.objects.filter(**{field: trust}).exists():
        make(trust)


# --- events and approvals ---------------------------------------------------------------------

EVENT_PURPOSES = [Purpose.SCHOOL_SOCIAL_MEDIA, Purpose.TRUST_SOCIAL_MEDIA, Purpose.PRESS_AND_MEDIA]


class _Login:
    def __init__(self, user, role, school):
        self.user, self.role, self.school = user, role, school


class _SchoolPeople(NamedLogins):
    """The shape approvals.demo reads (logins by role and school, pupils by URN), for some schools."""

    def __init__(self, trust: Trust, schools: list[School]):
        self.trust = trust
        self.schools = {school.urn: school for school in schools}
        self.pupils = {s.urn: list(Pupil.objects.filter(school=s).order_by("mis_id")) for s in schools}
        self.logins: list[_Login] = []
        memberships = (
            Membership.objects.filter(school__in=schools).exclude(role=Role.PUPIL).select_related("user")
        )
        by_role: dict = defaultdict(list)
        for m in memberships.order_by("user__email"):
            by_role[(m.role, m.school_id)].append(m.user)
        for school in schools:
            for role in (
                Role.HEADTEACHER,
                Role.MARKETING_OFFICER,
                Role.ICT_TECHNICIAN,
                Role.PARENT,
                Role.STAFF,
            ):
                for user in by_role[(role, school.pk)][: 2 if role == Role.STAFF else 1]:
                    self.logins.append(_Login(user, role, school))


def seed_records(trust: Trust) -> None:
    """A sports event with Year 6 pupils of two schools, and the first school's approval requests at
    every stage (made through the services, as the demo makes them)."""
    from approvals import demo as approvals_demo

    schools = list(trust.schools.order_by("urn"))
    with_year6 = [s for s in schools if Pupil.objects.filter(school=s, year_group=6).exists()][:2] or schools[
        :1
    ]
    director = User.objects.get(memberships__trust=trust, memberships__role=Role.DIRECTOR_OF_MARKETING)
    today = timezone.localdate()
    event = consent_services.event_create(
        by=director,
        name="Year 6 sports festival",
        date=today + timedelta(days=16),
        schools=with_year6,
        purposes=EVENT_PURPOSES,
        location="Northfield Leisure Centre",
    )
    attending = Pupil.objects.filter(school__in=with_year6, year_group=6).order_by("school__urn", "mis_id")[
        :120
    ]
    consent_services.event_add_pupils(by=director, event=event, pupils=list(attending))
    approvals_demo.seed_demo_records(_SchoolPeople(trust, schools[:1]))
