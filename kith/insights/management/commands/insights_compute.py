"""kith insights_compute [--week YYYY-MM-DD]: compute the 4-week window ending with that
date's ISO week (default: the last complete week) and publish what the disclosure layer
allows."""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kith.core.http import error_text
from kith.insights.services import insights_compute_week, latest_complete_week


def iso_day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--week {text!r} is not a date: use YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = "Compute relational-health figures for the 4 ISO weeks ending with --week."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--week", help="any day of the window's last ISO week (YYYY-MM-DD)")

    def handle(self, *args: Any, **options: Any) -> None:
        week = iso_day(options["week"]) if options["week"] else latest_complete_week()
        try:
            result = insights_compute_week(week=week)
        except ValidationError as exc:
            raise CommandError(error_text(exc)) from None
        c = result.computation
        self.stdout.write(
            f"Computed the 4 weeks to {c.week + dt.timedelta(days=6):%Y-%m-%d}: "
            f"{result.published} groups published, {result.withheld} withheld "
            f"(k = {c.k}, {c.organisation.get('people', 0)} people)."
        )
