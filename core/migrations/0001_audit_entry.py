"""The audit log's model moves from governance to core; its table, rows, indexes and triggers stay.

State only: governance/migrations/0008 takes the model out of governance's state, and nothing is
done to the table ``governance_auditentry`` (whose append-only triggers, from governance 0002 and
0006, name it). The content type is renamed so that permissions and admin history follow."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def rename_content_type(old_app, new_app):
    def rename(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        db = schema_editor.connection.alias
        if not ContentType.objects.using(db).filter(app_label=new_app, model="auditentry").exists():
            ContentType.objects.using(db).filter(app_label=old_app, model="auditentry").update(app_label=new_app)

    return rename


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("governance", "0006_append_only_truncate_guard"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEntry",
                    fields=[
                        ("id", models.BigAutoField(primary_key=True, serialize=False)),
                        ("at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("actor_label", models.CharField(blank=True, max_length=254)),
                        (
                            "verb",
                            models.CharField(
                                choices=[
                                    ("create", "Created"),
                                    ("update", "Changed"),
                                    ("delete", "Deleted"),
                                    ("view", "Viewed"),
                                    ("download", "Downloaded"),
                                    ("login", "Signed in"),
                                    ("login_failed", "Failed sign-in"),
                                    ("logout", "Signed out"),
                                    ("two_factor", "Two-factor"),
                                ],
                                max_length=20,
                            ),
                        ),
                        ("object_type", models.CharField(max_length=100)),
                        ("object_id", models.CharField(blank=True, max_length=64)),
                        ("object_repr", models.CharField(blank=True, max_length=200)),
                        ("changes", models.JSONField(blank=True, default=dict)),
                        ("ip_address", models.GenericIPAddressField(blank=True, null=True)),
                        ("user_agent", models.CharField(blank=True, max_length=300)),
                        ("path", models.CharField(blank=True, max_length=300)),
                        (
                            "actor",
                            models.ForeignKey(
                                db_constraint=False,
                                db_index=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "school",
                            models.ForeignKey(
                                db_constraint=False,
                                db_index=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="accounts.school",
                            ),
                        ),
                        (
                            "trust",
                            models.ForeignKey(
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="accounts.trust",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "audit entries",
                        "db_table": "governance_auditentry",
                        "ordering": ["-at", "-id"],
                        "indexes": [
                            models.Index(fields=["object_type", "object_id"], name="governance__object__4f7adc_idx"),
                            models.Index(fields=["actor", "at"], name="governance__actor_i_7e50ad_idx"),
                            models.Index(fields=["school", "at"], name="governance__school__2fdfb1_idx"),
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
