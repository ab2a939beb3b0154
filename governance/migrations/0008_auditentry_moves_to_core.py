"""The audit log's model now belongs to core (core/migrations/0001): out of governance's state
only, so its table and the triggers guarding it stay as they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_audit_entry"),
        ("governance", "0007_trusteereport_figures"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditEntry")],
            database_operations=[],
        ),
    ]
