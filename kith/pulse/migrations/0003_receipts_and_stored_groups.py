"""Unlinkable storage, step 1 of 4: receipts instead of the `responded` flag, the stored
(no finer than k) group of each invitation, and one reminder per wave."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("pulse", "0002_wave_attributes_list")]

    operations = [
        migrations.AddField(
            model_name="wave",
            name="reminded_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="invitation",
            name="stored_unit",
            field=models.IntegerField(
                default=0, help_text="Unit index answers are stored under (>= k)"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="invitation",
            name="stored_attrs",
            field=models.JSONField(
                default=list, help_text="Attribute codes answers are stored under; -1 = not kept"
            ),
        ),
        migrations.CreateModel(
            name="Receipt",
            fields=[
                ("digest", models.CharField(max_length=64, primary_key=True, serialize=False)),
                (
                    "wave",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="receipts",
                        to="pulse.wave",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["wave"], name="receipt_wave")],
            },
        ),
    ]
