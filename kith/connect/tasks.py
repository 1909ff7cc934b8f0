from __future__ import annotations

from django_tasks import task

from kith.connect import rounds
from kith.jobs.registry import periodic


@periodic(every_seconds=900)
@task()
def draw_due_rounds() -> int:
    """Every quarter hour: draw each program's round once its draw time has come. A round is
    unique per (program, date), so a second scheduler or a retry never draws it twice."""
    return len(rounds.rounds_run_due())


@periodic(every_seconds=3600)
@task()
def send_due_follow_ups() -> int:
    return rounds.follow_ups_send_due()


@task()
def prepare_round_preview(program_id: int, round_date: str, key: str) -> int:
    """HR's preview of a large round, planned off the request (kith.connect.previews).
    Returns the number of matches planned (0 when the program is gone)."""
    import datetime as dt

    from kith.connect import previews
    from kith.connect.models import Program

    program = Program.objects.filter(pk=program_id).first()
    if program is None:
        return 0
    summary = previews.prepare(program, dt.date.fromisoformat(round_date), key)
    return len(summary["matches"])
