# The human-touch audit: a step's receipt becomes a keyed digest instead of a link to the
# person (decision 0008's rule for survey answers), and published figures are kept per batch.

import django.db.models.deletion
from django.db import migrations, models
from django.utils.crypto import salted_hmac

# The same digest as kith.touchpoints.audit_receipts.receipt_digest, spelled out here so the
# migration keeps working whatever that module becomes.
SALT = "kith.touchpoints.step_receipt"


def receipts_to_digests(apps, schema_editor):
    StepReceipt = apps.get_model("touchpoints", "StepReceipt")
    for receipt in StepReceipt.objects.all().only("pk", "step_id", "person_id"):
        message = f"step:{receipt.step_id}:person:{receipt.person_id}"
        receipt.digest = salted_hmac(SALT, message, algorithm="sha256").hexdigest()
        receipt.save(update_fields=["digest"])


class Migration(migrations.Migration):
    dependencies = [
        ("touchpoints", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="stepreceipt",
            name="digest",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.RunPython(receipts_to_digests, migrations.RunPython.noop, elidable=True),
        migrations.RemoveConstraint(
            model_name="stepreceipt",
            name="step_receipt_once",
        ),
        migrations.RemoveField(
            model_name="stepreceipt",
            name="person",
        ),
        migrations.AlterField(
            model_name="stepreceipt",
            name="digest",
            field=models.CharField(max_length=64, unique=True),
        ),
        migrations.CreateModel(
            name="StepFigure",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("respondents", models.PositiveIntegerField()),
                ("felt_human", models.PositiveIntegerField(help_text="Answered yes")),
                ("partly", models.PositiveIntegerField()),
                ("not_human", models.PositiveIntegerField(help_text="Answered no")),
                ("up_to_receipt", models.BigIntegerField()),
                ("published_at", models.DateTimeField()),
                (
                    "step",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="figures",
                        to="touchpoints.processstep",
                    ),
                ),
            ],
            options={
                "ordering": ["step_id", "-up_to_receipt"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("step", "up_to_receipt"), name="step_figure_once"
                    )
                ],
            },
        ),
    ]
