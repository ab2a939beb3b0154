"""The notification inbox and outbox moves from governance to core; its table and rows stay.

State only: governance/migrations/0010 takes the model out of governance's state, and nothing is
done to the table ``governance_notification``. The content type is renamed so that permissions and
admin history follow."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def rename_content_type(old_app, new_app):
    def rename(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        db = schema_editor.connection.alias
        if not ContentType.objects.using(db).filter(app_label=new_app, model="notification").exists():
            ContentType.objects.using(db).filter(app_label=old_app, model="notification").update(app_label=new_app)

    return rename


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_audit_entry"),
        ("governance", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        (
                            "id",
                            models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False),
                        ),
                        ("subject", models.CharField(max_length=200)),
                        ("body", models.TextField(blank=True)),
                        ("link", models.CharField(blank=True, max_length=300)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("read_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "email_status",
                            models.CharField(
                                choices=[
                                    ("pending", "Waiting to be sent"),
                                    ("sent", "Sent"),
                                    ("failed", "Could not be sent"),
                                    ("not_sent", "Portal only"),
                                ],
                                default="pending",
                                max_length=10,
                            ),
                        ),
                        ("email_attempts", models.PositiveSmallIntegerField(default=0)),
                        ("email_sent_at", models.DateTimeField(blank=True, null=True)),
                        ("email_last_error", models.CharField(blank=True, max_length=300)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "governance_notification",
                        "ordering": ["-created_at"],
                        "indexes": [
                            models.Index(fields=["user", "read_at"], name="governance__user_id_60a7eb_idx"),
                            models.Index(
                                condition=models.Q(("email_status", "pending")),
                                fields=["created_at"],
                                name="notification_pending_idx",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            rename_content_type("governance", "core"), rename_content_type("core", "governance"), elidable=True
        ),
    ]
