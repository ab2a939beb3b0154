"""On PostgreSQL, the database itself refuses to change or delete an audit entry.

(TRUNCATE is left to the table's owner: the test suite empties tables that way between tests.)"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION governance_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'governance_auditentry is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER governance_auditentry_append_only
  BEFORE UPDATE OR DELETE ON governance_auditentry
  FOR EACH ROW EXECUTE FUNCTION governance_audit_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS governance_auditentry_append_only ON governance_auditentry;
DROP FUNCTION IF EXISTS governance_audit_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
