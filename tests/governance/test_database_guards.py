"""The database guards the append-only tables itself: the application's own PostgreSQL role cannot
change, delete, truncate or switch off the guards of a record, and the embedded SQLite database
refuses changes and deletions the same way. Raw SQL throughout: the models' own refusals are
tested in tests/governance/test_audit.py and tests/consent/test_services.py."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.roles import Role
from consent.models import ConsentAnswer, Purpose
from consent.services import consent_erase
from core.audit import audit_record
from core.erasure import erase_append_only_rows
from core.models import AuditEntry
from governance.db_roles import RoleRefused, grant_app_role
from incidents.models import Incident
from tests.celery_worker import unavailable
from tests.consent.helpers import YES, answer
from tests.incidents.helpers import report
from tests.sqlite_migrated import migrate_sqlite

pytestmark = pytest.mark.django_db

# Both roles are made inside each test's transaction, so its rollback removes them again (a run
# against another database at the same moment waits for the name instead of failing).
APP_ROLE = "portal_app_test"
OWNER_ROLE = "portal_owner_test"
APPEND_ONLY = ["governance_auditentry", "consent_consentanswer"]
REFUSED_BY_PRIVILEGES = "permission denied|must be owner"


def truncated_with(table: str) -> list[str]:
    """The table and every table referring to it: PostgreSQL refuses, before any trigger, to empty
    a table that another references unless both go (Django's flush names every table at once)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH RECURSIVE referring(oid) AS (SELECT %s::regclass::oid"
            " UNION SELECT c.conrelid FROM pg_constraint c JOIN referring r ON c.confrelid = r.oid"
            " WHERE c.contype = 'f')"
            " SELECT oid::regclass::text FROM referring",
            [table],
        )
        return [name for (name,) in cursor.fetchall()]


def truncate(table: str) -> str:
    return f"TRUNCATE {', '.join(truncated_with(table))}"


def create_role(name: str) -> None:
    """A NOLOGIN role of this name, for this test only."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            unavailable("these tests make roles and hand tables to them: connect as a superuser")
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE ROLE {name} NOLOGIN")


@contextmanager
def acting_as(role: str):
    """Run the block's statements as ``role``, as a connection of that role would."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {role}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def refused(sql: str, params=None, *, match: str) -> None:
    """The statement fails with an error matching ``match``; a savepoint keeps the test's
    transaction usable for the next statement."""
    with pytest.raises(DatabaseError, match=match), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - a table name of this module
        return cursor.fetchone()[0]


@pytest.fixture
def app_role(db):
    """The application's role as production has it: granted by governance.db_roles, owning nothing."""
    create_role(APP_ROLE)
    grant_app_role(APP_ROLE)
    return APP_ROLE


@pytest.fixture
def records(personas):
    """One row in each append-only table, and an ordinary record (an incident)."""
    staff = personas.a[Role.STAFF]
    incident = report(staff, personas.a.school)
    entry = audit_record(verb=AuditEntry.Verb.VIEW, obj=incident, actor=staff)
    (consent,) = answer(personas.a[Role.PARENT], personas.a.child, {Purpose.SCHOOL_SOCIAL_MEDIA: YES})
    with connection.cursor() as cursor:
        # Check the new rows' foreign keys now, not at a commit that never comes: PostgreSQL
        # refuses to TRUNCATE a table with checks pending, before any trigger could speak.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    return {
        "governance_auditentry": entry.pk,
        "consent_consentanswer": consent.pk,
        "incident": incident,
    }


# --- PostgreSQL: the application's role -----------------------------------------------------------


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_the_application_role_cannot_truncate_a_record_table(app_role, records, table):
    with acting_as(app_role):
        refused(truncate(table), match=REFUSED_BY_PRIVILEGES)
    assert count(table) > 0


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER TABLE governance_auditentry DISABLE TRIGGER ALL",
        "ALTER TABLE governance_auditentry DISABLE TRIGGER USER",
        "ALTER TABLE governance_auditentry DISABLE TRIGGER governance_auditentry_append_only",
        "ALTER TABLE governance_auditentry DISABLE TRIGGER governance_auditentry_refuse_truncate",
        "ALTER TABLE consent_consentanswer DISABLE TRIGGER ALL",
        "ALTER TABLE consent_consentanswer DISABLE TRIGGER consent_consentanswer_append_only",
        "ALTER TABLE consent_consentanswer DISABLE TRIGGER consent_consentanswer_refuse_truncate",
        "DROP TRIGGER governance_auditentry_append_only ON governance_auditentry",
        "DROP TRIGGER consent_consentanswer_refuse_truncate ON consent_consentanswer",
        # Replacing the trigger's function with one that lets everything through.
        "CREATE OR REPLACE FUNCTION governance_audit_append_only() RETURNS trigger"
        " AS $$ BEGIN RETURN OLD; END; $$ LANGUAGE plpgsql",
        "ALTER TABLE governance_auditentry OWNER TO portal_app_test",
        # Replica mode fires no ordinary trigger at all.
        "SET session_replication_role = replica",
    ],
)
def test_the_application_role_cannot_switch_the_guards_off(app_role, sql):
    with acting_as(app_role):
        refused(sql, match=REFUSED_BY_PRIVILEGES)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'O'"
            " AND tgrelid IN ('governance_auditentry'::regclass, 'consent_consentanswer'::regclass)"
        )
        assert cursor.fetchone() == (4,), "each table keeps its row and TRUNCATE triggers, switched on"


