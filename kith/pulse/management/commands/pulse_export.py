"""kith pulse_export CAMPAIGN [--wave N] [--output FILE]: the HR export as CSV."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kith.core import audit
from kith.pulse import selectors
from kith.pulse.models import Campaign


class Command(BaseCommand):
    help = "Write a campaign's published results (one row per visible group) as CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("campaign", help="Campaign id or exact name")
        parser.add_argument("--wave", type=int, help="Wave number (default: the latest closed)")
        parser.add_argument("--output", "-o", help="File to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        key = str(options["campaign"])
        campaigns = (
            Campaign.objects.filter(pk=int(key))
            if key.isdigit()
            else Campaign.objects.filter(name=key)
        )
        campaign = campaigns.first()
        if campaign is None:
            raise CommandError(f"No campaign with id or name {key!r}.")
        waves = campaign.waves.filter(results_at__isnull=False).order_by("-number")
        if options["wave"] is not None:
            waves = waves.filter(number=options["wave"])
        wave = waves.first()
        if wave is None:
            which = f"wave {options['wave']}" if options["wave"] is not None else "any wave"
            raise CommandError(f"{campaign.name}: {which} has no results yet (it closes first).")
        header, rows = selectors.export_table(wave)
        buffer = io.StringIO(newline="")
        selectors.write_csv(header, rows, buffer)
        if options["output"]:
            path = Path(options["output"])
            try:
                path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
            except OSError as exc:
                raise CommandError(f"Cannot write {path}: {exc.strerror}.") from exc
            self.stderr.write(f"Wrote {len(rows)} groups to {path}")
        else:
            self.stdout.write(buffer.getvalue(), ending="")
        audit.record(
            actor=None,
            action="pulse.results_exported",
            target=f"wave:{wave.pk}",
            via="cli",
            rows=len(rows),
        )
