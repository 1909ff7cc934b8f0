"""kith insights_enable [--off]: HR's switch for collaboration analytics, recorded in the
audit log (from the command line: no user, the audit row says so)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from kith.insights.services import insights_enable


class Command(BaseCommand):
    help = "Switch collaboration analytics on (or off with --off)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--off", action="store_true", help="switch it off instead")

    def handle(self, *args: Any, **options: Any) -> None:
        row = insights_enable(actor=None, enabled=not options["off"])
        state = "on" if row.enabled else "off"
        self.stdout.write(
            f"Collaboration analytics is {state} (since {row.changed_at:%Y-%m-%d %H:%M} UTC)."
        )