@pytest.mark.parametrize(
    ("sql", "match"),
    [
        ("UPDATE governance_auditentry SET object_repr = 'tampered' WHERE id = %s", REFUSED_BY_PRIVILEGES),
        ("DELETE FROM governance_auditentry WHERE id = %s", REFUSED_BY_PRIVILEGES),
        ("UPDATE consent_consentanswer SET decision = 'refused' WHERE id = %s", REFUSED_BY_PRIVILEGES),
        # Erasure needs DELETE, so the role holds it; the row trigger refuses any other deletion.
        ("DELETE FROM consent_consentanswer WHERE id = %s", "append-only"),
    ],
)
def test_the_application_role_cannot_change_or_delete_a_record(app_role, records, sql, match):
    table = sql.split()[1] if sql.startswith("UPDATE") else sql.split()[2]
    with acting_as(app_role):
        refused(sql, [records[table]], match=match)
    assert count(table) > 0
    assert not AuditEntry.objects.filter(object_repr="tampered").exists()


def test_the_application_role_reads_and_writes_ordinary_records(app_role, personas, records):
    staff, dsl = personas.a[Role.STAFF], personas.a[Role.DSL]
    incident = records["incident"]
    with acting_as(app_role):
        # A whole service: the incident, its audit entry, notifications, all written as the app.
        filed = report(staff, personas.a.school)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE incidents_incident SET description = 'Changed' WHERE id = %s", [incident.pk]
            )
            assert cursor.rowcount == 1
        Incident.objects.filter(pk=filed.pk).update(description="Also updated")
        entry = audit_record(verb=AuditEntry.Verb.VIEW, obj=filed, actor=dsl)
        assert AuditEntry.objects.filter(pk=entry.pk).exists()
        answer(personas.a[Role.PARENT], personas.a.child, {Purpose.PRESS_AND_MEDIA: YES})
    assert Incident.objects.get(pk=incident.pk).description == "Changed"
    assert Incident.objects.get(pk=filed.pk).description == "Also updated"


def test_the_application_role_erases_consent_on_request(app_role, personas, records):
    pupil = personas.a.child
    with acting_as(app_role):
        erased = consent_erase(by=personas[Role.DATA_PROTECTION_OFFICER], pupil=pupil)
    assert erased == 1
    assert not ConsentAnswer.objects.filter(pupil=pupil).exists()


def test_the_application_role_erases_audit_entries_only_through_the_narrow_path(app_role, records):
    """No UPDATE on the audit log, even with the erasure setting raised by hand; the owner's
    function blanks the personal columns of the entries it is given, and nothing else."""
    entry = AuditEntry.objects.get(pk=records["governance_auditentry"])
    with acting_as(app_role):
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('portal.erasure', 'on', true)")
        refused(
            "UPDATE governance_auditentry SET object_repr = 'x' WHERE id = %s",
            [entry.pk],
            match=REFUSED_BY_PRIVILEGES,
        )
        assert erase_append_only_rows(kind="audit_entry", ids=[entry.pk]) == 1
    erased = AuditEntry.objects.get(pk=entry.pk)
    assert erased.object_repr == "(erased)" and erased.changes == {}
    assert (erased.actor_id, erased.verb, erased.object_id, erased.at) == (
        entry.actor_id,
        entry.verb,
        entry.object_id,
        entry.at,
    )


def test_a_table_a_later_migration_makes_is_the_application_s_too(app_role):
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE governance_later (id bigint GENERATED BY DEFAULT AS IDENTITY, note text)"
        )
    with acting_as(app_role), connection.cursor() as cursor:
        cursor.execute("INSERT INTO governance_later (note) VALUES ('new') RETURNING id")
        cursor.execute("UPDATE governance_later SET note = 'changed'")
        cursor.execute("SELECT note FROM governance_later")
        assert cursor.fetchone() == ("changed",)


