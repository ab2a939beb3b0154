"""Incident events, takedown steps and evidence rows are a court-safe record: the database itself
refuses to change or delete them, as it does for the audit log and consent answers
(governance/migrations/0002 and 0006, consent/migrations/0002 and 0003 explain the reasoning).

PostgreSQL: a row trigger refuses every UPDATE and DELETE, with no exception. A correction is a new
event pointing at the one it corrects, never an edit. A statement trigger refuses TRUNCATE except
to a superuser (which can silence any trigger, and which the test suite connects as to flush) and
to the owning role after ``SET portal.allow_truncate = 'on'``. The application's role owns nothing
and is granted only SELECT and INSERT on these tables (governance/db_roles.py).

SQLite (the embedded default of ``make run``): triggers refuse every UPDATE and DELETE. Django
rebuilds a SQLite table to alter most columns, which drops its triggers: a later migration that
alters one of these tables must create them again (tests/incidents/test_court_safe_record.py
migrates a fresh SQLite file and would notice)."""

from django.db import migrations

TABLES = ("incidents_incidentevent", "incidents_takedownstep", "incidents_evidence")

POSTGRES_FUNCTIONS = """
CREATE OR REPLACE FUNCTION incidents_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION incidents_refuse_truncate() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user AND rolsuper) THEN
    RETURN NULL;
  END IF;
  IF current_setting('portal.allow_truncate', true) = 'on'
     AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE') THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION '% is append-only: TRUNCATE is refused', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""
POSTGRES_TRIGGERS = """
CREATE TRIGGER {table}_append_only
  BEFORE UPDATE OR DELETE ON {table}
  FOR EACH ROW EXECUTE FUNCTION incidents_append_only();
CREATE TRIGGER {table}_refuse_truncate
  BEFORE TRUNCATE ON {table}
  FOR EACH STATEMENT EXECUTE FUNCTION incidents_refuse_truncate();
"""
POSTGRES_DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS {table}_append_only ON {table};
DROP TRIGGER IF EXISTS {table}_refuse_truncate ON {table};
"""
POSTGRES_DROP_FUNCTIONS = """
DROP FUNCTION IF EXISTS incidents_append_only();
DROP FUNCTION IF EXISTS incidents_refuse_truncate();
"""

SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER {table}_refuse_update BEFORE UPDATE ON {table}
    BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END
    """,
    """
    CREATE TRIGGER {table}_refuse_delete BEFORE DELETE ON {table}
    BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END
    """,
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS {table}_refuse_update", "DROP TRIGGER IF EXISTS {table}_refuse_delete"]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # No parameters: "%" in the functions is PL/pgSQL's own placeholder, not the driver's.
        schema_editor.execute(POSTGRES_FUNCTIONS, params=None)
        for table in TABLES:
            schema_editor.execute(POSTGRES_TRIGGERS.format(table=table))
    elif vendor == "sqlite":
        # One statement per call: the SQLite driver refuses several at once.
        for table in TABLES:
            for statement in SQLITE_TRIGGERS:
                schema_editor.execute(statement.format(table=table))


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(POSTGRES_DROP_TRIGGERS.format(table=table))
        schema_editor.execute(POSTGRES_DROP_FUNCTIONS)
    elif vendor == "sqlite":
        for table in TABLES:
            for statement in SQLITE_DROP:
                schema_editor.execute(statement.format(table=table))


class Migration(migrations.Migration):
    dependencies = [("incidents", "0002_platform_ages")]
    operations = [migrations.RunPython(forwards, backwards)]
