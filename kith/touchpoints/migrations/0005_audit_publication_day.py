"""Human-touch audit figures keep only the day they were published (docs/touchpoints/audit.md):
figures, and the ledger rows of the `touchpoints.audit` source, published before this kept
the exact moment, which could mark when the answer that completed a batch came. Each is
moved back to its day's midnight (UTC). Data only: the column stays a datetime."""

from __future__ import annotations

import datetime as dt

from django.db import migrations

SOURCE = "touchpoints.audit"


def _midnight(moment: dt.datetime) -> dt.datetime:
    return dt.datetime.combine(moment.astimezone(dt.UTC).date(), dt.time.min, tzinfo=dt.UTC)


def to_the_day(apps, schema_editor) -> None:
    StepFigure = apps.get_model("touchpoints", "StepFigure")
    DisclosedCell = apps.get_model("core", "DisclosedCell")
    for model, rows in (
        (StepFigure, StepFigure.objects.all()),
        (DisclosedCell, DisclosedCell.objects.filter(source=SOURCE)),
    ):
        changed = []
        for row in rows.only("pk", "published_at").iterator():
            day = _midnight(row.published_at)
            if row.published_at != day:
                row.published_at = day
                changed.append(row)
        model.objects.bulk_update(changed, ["published_at"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("touchpoints", "0004_meeting_held_index"),
        ("core", "0003_cache_table"),
    ]

    operations = [migrations.RunPython(to_the_day, migrations.RunPython.noop)]
