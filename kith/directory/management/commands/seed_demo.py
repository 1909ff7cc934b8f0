from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from tqdm import tqdm

from kith.directory.caching import directory_changed
from kith.directory.demo.extras import seed_app_demos
from kith.directory.demo.seed import DemoLogin, existing_demo_logins, seed_demo_organisation
from kith.directory.models import Person

log = logging.getLogger(__name__)


# SQLite's page cache while seeding, in KiB: the demo's one transaction writes about 400 MB at
# 100,000 people, much of it in random key order (survey responses and receipts, indexes),
# and SQLite's default 2 MB cache spills and rereads pages all along (Pulse's demo at 100k:
# 76 s of CPU with it, 66 s with this).
SEED_CACHE_KIB = 256 * 1024


@contextmanager
def _roomy_sqlite_cache() -> Iterator[None]:
    """A larger SQLite page cache for this connection while seeding; the old size after."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{SEED_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


class Command(BaseCommand):
    help = "Create a fictional demo organisation (deterministic for a given --seed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--people", type=int, default=300, help="How many people (default 300)."
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Allow seeding in production mode (demo logins have a published password).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (and succeed) when the directory already has people.",
        )

    def handle(
        self, *args: Any, people: int, seed: int, if_empty: bool, force: bool, **options: Any
    ) -> None:
        from django.conf import settings

        if settings.PRODUCTION and not force:
            self.stderr.write(
                "seed_demo refuses to run in production mode: its demo logins, HR admin "
                "included, share a published password. Use --force on a throwaway install."
            )
            raise SystemExit(2)
        if people < 1 or people > 1_000_000:
            self.stderr.write("--people must be between 1 and 1,000,000")
            raise SystemExit(2)
        existing = Person.objects.count()
        if existing:
            if if_empty:
                self.stdout.write(
                    f"The directory already has {existing} people; no demo data added."
                )
                self._print_logins(existing_demo_logins())
                return
            self.stderr.write(
                f"The directory already has {existing} people. seed_demo only fills an empty "
                "directory: use a fresh database (or --if-empty to skip quietly)."
            )
            raise SystemExit(2)
        started, cpu = time.monotonic(), time.process_time()
        bar = tqdm(total=people, desc="Demo people", unit="person", disable=people < 5000)

        def progress(stage: str, done: int, total: int) -> None:
            if stage == "people":
                bar.n = done
                bar.refresh()
            else:
                bar.set_description(f"Demo {stage}")

        with transaction.atomic(), _roomy_sqlite_cache():
            result = seed_demo_organisation(people=people, seed=seed, progress=progress)
            bar.n = people
            bar.close()
            log.info(
                "demo directory: %.1f s (CPU %.1f s)",
                time.monotonic() - started,
                time.process_time() - cpu,
            )
            # Bulk inserts send no signals: the cached headcounts and city suggestions of a
            # running server (or a shared Redis) are dropped here, and again on commit.
            directory_changed()
            extras = seed_app_demos(seed=seed, demo_emails=[login.email for login in result.logins])
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo organisation ready: {result.people} people, {result.org_units} teams and "
                f"departments, {result.offices} offices ({time.monotonic() - started:.1f} s)."
            )
        )
        for line in extras:
            self.stdout.write(line)
        self._print_logins(result.logins)

    def _print_logins(self, logins: list[DemoLogin]) -> None:
        if not logins:
            return
        self.stdout.write("Demo logins (password login, or ask for a one-time code by email):")
        for login in logins:
            self.stdout.write(
                f"  {login.role:<9} {login.email:<40} password: {login.password}  ({login.name})"
            )
