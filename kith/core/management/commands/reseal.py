"""`kith reseal`: seal every sealed column again with the current key, after a key change
(KITH_SEALING_KEY, or SECRET_KEY when that is unset) while the old key is still listed as a
fallback (KITH_SEALING_KEY_FALLBACKS or SECRET_KEY_FALLBACKS). Afterwards the fallback can go."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.db.models.functions import Cast

from kith.core import sealing
from kith.core.fields import SealedTextField

BATCH = 500


def _plain(value: str) -> models.Value:
    # A plain-text expression: saved as is, not sealed a second time by the field.
    return models.Value(value, output_field=models.TextField())


class Command(BaseCommand):
    help = "Seal private notes and check-ins again with the current key (after a key change)."

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        with transaction.atomic():
            for model in apps.get_models():
                fields = [f for f in model._meta.concrete_fields if isinstance(f, SealedTextField)]
                if fields:
                    total += self._reseal(model, fields)
        self.stdout.write(f"Resealed {total} values.")

    def _reseal(self, model: Any, fields: list[SealedTextField]) -> int:
        # Read the stored text as plain text, so the field does not open it on the way.
        raw = {
            f"stored_{f.attname}": Cast(f.attname, output_field=models.TextField()) for f in fields
        }
        done = 0
        rows = model._base_manager.annotate(**raw).values("pk", *raw)
        for row in rows.iterator(chunk_size=BATCH):
            changes = {}
            for field in fields:
                stored = row[f"stored_{field.attname}"]
                if not stored:
                    continue
                try:
                    changes[field.attname] = _plain(sealing.reseal(stored, purpose=field.purpose))
                except sealing.Unreadable as exc:
                    raise CommandError(
                        f"{model._meta.label} {row['pk']}: {field.name} opens with no configured "
                        "key; list the old key in KITH_SEALING_KEY_FALLBACKS and run again."
                    ) from exc
            if changes:
                model._base_manager.filter(pk=row["pk"]).update(**changes)
                done += len(changes)
        return done
