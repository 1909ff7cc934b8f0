"""kith import_offices FILE [--dry-run]

A CSV with at least name, city, country and capacity (optional address, amenities separated
by ";", timezone, region). Offices whose name is already in Kith are updated. Exit status: 0
when the file was imported (or would be, with --dry-run), 2 when it has problems and nothing
was written. docs/places.md describes the file.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kith.directory.importing.report import problems_table
from kith.places.services.offices import ImportOutcome, offices_import

EXIT_INVALID = 2
MAX_NAMES = 10


class Command(BaseCommand):
    help = "Import or update offices from a CSV file. Checks the whole file before writing."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="the CSV file, or - to read standard input")
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would change and write nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["file"]
        content = _read(name)
        filename = Path(name).name if name != "-" else "standard input"
        outcome = offices_import(content=content, filename=filename, dry_run=options["dry_run"])
        if not outcome.ok:
            count = len(outcome.problems)
            self.stdout.write(problems_table(outcome.problems))
            problems = "1 problem" if count == 1 else f"{count} problems"
            raise CommandError(
                f"Nothing was imported: {filename} has {problems} (listed above). Fix "
                f"{'it' if count == 1 else 'them'} and run the import again.",
                returncode=EXIT_INVALID,
            )
        self.stdout.write(summary(outcome))


def summary(outcome: ImportOutcome) -> str:
    verbs = ("Created", "Updated") if outcome.applied else ("To create", "To update")
    lines = [f"{'Imported' if outcome.applied else 'Dry run, nothing written:'} {outcome.filename}"]
    for label, names in (
        (verbs[0], outcome.created),
        (verbs[1], outcome.updated),
        ("Unchanged", outcome.unchanged),
    ):
        shown = f": {', '.join(names)}" if names and len(names) <= MAX_NAMES else ""
        lines.append(f"  {label}: {len(names)}{shown}")
    return "\n".join(lines)


def _read(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(name).read_bytes()
    except OSError as exc:
        raise CommandError(f"Cannot read {name}: {exc.strerror}", returncode=EXIT_INVALID) from None
