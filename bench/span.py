"""Benchmark span of control at 100k people: the engine alone, then through the database.

    .venv/bin/python bench/span.py [--stages engine,database] [--people 100000] [--seed 7]
        [--repeat 5] [--data-dir DIR]

Prints one JSON line per stage.

The synthetic organisation (deterministic for a seed): a chief, then managers taken in
breadth-first order, each given a span drawn from a realistic spread (3-12 for most, 1-2 for
6%, 13-25 for 5%) until --people people exist; people are numbered in random order, as an
import would. 90% of the people with a manager have an active direct 1:1 (cadence 7, 14 or
28 days; the rest at the organisation's default), and 80% of those pairs held one in the
last 90 days (plus older meetings that do not count).

- `engine`: `kith.touchpoints.engine.span` on arrays, as `selectors.span.compute_spans`
  calls it (ids to positions, cadence and held 1:1s per report, every span figure, the
  distribution): median and max seconds of --repeat runs, and `peak_mb`, the most memory
  numpy and Python allocated during one run (tracemalloc; numpy reports its buffers to it).
- `database`: the same organisation in a fresh SQLite database (a temporary KITH_DATA_DIR,
  or --data-dir, reused while the parameters match): people, their 1:1 pairs and held
  meetings written with bulk_create. Measured in forked children, each with VmHWM reset at
  its start: `organisation_spans` (three queries and the engine: what every HR page and the
  report compute), `span_report` (the CSV's rows), and pages through Django's test client
  with DEBUG off, median of --repeat after one warm-up: HR's overview (flagged managers),
  HR's table of all managers sorted by name, the chief's own page (a reporting line of
  everyone) and a team lead's, and HR's page of a department head. Goal: a page in 1 s.
"""

from __future__ import annotations

import argparse
import ctypes
import datetime as dt
import gc
import json
import multiprocessing as mp
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_PAGE_MS = 1000
CADENCES = np.array([7, 14, 28], dtype=np.int64)


# --- the synthetic organisation ----------------------------------------------------------------


def organisation(people: int, seed: int) -> dict[str, np.ndarray]:
    """ids (1..n in random order), manager ids (0: none), and the 1:1 pairs and held ones."""
    rng = np.random.default_rng(seed)
    manager = np.full(people, -1, dtype=np.int64)
    queue = [0]
    made = 1
    head = 0
    while made < people:
        boss = queue[head]
        head += 1
        kind = rng.random()
        if kind < 0.06:
            span = int(rng.integers(1, 3))
        elif kind < 0.95:
            span = int(rng.integers(3, 13))
        else:
            span = int(rng.integers(13, 26))
        span = min(span, people - made)
        manager[made : made + span] = boss
        queue.extend(range(made, made + span))
        made += span
    ids = rng.permutation(people).astype(np.int64) + 1  # position -> person id
    manager_ids = np.where(manager >= 0, ids[np.maximum(manager, 0)], 0)
    reports = np.flatnonzero(manager >= 0)
    paired = reports[rng.random(reports.size) < 0.9]
    cadence = CADENCES[rng.integers(0, 3, paired.size)]
    held = rng.random(paired.size) < 0.8
    return {
        "ids": ids,
        "manager_ids": manager_ids,
        "pair_manager": manager_ids[paired],
        "pair_report": ids[paired],
        "pair_cadence": cadence,
        "pair_held": held,
    }


# --- processes ------------------------------------------------------------------------------


def forked(function: Callable[[], Any]) -> Any:
    """function() in a forked child, with no database connection shared with it."""
    from django.apps import apps

    if apps.ready:  # the engine stage runs before Django is set up
        from django.db import connections

        connections.close_all()
    context = mp.get_context("fork")
    parent_end, child_end = context.Pipe(duplex=False)

    def child() -> None:
        try:
            child_end.send(("ok", function()))
        except BaseException:
            child_end.send(("error", traceback.format_exc()))
            raise

    process = context.Process(target=child)
    process.start()
    status, out = parent_end.recv()
    process.join()
    if status != "ok":
        raise RuntimeError(f"child failed:\n{out}")
    return out


def reset_peak() -> None:
    """Start VmHWM again from the current RSS (Linux >= 4.0)."""
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def memory_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def code_version() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + ("+dirty" if git("status", "--porcelain", "--", "kith/touchpoints") else "")


