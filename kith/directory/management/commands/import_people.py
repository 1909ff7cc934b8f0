"""kith import_people FILE [--dry-run] [--deactivate-missing]

Exit status: 0 when the file was imported (or would be, with --dry-run), 2 when the file has
problems and nothing was written. docs/import.md describes the file.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any, TextIO, cast

from django.core.management.base import BaseCommand, CommandError

from kith.directory.importing.apply import people_import
from kith.directory.importing.progress import TqdmProgress
from kith.directory.importing.report import problems_table, summary_text

EXIT_INVALID = 2


class Command(BaseCommand):
    help = "Import people from an HRIS export (CSV). Checks the whole file before writing."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="the CSV file, or - to read standard input")
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would change and write nothing"
        )
        parser.add_argument(
            "--deactivate-missing",
            action="store_true",
            help="the file is the complete export: deactivate (never delete) active people "
            "who are not in it",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["file"]
        content = self._read(name)
        filename = Path(name).name if name != "-" else "standard input"
        outcome = people_import(
            content=content,
            filename=filename,
            deactivate_missing=options["deactivate_missing"],
            dry_run=options["dry_run"],
            # The raw stream: OutputWrapper ends every write with a newline, which would
            # turn tqdm's redrawn bar into thousands of lines.
            progress=TqdmProgress(cast(TextIO, self.stderr._out)),
        )
        if not outcome.ok:
            count = len(outcome.problems)
            self.stdout.write(problems_table(outcome.problems))
            problems = "1 problem" if count == 1 else f"{count} problems"
            raise CommandError(
                f"Nothing was imported: {filename} has {problems} (listed above). Fix "
                f"{'it' if count == 1 else 'them'} and run the import again.",
                returncode=EXIT_INVALID,
            )
        self.stdout.write(summary_text(outcome.summary, filename=filename, applied=outcome.applied))

    @staticmethod
    def _read(name: str) -> bytes:
        if name == "-":
            return sys.stdin.buffer.read()
        try:
            return Path(name).read_bytes()
        except OSError as exc:
            raise CommandError(
                f"Cannot read {name}: {exc.strerror}", returncode=EXIT_INVALID
            ) from None
