"""No demo logins on a real deployment: the seeds refuse DEBUG off, the demo's two-factor keys are
random per database, and ``check --deploy`` fails while seeded people exist."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.checks import check_no_demo_logins, seeded_people
from accounts.models import Trust, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FLAG = "--allow-on-production-database"
TINY_SCALE = ("--schools", "1", "--pupils", "12", "--staff", "6", "--trust-name", "Tiny Trust")


def seed(command: str, *args: str, debug: bool = True) -> str:
    out = StringIO()
    with override_settings(DEBUG=debug):
        call_command(command, *args, stdout=out)
    return out.getvalue()


def demo_secrets() -> dict[str, str]:
    logins = json.loads(seed("seed_demo", "--json"))
    return {item["email"]: item["totp_secret"] for item in logins if "totp_secret" in item}


def key_of(secret: str) -> bytes:
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


def email_derived_key(email: str) -> bytes:
    """The key the demo used to derive from each address (before this guard), anyone could compute."""
    return hmac.new(b"northfield-portal-demo-totp-v1", email.strip().lower().encode(), hashlib.sha1).digest()


def deploy_errors() -> list[str]:
    return [message.id for message in run_checks(include_deployment_checks=True) if message.is_serious()]


# --- the seeds refuse a production-configured database -------------------------------------------


@pytest.mark.parametrize("command", [("seed_demo",), ("seed_scale", *TINY_SCALE)], ids=["demo", "scale"])
def test_a_seed_refuses_to_run_with_debug_off(command):
    with pytest.raises(CommandError) as refused:
        seed(*command, debug=False)

    message = str(refused.value)
    assert "DEBUG off" in message and "DJANGO_DEBUG=true" in message and FLAG in message
    assert not Trust.objects.exists()
    assert not User.objects.exists()


def test_the_demo_names_who_it_would_create_when_it_refuses():
    with pytest.raises(CommandError, match="trust safeguarding lead, the CEO and the data protection"):
        seed("seed_demo", debug=False)


@pytest.mark.parametrize(
    ("command", "trust"),
    [(("seed_demo",), "Northfield Learning Trust"), (("seed_scale", *TINY_SCALE), "Tiny Trust")],
    ids=["demo", "scale"],
)
def test_a_seed_runs_with_debug_off_when_told_plainly(command, trust):
    seed(*command, FLAG, debug=False)

    assert Trust.objects.filter(name=trust).exists()


# --- two-factor keys are random per database ------------------------------------------------------


def test_demo_secrets_are_random_and_a_fresh_database_gets_new_ones():
    first = demo_secrets()
    assert first  # otherwise every check below holds of nothing
    assert len(set(first.values())) == len(first)
    for email, secret in first.items():
        assert key_of(secret) != email_derived_key(email), email

    # A database seeded afresh: its devices are made again, with keys of their own.
    TOTPDevice.objects.all().delete()
    second = demo_secrets()

    assert second.keys() == first.keys()
    assert all(second[email] != first[email] for email in first)


def test_demo_secrets_printed_are_the_ones_stored():
    secrets_printed = demo_secrets()
    assert secrets_printed

    for email, secret in secrets_printed.items():
        assert key_of(secret) == TOTPDevice.objects.get(user__email=email, confirmed=True).bin_key
    # The table (not only --json) prints them too.
    table = seed("seed_demo")
    assert all(secret in table for secret in secrets_printed.values())


def test_scale_keys_are_random_not_derived_from_the_address():
    seed("seed_scale", *TINY_SCALE)

    devices = list(TOTPDevice.objects.select_related("user"))
    assert devices
    assert len({device.key for device in devices}) == len(devices)
    for device in devices:
        assert device.bin_key != email_derived_key(device.user.email)


# --- manage.py check --deploy ---------------------------------------------------------------------


def test_deploy_check_fails_while_demo_people_exist_with_debug_off():
    seed("seed_demo")

    assert "accounts.E001" in deploy_errors()
    [error] = check_no_demo_logins()
    assert "seed_demo" in error.msg and "ceo@northfield.demo.example" in error.msg
    # Only the deployment checks ask the database: runserver and migrate run the others.
    assert "accounts.E001" not in [message.id for message in run_checks()]


def test_deploy_check_fails_for_scale_people_too():
    seed("seed_scale", *TINY_SCALE)

    assert "accounts.E001" in deploy_errors()


def test_deploy_check_passes_without_demo_people():
    UserFactory()  # someone real (an address not from either seed)

    assert check_no_demo_logins() == []
    assert "accounts.E001" not in deploy_errors()


def test_deploy_check_leaves_a_development_machine_alone():
    seed("seed_demo")

    with override_settings(DEBUG=True):
        assert check_no_demo_logins() == []


def test_the_check_recognises_everyone_the_seeds_create():
    seed("seed_demo")
    seed("seed_scale", *TINY_SCALE)

    seeded = seeded_people()
    assert seeded.people == User.objects.count()
    assert seeded.logins == len([user for user in User.objects.all() if user.has_usable_password()])


# --- before migrate: nothing to ask ---------------------------------------------------------------


def check_deploy(tmp_path, database_url: str) -> subprocess.CompletedProcess:
    """``make check-deploy``: production-like settings, in a process of its own."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "portal.example",
        "DATABASE_URL": database_url,
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
    }
    env.pop("CELERY_BROKER_URL", None)
    # The browser tests allow Django's ORM in Playwright's event loop for their own process; a
    # deployment never does, and the check says so.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_deploy_check_passes_where_no_database_exists_yet_and_creates_none(tmp_path):
    missing = tmp_path / "missing.sqlite3"

    result = check_deploy(tmp_path, f"sqlite:///{missing}")

    assert result.returncode == 0, result.stderr
    assert not missing.exists()


@pytest.mark.slow
def test_deploy_check_passes_on_a_database_not_migrated_yet(tmp_path):
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()

    result = check_deploy(tmp_path, f"sqlite:///{empty}")

    assert result.returncode == 0, result.stderr
