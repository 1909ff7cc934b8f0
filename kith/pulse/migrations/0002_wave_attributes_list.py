"""Wave.attribute_values (a dict) becomes Wave.attributes (a list of [name, labels]): jsonb on
PostgreSQL does not keep key order, and the codes on invitations and responses are positions."""

from django.db import migrations, models


def to_list(apps, schema_editor):
    Wave = apps.get_model("pulse", "Wave")
    for wave in Wave.objects.select_related("campaign"):
        values = wave.attributes if isinstance(wave.attributes, dict) else {}
        if not values:
            if not isinstance(wave.attributes, list):
                wave.attributes = []
                wave.save(update_fields=["attributes"])
            continue
        order = [a for a in wave.campaign.attributes if a in values]
        order += [a for a in values if a not in order]
        wave.attributes = [[name, values[name]] for name in order]
        wave.save(update_fields=["attributes"])


def to_dict(apps, schema_editor):
    Wave = apps.get_model("pulse", "Wave")
    for wave in Wave.objects.all():
        if isinstance(wave.attributes, list):
            wave.attributes = {name: labels for name, labels in wave.attributes}
            wave.save(update_fields=["attributes"])


class Migration(migrations.Migration):
    dependencies = [("pulse", "0001_initial")]

    operations = [
        migrations.RenameField("wave", "attribute_values", "attributes"),
        migrations.RunPython(to_list, to_dict),
        migrations.AlterField(
            model_name="wave",
            name="attributes",
            field=models.JSONField(
                default=list, help_text="[[attribute, [label, …]], …] in the order of the codes"
            ),
        ),
    ]
