"""kith span_report --output FILE [--flagged-only]: one row per manager with their span of
control (docs/touchpoints/span.md lists the columns). Coverage is as HR sees it: rounded to
0.1, and an empty cell for a manager with fewer direct reports than the smallest group."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kith.core import audit, csvsafe
from kith.touchpoints.selectors.span import REPORT_HEADER, span_report


class Command(BaseCommand):
    help = "Write every manager's span of control (direct reports, reporting line, flag) as CSV."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--output", required=True, help="the CSV file to write")
        parser.add_argument(
            "--flagged-only",
            action="store_true",
            help="only managers whose span is flagged as wide or too wide",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"])
        if output.is_dir():
            raise CommandError(f"Cannot write {output}: it is a folder; name a file in it.")
        if not output.parent.exists():
            raise CommandError(f"Cannot write {output}: the folder {output.parent} does not exist.")
        rows = span_report(flagged_only=options["flagged_only"])
        try:
            with output.open("w", newline="", encoding="utf-8") as handle:
                out = csvsafe.writer(handle)
                out.writerow(REPORT_HEADER)
                out.writerows(rows)
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror}.") from None
        audit.record(
            actor=None,
            action="touchpoints.span_exported",
            target="organisation",
            via="cli",
            rows=len(rows),
            flagged_only=options["flagged_only"],
        )
        which = "flagged managers" if options["flagged_only"] else "managers"
        self.stdout.write(f"Wrote {len(rows)} {which} to {output}.")
