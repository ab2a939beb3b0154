"""The platforms and minimum ages of 000 §3.2, as the starting table a trust then edits."""

from django.db import migrations

PLATFORMS = [
    ("Instagram", 13),
    ("Facebook", 13),
    ("TikTok", 13),
    ("Snapchat", 13),
    ("YouTube", 13),
    ("X (Twitter)", 13),
    ("WhatsApp", 16),
    ("Discord", 13),
    ("Roblox", None),
    ("Other website or app", None),
]


def add_platforms(apps, schema_editor):
    Platform = apps.get_model("incidents", "Platform")
    for name, age in PLATFORMS:
        Platform.objects.get_or_create(name=name, defaults={"minimum_age": age})


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]
    operations = [migrations.RunPython(add_platforms, migrations.RunPython.noop)]
