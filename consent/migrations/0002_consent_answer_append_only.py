"""On PostgreSQL, the database itself refuses to change a consent answer, and refuses to delete one
unless the transaction has declared an erasure on request (consent.services.consent_erase sets
``portal.consent_erasure`` for its own transaction only)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION consent_answer_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('portal.consent_erasure', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'consent_consentanswer is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER consent_consentanswer_append_only
  BEFORE UPDATE OR DELETE ON consent_consentanswer
  FOR EACH ROW EXECUTE FUNCTION consent_answer_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS consent_consentanswer_append_only ON consent_consentanswer;
DROP FUNCTION IF EXISTS consent_answer_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
