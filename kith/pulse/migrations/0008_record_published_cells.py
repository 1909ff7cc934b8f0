"""Record every result published before the disclosure ledger existed, so that new
publications are checked against what people have already seen (issue 9)."""

from django.db import migrations


def _key(units, attributes, unit, attr, value):
    unit_id = units[unit][0]
    key = f"unit:{'org' if unit_id is None else unit_id}"
    if attr < 0:
        return key
    name, labels = attributes[attr]
    return f"{key}|{name}={labels[value]}"


def record(apps, schema_editor):
    Wave = apps.get_model("pulse", "Wave")
    ResultCell = apps.get_model("pulse", "ResultCell")
    DisclosedCell = apps.get_model("core", "DisclosedCell")
    rows = []
    for wave in Wave.objects.exclude(results_at=None).iterator():
        for unit, attr, value in ResultCell.objects.filter(wave=wave).values_list(
            "unit", "attr", "value"
        ):
            rows.append(
                DisclosedCell(
                    source="pulse",
                    batch=f"wave:{wave.pk}",
                    key=_key(wave.units, wave.attributes, unit, attr, value),
                    published_at=wave.results_at,
                )
            )
    DisclosedCell.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_disclosed_cell"),
        ("pulse", "0007_invitation_person_protect"),
    ]

    operations = [migrations.RunPython(record, migrations.RunPython.noop)]