# --- engine -------------------------------------------------------------------------------------


def engine_once(org: dict[str, np.ndarray]) -> dict[str, Any]:
    from kith.touchpoints.engine import span as engine

    order = np.argsort(org["ids"])
    ids = org["ids"][order]
    manager = engine.positions(ids, org["manager_ids"][order])
    pm = engine.positions(ids, org["pair_manager"])
    pr = engine.positions(ids, org["pair_report"])
    cadence = engine.pair_values(manager, pm, pr, org["pair_cadence"].astype(np.float64), 14.0)
    held = org["pair_held"]
    met = engine.pair_values(manager, pm[held], pr[held], np.ones(int(held.sum())), 0.0)
    spans = engine.spans(
        manager, cadence_days=cadence, held=met > 0, minutes=30.0, warn_at=10, alert_at=15
    )
    dist = engine.distribution(spans.direct, warn_at=10, alert_at=15)
    return {"managers": dist.managers, "median": dist.median, "too_wide": dist.too_wide}


def stage_engine(args: argparse.Namespace) -> dict[str, Any]:
    org = organisation(args.people, args.seed)
    engine_once(org)  # warm-up (imports)
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = engine_once(org)
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    engine_once(org)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "benchmark": "span_engine",
        "people": args.people,
        "pairs": int(org["pair_report"].size),
        **result,
        "median_seconds": round(statistics.median(times), 4),
        "max_seconds": round(max(times), 4),
        "peak_mb": round(peak / 2**20, 1),
        "repeat": args.repeat,
    }


# --- database -----------------------------------------------------------------------------------


def build(args: argparse.Namespace) -> dict[str, Any]:
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.utils import timezone

    from kith.accounts.models import User
    from kith.core.dates import org_today
    from kith.core.permissions import HR_ADMINS_GROUP
    from kith.directory.models import Person
    from kith.touchpoints.models import Meeting, OneOnOne

    started = time.perf_counter()
    org = organisation(args.people, args.seed)
    today = org_today()
    with transaction.atomic():
        Person.objects.bulk_create(
            (
                Person(
                    pk=int(pid),
                    employee_id=f"E{pid:07d}",
                    full_name=f"Person {pid:07d}",
                    email=f"p{pid}@example.com",
                    manager_id=int(mid) or None,
                    search_text=f"person {pid:07d}",
                )
                for pid, mid in zip(org["ids"], org["manager_ids"], strict=True)
            ),
            batch_size=5000,
        )
        pairs = OneOnOne.objects.bulk_create(
            (
                OneOnOne(manager_id=int(m), report_id=int(r), cadence_days=int(c))
                for m, r, c in zip(
                    org["pair_manager"], org["pair_report"], org["pair_cadence"], strict=True
                )
            ),
            batch_size=5000,
        )
        now = timezone.now()
        meetings = []
        for pair, held in zip(pairs, org["pair_held"], strict=True):
            old = today - dt.timedelta(days=150)
            meetings.append(
                Meeting(one_on_one_id=pair.pk, starts_at=now, status="held", held_on=old)
            )
            if held:
                day = today - dt.timedelta(days=int(pair.pk) % 80 + 1)
                meetings.append(
                    Meeting(one_on_one_id=pair.pk, starts_at=now, status="held", held_on=day)
                )
        Meeting.objects.bulk_create(meetings, batch_size=5000)
        hr_person = Person.objects.create(
            employee_id="HR", full_name="Bench HR", email="hr@example.com"
        )
        hr = User.objects.create(email=hr_person.email)
        hr.groups.add(Group.objects.get_or_create(name=HR_ADMINS_GROUP)[0])
        chief_id = int(org["ids"][0])
        chief = User.objects.create(email=f"p{chief_id}@example.com")
    ids, managers = org["ids"], org["manager_ids"]
    direct = {
        int(k): int(v)
        for k, v in zip(*np.unique(managers[managers > 0], return_counts=True), strict=True)
    }
    department_head = int(ids[1])  # the chief's first report
    lead = next(pid for pid, n in direct.items() if 6 <= n <= 10 and pid != chief_id)
    lead_user = User.objects.create(email=f"p{lead}@example.com")
    return {
        "setup_seconds": round(time.perf_counter() - started, 1),
        "pairs": len(pairs),
        "meetings": len(meetings),
        "hr_user": hr.pk,
        "chief_user": chief.pk,
        "lead_user": lead_user.pk,
        "department_head": department_head,
    }


