"""kith plan_gathering --emails a@x.org,b@y.org --from 2027-05-03 --to 2027-05-28 [--days 5]
[--top 5] [--json]

The ranked places and weeks for these people, from the same selector and engine as the
"Plan a gathering" page. Nothing is written. Bad input: a message naming the option, exit 2.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kith.gatherings import inputs, selectors, services
from kith.gatherings.engine import planner

OPTIONS = {"first_day": "--from", "last_day": "--to", "days": "--days"}


def _date(option: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"--{option}: “{text}” is not a date (YYYY-MM-DD).", returncode=2
        ) from None


class Command(BaseCommand):
    help = "Rank the places and weeks where a gathering of these people costs least travel."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--emails", required=True, help="Comma-separated work emails")
        parser.add_argument("--from", dest="first", required=True, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="last", required=True, help="YYYY-MM-DD")
        parser.add_argument("--days", type=int, default=5, help="1 to 7 (default 5)")
        parser.add_argument("--top", type=int, default=planner.DEFAULT_TOP, help="Options shown")
        parser.add_argument("--json", action="store_true", help="Print the options as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        first = _date("from", options["first"])
        last = _date("to", options["last"])
        days, top = options["days"], options["top"]
        if top < 1:
            raise CommandError("--top: show at least one option.", returncode=2)
        errors = services.range_errors(first, last, days)
        if errors:
            field, message = next(iter(errors.items()))
            raise CommandError(f"{OPTIONS[field]}: {message}", returncode=2)
        emails = selectors.parse_emails(options["emails"])
        if not emails:
            raise CommandError("--emails: name at least one person.", returncode=2)
        try:
            people = selectors.people_for(selectors.Selection(emails=emails))
        except ValidationError as exc:
            message = " ".join(m for ms in exc.message_dict.values() for m in ms)
            raise CommandError(f"--emails: {message}", returncode=2) from None
        # No organiser at the shell: leave counts from k participants (the same rule as the
        # page and the API, so an operator's run tells nobody's leave either).
        result = inputs.plan_for(
            people, first=first, last=last, days=days, top=top, organiser_id=None
        )
        rows = inputs.plan_json(result, people)
        note = inputs.leave_note(result.avoided.leave_counted)
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False))
            if note:
                self.stderr.write(note)
            return
        self._table(rows, result)

    def _table(self, rows: list[dict[str, Any]], result: planner.Plan) -> None:
        if not rows:
            self.stdout.write("No place and week works for everyone in this range.")
        header = f"{'#':>2}  {'place':<28} {'week':<10} {'total km':>10} {'CO2 kg':>9}"
        self.stdout.write(header)
        for n, row in enumerate(rows, start=1):
            place = row["office"] or f"a venue in {row['city']}"
            place = f"{place} ({row['city']}, {row['country']})"[:28]
            self.stdout.write(
                f"{n:>2}  {place:<28} {row['week_start']:<10} "
                f"{row['total_km']:>10,.0f} {row['co2_kg']:>9,.0f}"
            )
        for line in result.avoided.sentences():
            self.stdout.write(f"- {line}")
        note = inputs.leave_note(result.avoided.leave_counted)
        if note:
            self.stdout.write(f"- {note}")
        if result.not_counted:
            self.stdout.write(
                f"- {result.not_counted} of {result.participants} people have no city in the "
                "directory: not counted in the distances."
            )
