"""Benchmark HR's preview of a Connect round (the next coffee-chat round, not yet drawn).

    .venv/bin/python bench/connect_preview.py [--people 300,20000] [--repeat 5] [--seed 7]
        [--history 6] [--profile] [--data-dir DIR]

Prints one JSON line per organisation size (and one setup line when a database is built).

Setup (not measured), per size, in a fresh SQLite database (a temporary KITH_DATA_DIR, or
--data-dir/<people>, reused while the parameters match): the demo organisation
(`kith.directory.demo.seed.seed_demo_organisation`, interests, working hours, cities and
time zones as `kith seed_demo` makes them), an opt-out coffee chat every two weeks for
everyone, and --history earlier rounds of it drawn by the real engine without notifying
anyone (the demo's history, so the no-repeat window has pairs to rule out), plus an HR admin.

Measured, in a forked child holding Django: HR's preview page
(`/connect/manage/<id>/preview/`) through Django's test client with DEBUG off, signed in as
the HR admin, after a change to the program (nothing cached for this state):
- `first_response_ms`: the first request. Above `kith.connect.previews.INLINE_PEOPLE`
  candidates it enqueues the plan and answers with the progress page (`planned_in`:
  "background"); below, it plans the round itself ("request");
- `plan_seconds`: planning the round and storing it (`previews.prepare`, what the worker's
  `prepare_round_preview` task runs), measured here in the same process;
- `ready_page_ms`: the first request once the plan is ready; `median_ms` / `max_ms`: --repeat
  further requests (the page for an unchanged program); `queries`: of one such request;
  `state_key_ms`: computing the state key alone (every request does).
`--profile` runs the planning under cProfile and prints the top functions to stderr.
Goal (issue 14, item 9): the page answers in <= 300 ms at 300 people (`within_goal`: the
first response and the median).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import forked  # noqa: E402

GOAL_MS = 300


def code_version() -> str:
    try:
        return subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def build(people: int, seed: int, history: int) -> dict[str, Any]:
    from django.contrib.auth.models import Group

    from kith.accounts.models import User
    from kith.connect import rounds
    from kith.connect.engine.cadence import draw_time, round_dates
    from kith.connect.models import Program
    from kith.core.dates import org_today
    from kith.core.permissions import HR_ADMINS_GROUP
    from kith.directory.demo.seed import seed_demo_organisation

    started = time.perf_counter()
    today = org_today()
    seed_demo_organisation(people=people, seed=seed, today=today)
    program = Program.objects.create(
        name="Coffee chat",
        join_mode=Program.JoinMode.OPT_OUT,
        cadence=Program.Cadence.BIWEEKLY,
        weekday=3,
        starts_on=today - dt.timedelta(weeks=2 * history + 1),
    )
    dates = round_dates(
        starts_on=program.starts_on,
        weekday=program.weekday,
        cadence=program.cadence,  # type: ignore[arg-type]
        after=program.starts_on,
        count=history + 2,
    )
    past = [d for d in dates if d < today][-history:] if history else []
    for date in past:
        rounds.round_run(program=program, round_date=date, now=draw_time(date), notify=False)
    hr = User.objects.create(email="bench-hr@example.com")
    hr.groups.add(Group.objects.get_or_create(name=HR_ADMINS_GROUP)[0])
    return {
        "setup_seconds": round(time.perf_counter() - started, 1),
        "program": program.pk,
        "hr_user": hr.pk,
        "history_rounds": len(past),
    }


def measure(info: dict[str, Any], repeat: int, profile: bool) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from kith.accounts.models import User
    from kith.connect import previews, selectors
    from kith.connect.models import Program

    client = Client()
    client.force_login(User.objects.get(pk=info["hr_user"]))
    url = f"/connect/manage/{info['program']}/preview/"
    program = Program.objects.get(pk=info["program"])

    def touch() -> None:  # a change to the program: whatever was cached no longer holds
        program.save(update_fields=["updated_at"])

    def get() -> tuple[float, str]:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.status_code
        return elapsed, response.content.decode()

    client.get("/connect/")  # imports, template loading: not the preview's own cost
    touch()
    first_ms, first = get()
    background = "Preparing the preview" in first
    date = selectors.next_round_date(program)
    key = previews.state_key(program, date)
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    started = time.perf_counter()
    previews.prepare(program, date, key)  # what the worker's task does (or the request did)
    plan_seconds = time.perf_counter() - started
    if profiler:
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
        print(out.getvalue(), file=sys.stderr)
    ready_ms, page = get()
    assert "Draw this round" in page
    timings = [get()[0] for _ in range(repeat)]
    with CaptureQueriesContext(connection) as queries:
        get()
    started = time.perf_counter()
    previews.state_key(program, date)
    key_ms = (time.perf_counter() - started) * 1000
    median = statistics.median(timings)
    return {
        "benchmark": "connect_preview",
        "people": _people(),
        "taking_part": previews.candidate_estimate(program),
        "planned_in": "background" if background else "request",
        "first_response_ms": round(first_ms, 1),
        "plan_seconds": round(plan_seconds, 3),
        "ready_page_ms": round(ready_ms, 1),
        "median_ms": round(median, 1),
        "max_ms": round(max(timings), 1),
        "repeat": repeat,
        "queries": len(queries.captured_queries),
        "state_key_ms": round(key_ms, 1),
        "html_kb": round(len(page) / 1024, 1),
        "goal_ms": GOAL_MS,
        "within_goal": max(first_ms, median) <= GOAL_MS,
    }


def _people() -> int:
    from kith.directory.models import Person

    return Person.objects.filter(is_active=True).count()


def run_size(args: argparse.Namespace, people: int, data_dir: Path) -> list[dict[str, Any]]:
    from django.core.management import call_command

    marker = data_dir / "connect-preview-bench.json"
    key = {"people": people, "seed": args.seed, "history": args.history}
    built = json.loads(marker.read_text()) if marker.exists() else None
    out: list[dict[str, Any]] = []
    if built is None or built.get("key") != key:
        for old in data_dir.glob("kith.sqlite3*"):
            old.unlink()
    call_command("migrate", verbosity=0)  # a reused database follows the code's migrations
    if built is None or built.get("key") != key:
        built = {"key": key, "info": forked(lambda: build(people, args.seed, args.history))}
        marker.write_text(json.dumps(built))
        out.append({"benchmark": "connect_preview_setup", **key, **built["info"]})
    out.append(forked(lambda: measure(built["info"], args.repeat, args.profile)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--people", default="300,20000")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--history", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--data-dir", help="keep (and reuse) the databases under here")
    args = parser.parse_args()
    sizes = [int(n) for n in args.people.split(",")]
    common = {"commit": code_version(), "date": dt.date.today().isoformat()}
    root = Path(args.data_dir) if args.data_dir else Path(tempfile.mkdtemp(prefix="kith-cp-"))
    os.environ["KITH_DATA_DIR"] = str(root)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["KITH_DEBUG"] = "false"
    os.environ["KITH_LOG_LEVEL"] = "WARNING"
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.conf import settings
    from django.db import connections

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    try:
        for people in sizes:
            data_dir = root / str(people)
            data_dir.mkdir(parents=True, exist_ok=True)
            (data_dir / "static").mkdir(exist_ok=True)
            connections.close_all()
            settings.DATABASES["default"]["NAME"] = str(data_dir / "kith.sqlite3")
            for row in run_size(args, people, data_dir):
                print(json.dumps({**row, **common}), flush=True)
    finally:
        if not args.data_dir:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
