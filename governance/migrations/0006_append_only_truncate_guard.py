"""The audit log refuses TRUNCATE as well as UPDATE and DELETE, and on SQLite too.

PostgreSQL: 0002's row trigger stops UPDATE and DELETE, but TRUNCATE fires no row trigger, so a
statement trigger refuses it. Who may still empty the table, and why:
- A superuser. It can silence any trigger (``session_replication_role``), so refusing it would
  protect nothing; and the test suite connects as one, emptying every table with TRUNCATE after
  each transactional test (Django's ``flush``, which has no way to say it is a test).
- The role that owns the table (the one that runs migrations), only after saying so for its own
  session: ``SET portal.allow_truncate = 'on'`` (``PGOPTIONS='-c portal.allow_truncate=on'`` for a
  test run connected as a non-superuser owner). A stray ``manage.py flush`` against production
  fails. The owner could drop the trigger instead; this guards against accidents, not the owner.
- Nobody else, even with TRUNCATE granted by mistake. The application's own role (portal_app;
  governance/db_roles.py grants it) has no TRUNCATE privilege either, and as it owns nothing it can
  neither disable nor drop the triggers.

SQLite (the embedded default of ``make run``) has no roles, no TRUNCATE and no session settings:
its triggers simply refuse every UPDATE and DELETE (a DELETE without WHERE fires them row by row).
Django rebuilds a SQLite table to alter most columns, which drops its triggers: a later migration
that alters this table must create them again (tests/governance/test_database_guards.py migrates a
fresh SQLite file and would notice)."""

from django.db import migrations

POSTGRES_CREATE = """
CREATE OR REPLACE FUNCTION governance_audit_refuse_truncate() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user AND rolsuper) THEN
    RETURN NULL;
  END IF;
  IF current_setting('portal.allow_truncate', true) = 'on'
     AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE') THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION 'governance_auditentry is append-only: TRUNCATE is refused';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER governance_auditentry_refuse_truncate
  BEFORE TRUNCATE ON governance_auditentry
  FOR EACH STATEMENT EXECUTE FUNCTION governance_audit_refuse_truncate();
"""
POSTGRES_DROP = """
DROP TRIGGER IF EXISTS governance_auditentry_refuse_truncate ON governance_auditentry;
DROP FUNCTION IF EXISTS governance_audit_refuse_truncate();
"""

SQLITE_CREATE = [
    """
    CREATE TRIGGER governance_auditentry_refuse_update BEFORE UPDATE ON governance_auditentry
    BEGIN SELECT RAISE(ABORT, 'governance_auditentry is append-only'); END
    """,
    """
    CREATE TRIGGER governance_auditentry_refuse_delete BEFORE DELETE ON governance_auditentry
    BEGIN SELECT RAISE(ABORT, 'governance_auditentry is append-only'); END
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS governance_auditentry_refuse_update",
    "DROP TRIGGER IF EXISTS governance_auditentry_refuse_delete",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_CREATE)
    elif vendor == "sqlite":
        # One statement per call: the SQLite driver refuses several at once.
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP)
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("governance", "0005_auditentry_composite_indexes_only")]
    operations = [migrations.RunPython(forwards, backwards)]
