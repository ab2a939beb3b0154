"""Deployment checks of our own (``manage.py check --deploy``), registered in AccountsConfig.ready()."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core import checks
from django.db import DEFAULT_DB_ALIAS, OperationalError, ProgrammingError, connections
from django.db.models import Q

from accounts import demo
from accounts.models import User

# How many of the demo addresses the error names: enough to recognise them, not a listing.
EXAMPLES = 3


@dataclass(frozen=True)
class Seeded:
    """The people seed_demo and seed_scale made in a database."""

    people: int = 0
    logins: int = 0  # those with a usable password: the demo password
    examples: tuple[str, ...] = ()  # the first few logins' addresses


def seeded_people(alias: str = DEFAULT_DB_ALIAS) -> Seeded:
    """How many people seed_demo or seed_scale made, how many can sign in, and a few of those.

    A check runs before migrate too (``make check-deploy`` runs on an empty SQLite default), so a
    database that is missing, unreachable or has no tables yet simply has no demo people in it.
    """
    connection = connections[alias]
    if connection.vendor == "sqlite" and not connection.is_in_memory_db():
        # Connecting would create an empty file where the deployment has no database yet.
        if not Path(connection.settings_dict["NAME"]).exists():
            return Seeded()
    people = User.objects.using(alias).filter(
        Q(email__iendswith=demo.DEMO_DOMAIN_SUFFIX) | Q(email__iendswith=demo.SCALE_DOMAIN_SUFFIX)
    )
    logins = people.exclude(password__startswith=UNUSABLE_PASSWORD_PREFIX)
    try:
        return Seeded(
            people=people.count(),
            logins=logins.count(),
            examples=tuple(logins.order_by("email").values_list("email", flat=True)[:EXAMPLES]),
        )
    except (OperationalError, ProgrammingError):
        return Seeded()


def check_no_demo_logins(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """accounts.E001: demo logins (a published password) in a database that DEBUG off says is real."""
    if settings.DEBUG:
        return []  # a development machine is where the demo belongs
    if app_configs is not None and not any(config.label == "accounts" for config in app_configs):
        return []
    seeded = seeded_people()
    if not seeded.people:
        return []
    named = ", ".join(seeded.examples) + (", …" if seeded.logins > len(seeded.examples) else "")
    return [
        checks.Error(
            f"This database holds {seeded.people:,} people made by seed_demo or seed_scale, "
            f"{seeded.logins:,} of them able to sign in with the demo password printed in the README"
            + (f" ({named})." if named else "."),
            hint="Deploy on a database that was never seeded, or delete the demo trusts and their "
            "people before going live.",
            id="accounts.E001",
        )
    ]
