"""The MIS import's model now belongs to accounts (accounts/migrations/0006): out of consent's state
only, so its table ``consent_importrun`` and its rows stay as they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_importrun_moves_from_consent"),
        ("consent", "0003_append_only_truncate_guard"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ImportRun")],
            database_operations=[],
        ),
    ]
