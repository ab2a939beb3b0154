"""Consent answers refuse TRUNCATE as well as UPDATE and DELETE, and on SQLite too.

PostgreSQL: 0002's row trigger stops UPDATE, and DELETE outside an erasure on request, but
TRUNCATE fires no row trigger, so a statement trigger refuses it (an erasure deletes one pupil's
answers; it never truncates). Who may still empty the table is the same as for the audit log
(governance/migrations/0006 explains why): a superuser, since it can silence any trigger and the
test suite connects as one to flush between transactional tests; the owning role only after
``SET portal.allow_truncate = 'on'`` for its session; nobody else. The application's own role
(portal_app) holds no TRUNCATE privilege and owns nothing, so it cannot disable the triggers.

SQLite (the embedded default of ``make run``) has no TRUNCATE and no session settings: its
triggers refuse every UPDATE, and every DELETE (a DELETE without WHERE fires them row by row)
unless the transaction has put a row in ``consent_erasure_in_progress``, the counterpart of
PostgreSQL's ``portal.consent_erasure``. A SQLite write transaction holds the database's only
write lock and other connections see none of its rows before it commits, so a row inserted and
deleted again inside the erasure's transaction is that transaction's alone, like ``SET LOCAL``.
Django rebuilds a SQLite table to alter most columns, which drops its triggers: a later migration
that alters this table must create them again (tests/governance/test_database_guards.py migrates a
fresh SQLite file and would notice)."""

from django.db import migrations

POSTGRES_CREATE = """
CREATE OR REPLACE FUNCTION consent_answer_refuse_truncate() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user AND rolsuper) THEN
    RETURN NULL;
  END IF;
  IF current_setting('portal.allow_truncate', true) = 'on'
     AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE') THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION 'consent_consentanswer is append-only: TRUNCATE is refused';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER consent_consentanswer_refuse_truncate
  BEFORE TRUNCATE ON consent_consentanswer
  FOR EACH STATEMENT EXECUTE FUNCTION consent_answer_refuse_truncate();
"""
POSTGRES_DROP = """
DROP TRIGGER IF EXISTS consent_consentanswer_refuse_truncate ON consent_consentanswer;
DROP FUNCTION IF EXISTS consent_answer_refuse_truncate();
"""

SQLITE_CREATE = [
    "CREATE TABLE consent_erasure_in_progress (started INTEGER NOT NULL DEFAULT 1)",
    """
    CREATE TRIGGER consent_consentanswer_refuse_update BEFORE UPDATE ON consent_consentanswer
    BEGIN SELECT RAISE(ABORT, 'consent_consentanswer is append-only'); END
    """,
    """
    CREATE TRIGGER consent_consentanswer_refuse_delete BEFORE DELETE ON consent_consentanswer
    WHEN NOT EXISTS (SELECT 1 FROM consent_erasure_in_progress)
    BEGIN SELECT RAISE(ABORT, 'consent_consentanswer is append-only'); END
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS consent_consentanswer_refuse_update",
    "DROP TRIGGER IF EXISTS consent_consentanswer_refuse_delete",
    "DROP TABLE IF EXISTS consent_erasure_in_progress",
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
    dependencies = [("consent", "0002_consent_answer_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]
