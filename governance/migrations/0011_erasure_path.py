"""The one narrow path by which an erasure changes append-only rows (see core/erasure.py).

PostgreSQL: ``portal_erase_rows(kind, ids)`` is owned by the role that runs the migrations (the
tables' owner) and runs with its rights (SECURITY DEFINER, its search_path pinned so nothing the
caller puts first can stand in for a table). For each kind of row it knows the personal columns and
what they become; the caller gives only ids. It sets ``portal.erasure`` for the transaction while it
updates and lowers it after. The audit log's row trigger (0002) now lets an UPDATE through while
that setting is on, and a DELETE never. The application's role has no UPDATE on the audit log
(governance/db_roles.py), so the setting alone opens nothing to it: only the function updates.

The append-only triggers of incident events, takedown steps, evidence rows and approval steps are
to start with the same line
    IF TG_OP = 'UPDATE' AND current_setting('portal.erasure', true) = 'on' THEN RETURN NEW; END IF;
and the function's CASE is where a new kind of append-only row declares its personal columns.

SQLite: the audit log's update trigger (0006) is made again to let an UPDATE through while a row of
``portal_erasure_in_progress`` exists (core/erasure.py adds it for the length of the update)."""

from django.db import migrations

POSTGRES_CREATE = """
CREATE OR REPLACE FUNCTION governance_audit_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND current_setting('portal.erasure', true) = 'on' THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'governance_auditentry is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION portal_erase_rows(kind text, ids text[]) RETURNS integer AS $$
DECLARE
  changed integer;
BEGIN
  PERFORM set_config('portal.erasure', 'on', true);
  CASE kind
    WHEN 'audit_entry' THEN
      UPDATE governance_auditentry SET object_repr = '(erased)', changes = '{}'::jsonb
        WHERE id::text = ANY(ids);
    WHEN 'audit_actor' THEN
      UPDATE governance_auditentry SET actor_label = '(erased)', ip_address = NULL, user_agent = ''
        WHERE id::text = ANY(ids);
    WHEN 'incident_event' THEN
      UPDATE incidents_incidentevent SET text = '(erased)', data = '{}'::jsonb
        WHERE id::text = ANY(ids);
    WHEN 'takedown_step' THEN
      UPDATE incidents_takedownstep SET note = '(erased)', reference = '', data = '{}'::jsonb
        WHERE id::text = ANY(ids);
    WHEN 'evidence' THEN
      UPDATE incidents_evidence SET original_name = '(erased)', source_url = ''
        WHERE id::text = ANY(ids);
    WHEN 'approval_step' THEN
      UPDATE approvals_approvalstep SET comment = '(erased)'
        WHERE id::text = ANY(ids);
    WHEN 'request_version' THEN
      UPDATE approvals_requestversion SET title = '(erased)', rows = '[]'::jsonb
        WHERE id::text = ANY(ids);
    ELSE
      RAISE EXCEPTION 'no erasure is declared for %', kind;
  END CASE;
  GET DIAGNOSTICS changed = ROW_COUNT;
  PERFORM set_config('portal.erasure', 'off', true);
  RETURN changed;
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp;
"""
POSTGRES_DROP = """
DROP FUNCTION IF EXISTS portal_erase_rows(text, text[]);
CREATE OR REPLACE FUNCTION governance_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'governance_auditentry is append-only';
END;
$$ LANGUAGE plpgsql;
"""

SQLITE_CREATE = [
    "CREATE TABLE IF NOT EXISTS portal_erasure_in_progress (id INTEGER PRIMARY KEY)",
    "DROP TRIGGER IF EXISTS governance_auditentry_refuse_update",
    """
    CREATE TRIGGER governance_auditentry_refuse_update BEFORE UPDATE ON governance_auditentry
    WHEN NOT EXISTS (SELECT 1 FROM portal_erasure_in_progress)
    BEGIN SELECT RAISE(ABORT, 'governance_auditentry is append-only'); END
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS governance_auditentry_refuse_update",
    """
    CREATE TRIGGER governance_auditentry_refuse_update BEFORE UPDATE ON governance_auditentry
    BEGIN SELECT RAISE(ABORT, 'governance_auditentry is append-only'); END
    """,
    "DROP TABLE IF EXISTS portal_erasure_in_progress",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT quote_ident(current_schema())")
            schema = cursor.fetchone()[0]
        # No parameters: the function body has a % of its own (RAISE), which must not be read as one.
        schema_editor.execute(POSTGRES_CREATE.replace("{schema}", schema), params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0010_notification_moves_to_core"),
        ("incidents", "0002_platform_ages"),
        ("approvals", "0002_request_type_choices"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