# --- PostgreSQL: the trigger itself, for roles holding the privilege --------------------------------


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_the_trigger_refuses_truncate_to_a_role_granted_it_by_mistake(app_role, records, table):
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT TRUNCATE ON {', '.join(truncated_with(table))} TO {APP_ROLE}")
    with acting_as(app_role):
        # Even a role that says it is allowed: only the owner may.
        with connection.cursor() as cursor:
            cursor.execute("SET portal.allow_truncate = 'on'")
        refused(truncate(table), match="append-only: TRUNCATE is refused")
    assert count(table) > 0


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_the_owner_may_truncate_only_after_saying_so(records, table):
    """The role that runs migrations (not a superuser in production) is refused a stray TRUNCATE,
    as of ``manage.py flush`` against the wrong database; it passes once it sets the flag."""
    create_role(OWNER_ROLE)
    with connection.cursor() as cursor:
        for owned in truncated_with(table):
            cursor.execute(f"ALTER TABLE {owned} OWNER TO {OWNER_ROLE}")
    with acting_as(OWNER_ROLE):
        refused(truncate(table), match="append-only: TRUNCATE is refused")
        assert count(table) > 0
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL portal.allow_truncate = 'on'")
            cursor.execute(truncate(table))
        assert count(table) == 0


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_a_superuser_may_truncate_as_the_test_suite_flush_does(records, table):
    """A superuser can switch any trigger off, so the guard does not pretend to stop one; the
    suite connects as one and Django's flush empties every table with TRUNCATE between
    transactional tests (test_worker.py, the browser journeys)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            unavailable("the test suite's flush relies on connecting as a superuser")
        cursor.execute(truncate(table))
    assert count(table) == 0


# --- PostgreSQL: granting ----------------------------------------------------------------------


def test_the_grant_refuses_a_role_that_could_switch_the_guards_off(db):
    create_role(OWNER_ROLE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (superuser,) = cursor.fetchone()
        cursor.execute(f"ALTER TABLE governance_auditentry OWNER TO {OWNER_ROLE}")
    with pytest.raises(RoleRefused, match="is or may become a superuser"):
        grant_app_role(superuser)
    with pytest.raises(RoleRefused, match="owns the tables"):
        grant_app_role(OWNER_ROLE)
    create_role(APP_ROLE)
    with connection.cursor() as cursor:
        # Before PostgreSQL 16, CREATEROLE could grant itself the owner's role.
        cursor.execute(f"ALTER ROLE {APP_ROLE} CREATEROLE BYPASSRLS")
    with pytest.raises(RoleRefused, match="has CREATEROLE; bypasses row-level security"):
        grant_app_role(APP_ROLE)
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER ROLE {APP_ROLE} NOCREATEROLE NOBYPASSRLS")
        # A member of a superuser role may SET ROLE to it.
        cursor.execute(f"GRANT {superuser} TO {APP_ROLE}")
    with pytest.raises(RoleRefused, match="is or may become a superuser"):
        grant_app_role(APP_ROLE)
    with pytest.raises(RoleRefused, match="There is no role"):
        grant_app_role(f"portal_missing_{uuid.uuid4().hex[:8]}")


def test_the_grant_fails_when_the_role_could_change_a_record_another_way(db):
    create_role(APP_ROLE)
    with connection.cursor() as cursor:
        # One column is enough to rewrite history.
        cursor.execute("GRANT UPDATE (object_repr) ON governance_auditentry TO PUBLIC")
    with pytest.raises(RoleRefused, match="can UPDATE governance_auditentry"):
        grant_app_role(APP_ROLE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT has_table_privilege(%s, 'incidents_incident', 'UPDATE')", [APP_ROLE])
        assert cursor.fetchone() == (False,), "a refused grant leaves nothing granted"


def test_the_command_grants_and_names_what_it_kept_back(db, capsys):
    create_role(APP_ROLE)
    call_command("grant_app_role", APP_ROLE)
    assert "governance_auditentry: SELECT, INSERT only" in capsys.readouterr().out
    with pytest.raises(CommandError, match="There is no role"):
        call_command("grant_app_role", "portal_no_such_role")


# --- SQLite: the embedded default of make run -------------------------------------------------------

SQLITE_AUDIT_ROW = (
    "INSERT INTO governance_auditentry (at, actor_label, verb, object_type, object_id, object_repr,"
    " changes, user_agent, path) VALUES (?, '', 'view', 'incidents.incident', '1', 'A concern', '{}', '', '')"
)
SQLITE_CONSENT_ROW = (
    "INSERT INTO consent_consentanswer (id, pupil_id, school_id, academic_year, purpose, decision,"
    " restrictions, parent_id, method, entered_by_id, note, recorded_at)"
    " VALUES (?, 1, 1, '2025/26', 'school_social_media', 'given', '[]', 1, 'parent_online', 1, '', ?)"
)


@pytest.fixture(scope="module")
def sqlite_database(tmp_path_factory) -> Path:
    """A SQLite file migrated by ``manage.py migrate`` as ``make run`` does (once per module: the
    migration takes seconds)."""
    return migrate_sqlite(tmp_path_factory.mktemp("sqlite"))


@contextmanager
def sqlite_rows(path: Path):
    """A connection to the SQLite file holding one audit entry and one consent answer, all undone
    at the end."""
    database = sqlite3.connect(path, isolation_level=None)
    try:
        database.execute("BEGIN")
        now = timezone.now().isoformat()
        audit_id = database.execute(SQLITE_AUDIT_ROW, [now]).lastrowid
        consent_id = uuid.uuid4().hex
        database.execute(SQLITE_CONSENT_ROW, [consent_id, now])
        yield database, {"governance_auditentry": audit_id, "consent_consentanswer": consent_id}
    finally:
        database.execute("ROLLBACK")
        database.close()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE governance_auditentry SET object_repr = 'tampered' WHERE id = ?",
        "DELETE FROM governance_auditentry WHERE id = ?",
        "DELETE FROM governance_auditentry WHERE id = ? OR 1",
        "UPDATE consent_consentanswer SET decision = 'refused' WHERE id = ?",
        "DELETE FROM consent_consentanswer WHERE id = ?",
        "DELETE FROM consent_consentanswer WHERE id = ? OR 1",
    ],
)
def test_sqlite_refuses_to_change_or_delete_a_record(sqlite_database, sql):
    table = sql.split()[1] if sql.startswith("UPDATE") else sql.split()[2]
    with sqlite_rows(sqlite_database) as (database, ids):
        with pytest.raises(sqlite3.DatabaseError, match=f"{table} is append-only"):
            database.execute(sql, [ids[table]])
        assert database.execute(f"SELECT count(*) FROM {table}").fetchone() == (1,)  # noqa: S608


def test_sqlite_deletes_consent_answers_only_inside_an_erasure(sqlite_database):
    with sqlite_rows(sqlite_database) as (database, ids):
        # What an erasure does on SQLite, as set_config('portal.consent_erasure') on PostgreSQL.
        database.execute("INSERT INTO consent_erasure_in_progress DEFAULT VALUES")
        database.execute("DELETE FROM consent_consentanswer WHERE id = ?", [ids["consent_consentanswer"]])
        database.execute("DELETE FROM consent_erasure_in_progress")
        assert database.execute("SELECT count(*) FROM consent_consentanswer").fetchone() == (0,)
        # The audit log has no such exception.
        database.execute("INSERT INTO consent_erasure_in_progress DEFAULT VALUES")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            database.execute("DELETE FROM governance_auditentry")


ERASE_ON_SQLITE = """
from accounts.models import Pupil, User
from consent.models import ConsentAnswer
from consent.services.answers import consent_erase

pupil = next(p for p in Pupil.objects.all() if ConsentAnswer.objects.filter(pupil=p).exists())
officer = User.objects.get(memberships__role="data_protection_officer")
print(consent_erase(by=officer, pupil=pupil), ConsentAnswer.objects.filter(pupil=pupil).count())
"""


@pytest.mark.slow
def test_an_erasure_through_the_service_works_on_sqlite(sqlite_database, tmp_path):
    """The service raises the flag the SQLite trigger reads: the demo's erasure really erases."""
    copy = tmp_path / "erase.sqlite3"
    shutil.copy(sqlite_database, copy)
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{copy}",
        "DJANGO_DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "PORTAL_VAR_DIR": str(tmp_path),
    }

    def manage(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
        )

    seeded = manage("seed_demo")
    assert seeded.returncode == 0, seeded.stderr
    erased = manage("shell", "-c", ERASE_ON_SQLITE)
    assert erased.returncode == 0, erased.stderr
    count, left = (int(n) for n in erased.stdout.strip().splitlines()[-1].split())
    assert count > 0 and left == 0