def measure_compute() -> dict[str, Any]:
    from kith.touchpoints.selectors.span import organisation_spans, span_report

    organisation_spans()  # warm-up: imports, SQLite's page cache
    reset_peak()
    start_mb = memory_mb("VmRSS")
    started, cpu = time.perf_counter(), time.process_time()
    org = organisation_spans()
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    peak = memory_mb("VmHWM")
    started = time.perf_counter()
    rows = span_report()
    report_seconds = time.perf_counter() - started
    return {
        "benchmark": "span_database_compute",
        "people": int(org.ids.size),
        "managers": org.distribution().managers,
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu_seconds, 3),
        "start_mb": start_mb,
        "peak_mb": peak,
        "report_seconds": round(report_seconds, 3),
        "report_rows": len(rows),
    }


def measure_pages(info: dict[str, Any], repeat: int) -> list[dict[str, Any]]:
    from django.test import Client

    from kith.accounts.models import User

    variants = [
        ("hr_overview", "hr_user", "/touchpoints/span/"),
        ("hr_all_by_name", "hr_user", "/touchpoints/span/?show=all&sort=name&page=3"),
        ("hr_department_head", "hr_user", f"/touchpoints/span/managers/{info['department_head']}/"),
        ("chief_own_page", "chief_user", "/touchpoints/span/mine/"),
        ("team_lead_own_page", "lead_user", "/touchpoints/span/mine/"),
    ]
    rows = []
    for name, user, url in variants:
        client = Client()
        client.force_login(User.objects.get(pk=info[user]))
        warm = client.get(url)
        assert warm.status_code == 200, (url, warm.status_code)
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        median = statistics.median(timings)
        rows.append(
            {
                "benchmark": "span_page",
                "variant": name,
                "url": url,
                "median_ms": round(median, 1),
                "max_ms": round(max(timings), 1),
                "repeat": repeat,
                "html_kb": round(len(warm.content) / 1024, 1),
                "goal_ms": GOAL_PAGE_MS,
                "within_goal": median <= GOAL_PAGE_MS,
            }
        )
    return rows


def stage_database(args: argparse.Namespace, data_dir: Path) -> list[dict[str, Any]]:
    os.environ["KITH_DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["KITH_DEBUG"] = "false"
    os.environ["KITH_LOG_LEVEL"] = "WARNING"
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    (data_dir / "static").mkdir(exist_ok=True)
    marker = data_dir / "span-bench.json"
    key = {"people": args.people, "seed": args.seed}
    built = json.loads(marker.read_text()) if marker.exists() else None
    out: list[dict[str, Any]] = []
    if built is None or built.get("key") != key:
        for old in data_dir.glob("kith.sqlite3*"):
            old.unlink()
        call_command("migrate", verbosity=0)
        built = {"key": key, "info": forked(lambda: build(args))}
        marker.write_text(json.dumps(built))
        out.append({"benchmark": "span_setup", **key, **built["info"]})
    info = built["info"]
    out.append(forked(measure_compute))
    out.extend(forked(lambda: measure_pages(info, args.repeat)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--stages", default="engine,database")
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--data-dir", help="keep (and reuse) the database here")
    args = parser.parse_args()
    stages = set(args.stages.split(","))
    common = {"commit": code_version(), "date": dt.date.today().isoformat()}
    if "engine" in stages:
        print(json.dumps({**forked(lambda: stage_engine(args)), **common}), flush=True)
    if "database" in stages:
        temporary = None
        if args.data_dir:
            data_dir = Path(args.data_dir)
            data_dir.mkdir(parents=True, exist_ok=True)
        else:
            temporary = tempfile.mkdtemp(prefix="kith-bench-span-")
            data_dir = Path(temporary)
        try:
            for row in stage_database(args, data_dir):
                print(json.dumps({**row, **common}), flush=True)
        finally:
            if temporary:
                shutil.rmtree(temporary, ignore_errors=True)


if __name__ == "__main__":
    main()
