"""The notification inbox and outbox now belongs to core (core/migrations/0002): out of
governance's state only, so its table and rows stay as they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_notification"),
        ("governance", "0009_retention_types_from_the_apps"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Notification")],
            database_operations=[],
        ),
    ]
