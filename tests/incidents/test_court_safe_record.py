"""The incidents' court-safe record: incident events, takedown steps and evidence rows cannot be
changed or deleted by any SQL, whether the portal's own role, a raw cursor or the embedded SQLite
database runs it. Raw SQL throughout: the models' own refusals are a second line only."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction

from accounts.roles import Role
from core.models import AppendOnlyError
from governance.db_roles import grant_app_role
from incidents import services
from incidents.models import Evidence, IncidentEvent, TakedownStep
from tests.governance.test_database_guards import acting_as, count, create_role, truncate, truncated_with
from tests.incidents.helpers import png, report
from tests.sqlite_migrated import migrate_sqlite

pytestmark = pytest.mark.django_db

APP_ROLE = "portal_app_test"
# The column each table's UPDATE tries to rewrite.
COLUMNS = {
    "incidents_incidentevent": "text",
    "incidents_takedownstep": "reference",
    "incidents_evidence": "sha256",
}
CHANGES = {
    table: f"UPDATE {table} SET {column} = 'tampered' WHERE id = %s"  # noqa: S608 - names of this module
    for table, column in COLUMNS.items()
}
TABLES = list(CHANGES)


@pytest.fixture
def rows(personas) -> dict:
    """One row in each table of the record, made by the real services."""
    dsl = personas.a[Role.DSL]
    incident = report(personas.a[Role.STAFF], personas.a.school, evidence_files=[png()])
    takedown = services.takedown_open(user=dsl, incident=incident, content_url="https://example.com/post/1")
    with connection.cursor() as cursor:
        # Foreign keys checked now, not at a commit that never comes: PostgreSQL refuses to
        # TRUNCATE or hand over a table with checks pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    return {
        "incidents_incidentevent": IncidentEvent.objects.filter(incident=incident).first().pk,
        "incidents_takedownstep": TakedownStep.objects.filter(takedown=takedown).first().pk,
        "incidents_evidence": Evidence.objects.get(incident=incident).pk,
    }


def refused(sql: str, params=None, *, match: str) -> None:
    with pytest.raises(DatabaseError, match=match), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize("table", TABLES)
def test_raw_sql_cannot_change_a_row(rows, table):
    refused(CHANGES[table], [rows[table]], match=f"{table} is append-only")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE {COLUMNS[table]} = 'tampered'")  # noqa: S608
        assert cursor.fetchone() == (0,)


@pytest.mark.parametrize("table", TABLES)
def test_raw_sql_cannot_delete_a_row_or_all_of_them(rows, table):
    before = count(table)
    refused(f"DELETE FROM {table} WHERE id = %s", [rows[table]], match=f"{table} is append-only")  # noqa: S608
    refused(f"DELETE FROM {table}", match=f"{table} is append-only")  # noqa: S608
    assert count(table) == before > 0


@pytest.mark.parametrize("table", TABLES)
def test_the_application_role_cannot_change_delete_or_truncate(rows, table):
    create_role(APP_ROLE)
    grant_app_role(APP_ROLE)
    with acting_as(APP_ROLE):
        refused(CHANGES[table], [rows[table]], match="permission denied")
        refused(f"DELETE FROM {table} WHERE id = %s", [rows[table]], match="permission denied")  # noqa: S608
        refused(truncate(table), match="permission denied")
        refused(f"ALTER TABLE {table} DISABLE TRIGGER ALL", match="must be owner")
    assert count(table) > 0


@pytest.mark.parametrize("table", TABLES)
def test_the_owner_may_truncate_only_after_saying_so(rows, table):
    owner = "portal_owner_test"
    create_role(owner)
    with connection.cursor() as cursor:
        for name in truncated_with(table):
            cursor.execute(f"ALTER TABLE {name} OWNER TO {owner}")
    with acting_as(owner):
        refused(truncate(table), match=f"{table} is append-only: TRUNCATE is refused")
        assert count(table) > 0
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL portal.allow_truncate = 'on'")
            cursor.execute(truncate(table))
        assert count(table) == 0


def test_the_application_role_still_adds_to_the_record(personas, rows):
    """The legitimate path: a report with evidence, a takedown and its steps, as the app's role."""
    create_role(APP_ROLE)
    grant_app_role(APP_ROLE)
    dsl = personas.a[Role.DSL]
    with acting_as(APP_ROLE):
        incident = report(personas.a[Role.STAFF], personas.a.school, evidence_files=[png()])
        services.incident_add_note(user=dsl, incident=incident, text="Spoke to the pupil")
        takedown = services.takedown_open(user=dsl, incident=incident, content_url="https://example.com/p/2")
        services.takedown_report_police(user=dsl, takedown=takedown, consent_given=True, reference="CAD-1")
    assert incident.events.count() >= 3
    assert takedown.steps.filter(type=TakedownStep.Type.REPORTED_POLICE).exists()
    assert incident.evidence.count() == 1


def test_the_models_refuse_too(rows):
    evidence = Evidence.objects.get(pk=rows["incidents_evidence"])
    evidence.original_name = "renamed.png"
    with pytest.raises(AppendOnlyError):
        evidence.save()
    with pytest.raises(AppendOnlyError):
        Evidence.objects.filter(pk=evidence.pk).update(sha256="0" * 64)
    with pytest.raises(AppendOnlyError):
        evidence.delete()


# --- SQLite: the embedded default of make run -------------------------------------------------------


@pytest.fixture(scope="module")
def sqlite_database(tmp_path_factory) -> Path:
    """A SQLite file migrated by ``manage.py migrate`` as ``make run`` does."""
    return migrate_sqlite(tmp_path_factory.mktemp("sqlite"))


@contextmanager
def sqlite_transaction(path: Path):
    database = sqlite3.connect(path, isolation_level=None)
    try:
        database.execute("BEGIN")
        yield database
    finally:
        database.execute("ROLLBACK")
        database.close()


SQLITE_ROWS = {
    "incidents_incidentevent": (
        "INSERT INTO incidents_incidentevent (incident_id, type, at, text, data, visible_to_reporter)"
        " VALUES ('x', 'note', '2026-01-01', 'A note', '{}', 0)"
    ),
    "incidents_takedownstep": (
        "INSERT INTO incidents_takedownstep (takedown_id, type, at, by_id, reference, note, data)"
        " VALUES ('x', 'opened', '2026-01-01', 1, '', '', '{}')"
    ),
    "incidents_evidence": (
        "INSERT INTO incidents_evidence (id, incident_id, file, original_name, content_type, size,"
        " sha256, source_url, uploaded_by_id, uploaded_at)"
        " VALUES ('e1', 'x', 'f', 'a.png', 'image/png', 1, 'h', '', 1, '2026-01-01')"
    ),
}


@pytest.mark.parametrize("table", TABLES)
def test_sqlite_refuses_to_change_or_delete_a_row(sqlite_database, table):
    with sqlite_transaction(sqlite_database) as database:
        database.execute(SQLITE_ROWS[table])
        for sql in (f"UPDATE {table} SET type = type", f"DELETE FROM {table}"):  # noqa: S608
            if table == "incidents_evidence":
                sql = sql.replace("type = type", "sha256 = 'x'")
            with pytest.raises(sqlite3.DatabaseError, match=f"{table} is append-only"):
                database.execute(sql)
        assert database.execute(f"SELECT count(*) FROM {table}").fetchone() == (1,)  # noqa: S608
