"""kith insights_export --week YYYY-MM-DD --output FILE: one row per published group of the
window ending with that ISO week."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kith.core import audit
from kith.insights.management.commands.insights_compute import iso_day
from kith.insights.selectors import export_table
from kith.insights.views import write_csv


class Command(BaseCommand):
    help = "Export one window's published relational-health figures as CSV."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--week", required=True, help="any day of the window's last ISO week")
        parser.add_argument("--output", required=True, help="the CSV file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        week = iso_day(options["week"])
        header, rows, computation = export_table(week)
        if computation is None:
            raise CommandError(
                f"Nothing is computed for the week of {week}: run "
                f"`kith insights_compute --week {week}` first."
            )
        output = Path(options["output"])
        try:
            with output.open("w", newline="", encoding="utf-8") as handle:
                write_csv(handle, header, rows)
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror}.") from None
        audit.record(
            actor=None,
            action="insights.exported",
            target=f"computation:{computation.pk}",
            via="cli",
        )
        self.stdout.write(f"Wrote {len(rows)} groups to {output}.")
