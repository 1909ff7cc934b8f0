from __future__ import annotations

import argparse
import datetime as dt
import signal
import time
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections, connections

from kith.jobs.registry import registered_jobs
from kith.jobs.scheduler import DATABASE_UNAVAILABLE, scheduler_tick

MAX_BACKOFF_SECONDS = 60


def aware_datetime(value: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not an ISO 8601 date and time") from exc
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{value!r} needs a UTC offset, e.g. 2030-01-01T09:00Z")
    return moment


class Command(BaseCommand):
    help = "Enqueue periodic jobs when they are due. Safe to run on several machines at once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run one pass and exit.")
        parser.add_argument(
            "--interval",
            type=int,
            default=settings.KITH_SCHEDULER_INTERVAL,
            help="Seconds between passes (default %(default)s).",
        )
        # For tests and drills: one pass per given moment instead of the clock, then exit.
        parser.add_argument(
            "--at", type=aware_datetime, action="append", default=[], help=argparse.SUPPRESS
        )

    def handle(
        self, *args: Any, once: bool, interval: int, at: list[dt.datetime], **options: Any
    ) -> None:
        if interval < 1:
            raise CommandError("--interval must be at least 1 second")
        jobs = registered_jobs()
        verbosity = options.get("verbosity", 1)
        started = f"Scheduler: {len(jobs)} periodic jobs"
        if verbosity >= 2:
            started += ": " + ", ".join(job.name for job in jobs)
        self.stdout.write(started)
        if at:
            for moment in at:
                self.tick(moment)
            return
        if once:
            self.tick(None)
            return
        # Running for good, it says what it enqueues only when asked (-v 2): a line per job
        # and minute is noise in `kith run`'s terminal; the worker reports what fails.
        self.report_runs = verbosity >= 2
        self.run_forever(interval)

    report_runs = True

    def tick(self, now: dt.datetime | None) -> None:
        try:
            runs = scheduler_tick(now=now)
        except DATABASE_UNAVAILABLE as exc:
            reason = " ".join(str(exc).split())  # one line per retry in the log
            raise CommandError(f"the database is unavailable: {reason}") from exc
        if not self.report_runs:
            return
        for run in runs:
            self.stdout.write(f"enqueued {run.job} for {run.slot:%Y-%m-%d %H:%M:%S} UTC")

    def run_forever(self, interval: int) -> None:
        stopping = False

        def stop(*_: Any) -> None:
            nonlocal stopping
            stopping = True

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            self.loop(interval, lambda: stopping)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write("Scheduler: stopped")

    def loop(self, interval: int, stopping: Callable[[], bool]) -> None:
        backoff = 1
        while not stopping():
            close_old_connections()  # drop connections past CONN_MAX_AGE, and broken ones
            try:
                self.tick(None)
            except CommandError as exc:
                self.stderr.write(f"Scheduler: {exc}; retrying in {backoff} s")
                with suppress(Exception):
                    connections.close_all()  # reconnect from scratch next time
                self.sleep(backoff, stopping)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
                continue
            backoff = 1
            self.sleep(interval, stopping)

    @staticmethod
    def sleep(seconds: float, stopping: Callable[[], bool]) -> None:
        deadline = time.monotonic() + seconds
        while not stopping() and time.monotonic() < deadline:
            time.sleep(min(0.2, seconds))
