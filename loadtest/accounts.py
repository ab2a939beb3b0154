"""Pick the people the load test signs in as, and write them to a JSON file for locust.

    python -m loadtest.accounts OUT.json [--per-pool 200] [--trust NAME]

Reads the trust-scale data (made by ``python -m benchmarks --seed-only``, which scripts/load-test
runs first, through seed_scale): every person there has the demo password, and the privileged roles
have a confirmed authenticator whose key is read here from the database, as a phone would hold it.
People are spread over the trust's schools, one school after another, so the simulated users work
in different schools. Nothing is written to the database.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from collections import defaultdict
from pathlib import Path

POOLS = {
    "dsl": ("dsl", "deputy_dsl"),
    "trust_safeguarding_lead": ("trust_safeguarding_lead",),
    "staff": ("staff",),
    "marketing_officer": ("marketing_officer",),
    "parent": ("parent",),
}


def setup_django() -> None:
    """Load the portal's settings (the same environment gunicorn runs with)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()


def dashboard_roles() -> tuple[str, ...]:
    """Trust-wide roles that open the trust dashboard, other than the safeguarding lead's own pool."""
    from accounts.roles import ROLE_ACTIONS, TRUST_ROLES, Action, Role

    wanted = {Action.VIEW_DASHBOARD, Action.VIEW_AGGREGATES}
    return tuple(
        sorted(
            role
            for role in TRUST_ROLES
            if role != Role.TRUST_SAFEGUARDING_LEAD and ROLE_ACTIONS[role] & wanted
        )
    )


def pick_trust(name: str | None):
    """The trust named, or the one with the most schools (the trust-scale data)."""
    from django.db.models import Count

    from accounts.models import Trust

    trusts = Trust.objects.annotate(n=Count("schools")).order_by("-n", "name")
    trust = trusts.filter(name=name).first() if name else trusts.first()
    if trust is None:
        raise SystemExit(
            f"No trust {'named ' + repr(name) if name else 'at all'}: run python -m benchmarks --seed-only."
        )
    return trust


def spread(rows: list[tuple[int, object]], count: int, rng: secrets.SystemRandom) -> list[int]:
    """Up to count user ids, taking one from each school in turn (schools in random order)."""
    by_school: dict[object, list[int]] = defaultdict(list)
    for user_id, school_id in rows:
        by_school[school_id].append(user_id)
    schools = list(by_school)
    rng.shuffle(schools)
    for ids in by_school.values():
        rng.shuffle(ids)
    picked: list[int] = []
    seen: set[int] = set()
    while len(picked) < count and any(by_school[s] for s in schools):
        for school in schools:
            while by_school[school]:
                user_id = by_school[school].pop()
                if user_id not in seen:
                    seen.add(user_id)
                    picked.append(user_id)
                    break
            if len(picked) >= count:
                break
    return picked


def pool(trust, roles: tuple[str, ...], count: int, password: str, rng: secrets.SystemRandom) -> list[dict]:
    """People holding one of these roles in the trust, able to sign in, with their authenticator."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import Membership, User
    from accounts.roles import TWO_FACTOR_ROLES

    rows = list(
        Membership.objects.filter(trust=trust, role__in=roles, user__is_active=True).values_list(
            "user_id", "school_id"
        )
    )
    ids = spread(rows, count, rng)
    users = {u.pk: u for u in User.objects.filter(pk__in=ids).only("pk", "email", "password")}
    devices = {
        d.user_id: d
        for d in TOTPDevice.objects.filter(user_id__in=ids, confirmed=True).order_by("user_id", "pk")
    }
    schools = dict(rows)
    needs_device = bool(set(roles) & TWO_FACTOR_ROLES)
    people = []
    for user_id in ids:
        user, device = users[user_id], devices.get(user_id)
        if not user.has_usable_password() or (needs_device and device is None):
            continue
        people.append(
            {
                "email": user.email,
                "school": str(schools[user_id]) if schools[user_id] else "",
                "totp_key": device.key if device else "",
                "last_t": device.last_t if device else -1,
            }
        )
    # One check of the password per pool: the demo password must still open these accounts.
    if people and not User.objects.get(email=people[0]["email"]).check_password(password):
        raise SystemExit(
            f"{people[0]['email']} does not have the demo password: seed again with python -m benchmarks "
            "--reseed --seed-only."
        )
    return people


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--per-pool", type=int, default=200)
    parser.add_argument("--trust")
    args = parser.parse_args(argv)
    setup_django()
    from accounts.demo import DEMO_PASSWORD

    rng = secrets.SystemRandom()
    trust = pick_trust(args.trust)
    pools = {**POOLS, "trust_dashboard": dashboard_roles()}
    result = {name: pool(trust, roles, args.per_pool, DEMO_PASSWORD, rng) for name, roles in pools.items()}
    empty = [name for name, people in result.items() if not people]
    if empty:
        print(f"No one to sign in as for: {', '.join(empty)}", file=sys.stderr)
        return 1
    # The file holds a password and authenticator keys: readable by this user only.
    fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump({"trust": trust.name, "password": DEMO_PASSWORD, "pools": result}, out)
    counts = ", ".join(f"{name} {len(people)}" for name, people in result.items())
    print(f"Accounts of {trust.name}: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
