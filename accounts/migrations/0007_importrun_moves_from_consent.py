"""The MIS import's model moves from consent to accounts, with the people it writes; its table and
rows stay.

State only: consent/migrations/0004 takes the model out of consent's state, and nothing is done to
the table ``consent_importrun`` (the model keeps it as its ``db_table``). The content type is
renamed so that permissions and admin history follow."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import accounts.models


def rename_content_type(old_app, new_app):
    def rename(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        db = schema_editor.connection.alias
        if not ContentType.objects.using(db).filter(app_label=new_app, model="importrun").exists():
            ContentType.objects.using(db).filter(app_label=old_app, model="importrun").update(app_label=new_app)

    return rename


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_view_operations_action"),
        ("consent", "0003_append_only_truncate_guard"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ImportRun",
                    fields=[
                        (
                            "id",
                            models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False),
                        ),
                        ("file", models.FileField(max_length=300, upload_to=accounts.models.import_upload_path)),
                        ("original_name", models.CharField(max_length=200)),
                        ("uploaded_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("previewing", "Checking the file"),
                                    ("previewed", "Ready to import"),
                                    ("applying", "Importing"),
                                    ("applied", "Imported"),
                                    ("failed", "Failed"),
                                ],
                                default="previewing",
                                max_length=12,
                            ),
                        ),
                        ("stage", models.CharField(blank=True, max_length=100)),
                        ("done", models.PositiveIntegerField(default=0)),
                        ("total", models.PositiveIntegerField(default=0)),
                        ("preview", models.JSONField(blank=True, default=dict)),
                        ("result", models.JSONField(blank=True, default=dict)),
                        ("error", models.TextField(blank=True)),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("heartbeat_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "applied_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "school",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.school"
                            ),
                        ),
                        (
                            "uploaded_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "consent_importrun",
                        "ordering": ["-uploaded_at"],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            rename_content_type("consent", "accounts"), rename_content_type("accounts", "consent"), elidable=True
        ),
    ]
