from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kith.connect import rounds
from kith.connect.models import Program
from kith.connect.selectors import next_round_date


class Command(BaseCommand):
    help = (
        "Draw a program's next round now (or show it with --dry-run). PROGRAM is the program's "
        "id or its exact name. A date inside a wellness week is refused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("program", help="program id or name")
        parser.add_argument("--dry-run", action="store_true", help="show the matches, send nothing")
        parser.add_argument("--date", help="round date YYYY-MM-DD (default: the next one)")
        parser.add_argument("--seed", type=int, help="seed for a reproducible draw")

    def handle(self, *args: Any, **options: Any) -> None:
        program = self._program(options["program"])
        date = self._date(options["date"]) if options["date"] else next_round_date(program)
        if date < timezone.localdate() and not options["dry_run"]:
            raise CommandError(
                f"--date {date} is in the past: its intros would arrive late. Nothing was sent."
            )
        try:
            rounds.refuse_if_paused(program, date)
        except rounds.RoundPaused as exc:
            raise CommandError(f"{exc} Nothing was drawn or sent.") from exc
        if options["dry_run"]:
            plan = rounds.round_plan(program, date, seed=options["seed"])
            self._print_plan(plan)
            return
        try:
            drawn = rounds.round_run(program=program, round_date=date, seed=options["seed"])
        except rounds.RoundAlreadyDrawn as exc:
            raise CommandError(f"{exc}. Nothing was sent again.") from exc
        except rounds.RoundPaused as exc:  # a wellness week planned meanwhile
            raise CommandError(f"{exc} Nothing was drawn or sent.") from exc
        stats = drawn.stats
        self.stdout.write(
            self.style.SUCCESS(
                f"Drew {program.name} for {date:%a %-d %b %Y}: {stats['groups']} matches, "
                f"{stats['matched']} people matched, {stats['unmatched']} without a match, "
                f"{stats['repeats']} repeats. Intros go out at {program.local_hour}:00 local time."
            )
        )

    def _program(self, ref: str) -> Program:
        program = (
            Program.objects.filter(pk=int(ref)).first()
            if re.fullmatch(r"[0-9]{1,18}", ref)
            else Program.objects.filter(name=ref).first()
        )
        if program is None:
            names = ", ".join(f"{p.pk} ({p.name})" for p in Program.objects.all()) or "none yet"
            raise CommandError(f"No program {ref!r}. Programs: {names}.")
        return program

    def _date(self, text: str) -> dt.date:
        try:
            return dt.date.fromisoformat(text)
        except ValueError as exc:
            raise CommandError(f"--date {text!r} is not a date: write it as YYYY-MM-DD") from exc

    def _print_plan(self, plan: rounds.RoundPlan) -> None:
        out = self.stdout
        out.write(
            f"{plan.program.name} on {plan.round_date:%a %-d %b %Y} (dry run: nothing is sent)"
        )
        out.write(
            f"{len(plan.eligible)} taking part, {len(plan.excluded)} left out on purpose, "
            f"{len(plan.matches)} matches, {len(plan.unmatched)} without a match "
            f"[{plan.algorithm or 'no draw'}]"
        )
        for m in plan.matches:
            out.write(f"  {' + '.join(p.display_name for p in m.people)}  —  {m.explanation}")
        for person, _code, detail in plan.unmatched:
            out.write(f"  no match: {person.display_name}: {detail}")
        for person, why in plan.excluded:
            out.write(f"  left out: {person.display_name}: {why}")
