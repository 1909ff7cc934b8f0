"""kith insights_import FILE --format {csv,slack,ics,mbox,viva} [--mapping FILE] [--dry-run]

Exit status: 0 when the file was imported (or would be, with --dry-run), 2 when the file
has problems and nothing was written."""

from __future__ import annotations

from argparse import ArgumentParser
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from kith.core.http import error_text
from kith.insights import services
from kith.insights.models import ImportRun

EXIT_INVALID = 2


class Command(BaseCommand):
    help = (
        "Import collaboration metadata; every problem is listed and nothing is written when "
        "the file is bad."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--format", required=True, choices=services.FORMATS, dest="fmt")
        parser.add_argument("--mapping", help="Viva only: CSV person_id,email")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and summarise, write nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        mapping = Path(options["mapping"]) if options["mapping"] else None
        if mapping is not None and not mapping.is_file():
            raise CommandError(f"--mapping {mapping}: no such file.")
        if options["fmt"] == "viva" and mapping is None:
            raise CommandError("A Viva export needs --mapping FILE (person_id,email).")
        bar = tqdm(
            total=path.stat().st_size,
            unit="B",
            unit_scale=True,
            desc="Reading",
            file=self.stderr._out,
            disable=None,
        )

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            with (
                path.open("rb") as source,
                mapping.open("rb") if mapping else nullcontext() as mapped,
            ):
                run = services.import_check(
                    source=source,
                    fmt=options["fmt"],
                    filename=path.name,
                    actor=None,
                    mapping=mapped,
                    progress=progress,
                )
        except ValidationError as exc:
            raise CommandError(error_text(exc)) from None
        finally:
            bar.close()
        if run.status == ImportRun.Status.INVALID:
            for problem in run.errors:
                self.stdout.write(f"{problem['place']}: {problem['message']}")
            count = len(run.errors)
            raise CommandError(
                f"Nothing was imported: {path.name} has {count} "
                f"problem{'s' if count != 1 else ''} (listed above).",
                returncode=EXIT_INVALID,
            )
        s = run.summary
        self.stdout.write(
            f"{s['events']} interactions between {s['people']} people: {s['pairs']} pairs over "
            f"{s['weeks']} weeks ({s['first_week']} to {s['last_week']}); "
            f"{s['unknown_addresses']} addresses not in the directory (counted, not kept)."
        )
        if options["dry_run"]:
            run.delete()
            self.stdout.write("Dry run: nothing was written.")
            return
        services.import_apply(run=run, actor=None)
        self.stdout.write(f"Imported {path.name}.")
