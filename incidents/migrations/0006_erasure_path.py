"""Erasure reaches the court-safe record through the one narrow path (governance/migrations/0011,
core/erasure.py): incident events, takedown steps and evidence rows still refuse every DELETE, and
every UPDATE except one made while ``portal.erasure`` is on, which only ``portal_erase_rows`` (a
function owned by the migrating role, blanking the personal columns it declares for ids it is
given) turns on, for its own statement. The application's role has no UPDATE privilege on these
tables, so setting the flag itself opens nothing.

SQLite: the update triggers let an update through only while a row of
``portal_erasure_in_progress`` exists (core.erasure adds it for the length of the update)."""

from django.db import migrations

TABLES = ("incidents_incidentevent", "incidents_takedownstep", "incidents_evidence")

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION incidents_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND current_setting('portal.erasure', true) = 'on' THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""
POSTGRES_FUNCTION_BEFORE = """
CREATE OR REPLACE FUNCTION incidents_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""

SQLITE_FORWARDS = [
    "CREATE TABLE IF NOT EXISTS portal_erasure_in_progress (id INTEGER PRIMARY KEY)",
    "DROP TRIGGER IF EXISTS {table}_refuse_update",
    """
    CREATE TRIGGER {table}_refuse_update BEFORE UPDATE ON {table}
    WHEN NOT EXISTS (SELECT 1 FROM portal_erasure_in_progress)
    BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END
    """,
]
SQLITE_BACKWARDS = [
    "DROP TRIGGER IF EXISTS {table}_refuse_update",
    """
    CREATE TRIGGER {table}_refuse_update BEFORE UPDATE ON {table}
    BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END
    """,
]


def _run(schema_editor, postgres: str, sqlite: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # No parameters: "%" in the function is PL/pgSQL's own placeholder, not the driver's.
        schema_editor.execute(postgres, params=None)
    elif vendor == "sqlite":
        for table in TABLES:
            for statement in sqlite:
                schema_editor.execute(statement.format(table=table))


def forwards(apps, schema_editor):
    _run(schema_editor, POSTGRES_FUNCTION, SQLITE_FORWARDS)


def backwards(apps, schema_editor):
    _run(schema_editor, POSTGRES_FUNCTION_BEFORE, SQLITE_BACKWARDS)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0005_first_response_ladder")]
    operations = [migrations.RunPython(forwards, backwards)]
