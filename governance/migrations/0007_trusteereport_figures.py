from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0006_append_only_truncate_guard"),
    ]

    operations = [
        migrations.AddField(
            model_name="trusteereport",
            name="figures",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="trusteereport",
            name="counted",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
