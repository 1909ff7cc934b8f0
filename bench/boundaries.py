"""Benchmark boundaries at 100k people: quiet periods, rescheduling, sending, office days.

    .venv/bin/python bench/boundaries.py [--people 100000] [--repeat 3] [--sends 200]
        [--page-calls 20] [--seed 7] [--data-dir DIR]

Prints one JSON line per measurement. No timing is asserted: the numbers are for reading.

Setup (not measured) migrates a fresh SQLite database in a temporary KITH_DATA_DIR (or
--data-dir, reused while the parameters match) and bulk-creates the organisation,
deterministic for a seed: 500 org units (20 departments, 480 teams under them), --people
active people in random teams and in 12 time zones (2% with none: the organisation's zone),
default working hours (9-17, Monday-Friday); tech-free hours on 50 units (10 departments,
whose hours hold every team below them, and 40 teams), one or two weekdays each, 1-3 hours
from 9:00-14:00; 10 offices; 10% of people with a weekly office-day plan (one to three
weekdays, sometimes in two offices) and 1% with a week of leave.

- `quiet_periods_for`: `kith.guidelines.selectors.boundaries.quiet_periods_for` for every
  person over the next 60 days with one wellness week (days 40-44) in range: median and max
  seconds of --repeat runs, then `peak_mb` of one more run under tracemalloc.
- `reschedule`: one undelivered notification per person, due at a random moment of the next
  30 days (bulk_create), first placed by `notifications_reschedule` itself (`baseline_*`: it
  moves most of them into working hours, the cost of a reschedule that moves nearly
  everything); then HR creates a wellness week on days 10-16 through
  `kith.guidelines.services.boundaries.wellness_week_create`, and the
  `kith.notify.tasks.reschedule_notifications` task it enqueued is run synchronously with
  the enqueued arguments. `moved` is what the task returned; `expected_moved` counts the
  notifications whose baseline delivery fell on those dates in the person's own zone (the
  two should match); `still_inside_week` counts notifications left inside the week (0).
- `notification_send`: `kith.notify.services.notification_send` to --sends people in units
  with tech-free hours (the guidelines app's quiet periods registered, the wellness weeks
  above in place): median and max ms, queries per call (CaptureQueriesContext).
- `office_days_page`: `kith.places.selectors.days.my_office_days_for_viewer` (what /places/
  renders) for a person planning three weekdays in the busiest office, in the team with the
  most planners: median and max ms of --page-calls calls after one warm-up, queries per call.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEPARTMENTS = 20
TEAMS = 480
RULE_DEPARTMENTS = 10
RULE_TEAMS = 40
OFFICES = 10
ZONES = [
    "Europe/Lisbon",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Warsaw",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
]
QUIET_DAYS = 60
NOTIFICATION_DAYS = 30
SEEDED_WEEK = (40, 44)  # days from today: the wellness week inside the 60 days measured
CREATED_WEEK = (10, 16)  # days from today: the one HR creates in the reschedule stage
SEEDED_NAME = "Bench autumn log-off"
CREATED_NAME = "Bench summer log-off"


def code_version() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    watched = ("kith/guidelines", "kith/notify", "kith/places", "kith/core/boundaries.py")
    return commit + ("+dirty" if git("status", "--porcelain", "--", *watched) else "")


# --- the synthetic organisation -----------------------------------------------------------------


def build(people: int, seed: int) -> dict[str, Any]:
    from django.db import transaction

    from kith.directory.models import Office, OrgUnit, Person
    from kith.guidelines.models import TechFreeHours
    from kith.places.models import Leave, OfficeDay

    rng = random.Random(seed)
    today = dt.date.today()
    with transaction.atomic():
        departments = [
            OrgUnit(name=f"Department {i}", kind="department") for i in range(DEPARTMENTS)
        ]
        OrgUnit.objects.bulk_create(departments)
        for d in departments:
            d.path, d.depth = f"{d.pk}.", 0
        OrgUnit.objects.bulk_update(departments, ["path", "depth"])
        teams = [
            OrgUnit(name=f"Team {i}", kind="team", parent=departments[i % DEPARTMENTS])
            for i in range(TEAMS)
        ]
        OrgUnit.objects.bulk_create(teams)
        for t in teams:
            t.path, t.depth = f"{t.parent.path}{t.pk}.", 1
        OrgUnit.objects.bulk_update(teams, ["path", "depth"])

        rule_units = rng.sample(departments, RULE_DEPARTMENTS) + rng.sample(teams, RULE_TEAMS)
        rules = []
        for unit in rule_units:
            for weekday in rng.sample(range(1, 6), rng.choice([1, 1, 2])):
                start = rng.randrange(9, 15)
                rules.append(
                    TechFreeHours(
                        org_unit=unit,
                        weekday=weekday,
                        starts_at=dt.time(start),
                        ends_at=dt.time(start + rng.randint(1, 3)),
                    )
                )
        TechFreeHours.objects.bulk_create(rules)

        rows = []
        for n in range(people):
            zone = rng.choice(ZONES) if rng.random() > 0.02 else ""
            rows.append(
                Person(
                    employee_id=f"E{n:07d}",
                    full_name=f"Person {n:07d}",
                    email=f"person{n}@example.com",
                    org_unit=teams[rng.randrange(TEAMS)],
                    timezone=zone,
                    search_text=f"person {n:07d}",
                )
            )
        Person.objects.bulk_create(rows, batch_size=5000)
        ids = list(Person.objects.order_by("id").values_list("id", flat=True))

        offices = [
            Office(
                name=f"Office {i}",
                city=f"City {i}",
                country="PT",
                latitude=38.0 + i,
                longitude=-9.0 + i,
                timezone="Europe/Lisbon",
            )
            for i in range(OFFICES)
        ]
        Office.objects.bulk_create(offices)
        weights = [1 / (i + 1) for i in range(OFFICES)]  # a few busy offices, a long tail
        plans = []
        for pid in rng.sample(ids, people // 10):
            home = rng.choices(offices, weights=weights)[0]
            for weekday in rng.sample(range(1, 6), rng.randint(1, 3)):
                office = home if rng.random() > 0.1 else rng.choice(offices)
                plans.append(
                    OfficeDay(
                        person_id=pid,
                        office=office,
                        weekday=weekday,
                        starts_on=today - dt.timedelta(days=rng.randrange(0, 60)),
                        ends_on=None if rng.random() > 0.1 else today + dt.timedelta(days=90),
                    )
                )
        OfficeDay.objects.bulk_create(plans, batch_size=5000)
        leave = []
        for pid in rng.sample(ids, people // 100):
            first = today + dt.timedelta(days=rng.randrange(0, 28))
            leave.append(Leave(person_id=pid, starts_on=first, ends_on=first + dt.timedelta(4)))
        Leave.objects.bulk_create(leave, batch_size=5000)
    return {
        "org_units": len(departments) + len(teams),
        "tech_free_units": len(rule_units),
        "tech_free_rules": len(rules),
        "offices": len(offices),
        "planners": people // 10,
        "office_day_plans": len(plans),
        "leave_rows": len(leave),
    }


def ensure_seeded_week() -> None:
    """Exactly one wellness week, on days 40-44 from today (the database may be reused)."""
    from kith.guidelines.models import WellnessWeek

    today = dt.date.today()
    WellnessWeek.objects.all().delete()
    WellnessWeek.objects.create(
        name=SEEDED_NAME,
        starts_on=today + dt.timedelta(days=SEEDED_WEEK[0]),
        ends_on=today + dt.timedelta(days=SEEDED_WEEK[1]),
    )


def hr_viewer() -> Any:
    from django.contrib.auth.models import Group

    from kith.accounts.models import User
    from kith.core.permissions import HR_ADMINS_GROUP, viewer_for_user
    from kith.directory.models import Person

    person, _ = Person.objects.get_or_create(
        employee_id="BENCH-HR", defaults={"full_name": "Bench HR", "email": "hr@example.com"}
    )
    user, _ = User.objects.get_or_create(email=person.email)
    user.groups.add(Group.objects.get_or_create(name=HR_ADMINS_GROUP)[0])
    return viewer_for_user(user)


# --- 1. quiet periods ---------------------------------------------------------------------------


def measure_quiet_periods(args: argparse.Namespace) -> dict[str, Any]:
    from django.utils import timezone

    from kith.directory.models import Person
    from kith.guidelines.selectors.boundaries import quiet_periods_for

    ids = list(Person.objects.order_by("id").values_list("id", flat=True))
    begin = timezone.now()
    end = begin + dt.timedelta(days=QUIET_DAYS)
    times = []
    found: dict[int, list[Any]] = {}
    for _ in range(args.repeat):
        found = {}
        gc.collect()
        started = time.perf_counter()
        found = quiet_periods_for(ids, begin, end)
        times.append(time.perf_counter() - started)
    found = {}
    gc.collect()
    tracemalloc.start()
    found = quiet_periods_for(ids, begin, end)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    distinct = {id(v) for v in found.values()}
    return {
        "benchmark": "quiet_periods_for",
        "people": len(ids),
        "days": QUIET_DAYS,
        "people_with_quiet_periods": len(found),
        "distinct_interval_lists": len(distinct),
        "intervals_per_person_max": max((len(v) for v in found.values()), default=0),
        "median_seconds": round(statistics.median(times), 3),
        "max_seconds": round(max(times), 3),
        "repeat": args.repeat,
        "peak_mb": round(peak / 2**20, 1),
    }


# --- 2. rescheduling when a wellness week is created --------------------------------------------


def seed_notifications(seed: int) -> int:
    from django.db import transaction
    from django.utils import timezone

    from kith.directory.models import Person
    from kith.notify.models import Notification

    rng = random.Random(seed + 1)
    Notification.objects.all().delete()
    now = timezone.now()
    span = NOTIFICATION_DAYS * 86400
    rows = []
    for pid in Person.objects.exclude(employee_id="BENCH-HR").values_list("id", flat=True):
        due = now + dt.timedelta(seconds=rng.randrange(3600, span))
        rows.append(
            Notification(
                person_id=pid,
                kind="bench.reminder",
                subject="A reminder",
                deliver_at=due,
                due_at=due,
                email_state=Notification.EmailState.PENDING,
            )
        )
    with transaction.atomic():
        Notification.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def inside_week(first: dt.date, last: dt.date) -> int:
    """Undelivered notifications whose delivery falls on first..last in the person's zone."""
    from django.conf import settings
    from django.utils import timezone

    from kith.notify.models import Notification

    fallback = ZoneInfo(settings.TIME_ZONE)
    zones: dict[str, ZoneInfo] = {}
    count = 0
    rows = Notification.objects.filter(deliver_at__gt=timezone.now()).values_list(
        "deliver_at", "person__timezone"
    )
    for moment, zone in rows.iterator(chunk_size=5000):
        if zone not in zones:
            zones[zone] = ZoneInfo(zone) if zone else fallback
        count += first <= moment.astimezone(zones[zone]).date() <= last
    return count


def measure_reschedule(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    from kith.guidelines.models import WellnessWeek
    from kith.guidelines.services.boundaries import wellness_week_create
    from kith.notify.services import notifications_reschedule
    from kith.notify.tasks import reschedule_notifications

    today = dt.date.today()
    first = today + dt.timedelta(days=CREATED_WEEK[0])
    last = today + dt.timedelta(days=CREATED_WEEK[1])
    WellnessWeek.objects.filter(name=CREATED_NAME).delete()
    DBTaskResult.objects.all().delete()
    viewer = hr_viewer()

    started = time.perf_counter()
    seeded = seed_notifications(args.seed)
    seed_seconds = time.perf_counter() - started

    started = time.perf_counter()
    baseline_moved = notifications_reschedule()
    baseline_seconds = time.perf_counter() - started
    expected = inside_week(first, last)

    started = time.perf_counter()
    with transaction.atomic():  # as in a request: the task is enqueued on commit
        week = wellness_week_create(
            viewer=viewer, name=CREATED_NAME, starts_on=first, ends_on=last, today=today
        )
    create_seconds = time.perf_counter() - started
    enqueued = list(
        DBTaskResult.objects.filter(task_path__endswith="reschedule_notifications").values_list(
            "args_kwargs", flat=True
        )
    )
    call = enqueued[0] if enqueued else {"args": [None], "kwargs": {}}

    gc.collect()
    started = time.perf_counter()
    moved = reschedule_notifications.call(*call["args"], **call["kwargs"])
    reschedule_seconds = time.perf_counter() - started
    left_inside = inside_week(first, last)
    week.delete()  # notification_send below measures with the seeded week only
    return {
        "benchmark": "reschedule",
        "notifications": seeded,
        "seed_seconds": round(seed_seconds, 1),
        "baseline_seconds": round(baseline_seconds, 2),
        "baseline_moved": baseline_moved,
        "wellness_week": f"{first}..{last}",
        "create_week_seconds": round(create_seconds, 3),
        "tasks_enqueued": len(enqueued),
        "task_args": call,
        "reschedule_seconds": round(reschedule_seconds, 2),
        "moved": moved,
        "expected_moved": expected,
        "still_inside_week": left_inside,
    }


# --- 3. notification_send -----------------------------------------------------------------------


def measure_send(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kith.core import boundaries
    from kith.directory.models import Person
    from kith.guidelines.models import TechFreeHours
    from kith.notify.services import notification_send

    units = TechFreeHours.objects.values("org_unit_id")
    team_people = list(Person.objects.filter(org_unit_id__in=units).order_by("id")[: args.sends])
    rng = random.Random(args.seed + 2)
    under_departments = list(
        Person.objects.exclude(org_unit_id__in=units)
        .filter(org_unit__parent_id__in=units)
        .order_by("id")[: args.sends]
    )
    people = rng.sample(team_people + under_departments, args.sends)
    notification_send(person=people[0], subject="Warm-up")
    timings, queries = [], []
    for person in people:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            notification_send(person=person, subject="A reminder", url="/places/")
            timings.append((time.perf_counter() - started) * 1000)
        queries.append(len(captured.captured_queries))
    return {
        "benchmark": "notification_send",
        "quiet_sources": sorted(boundaries._quiet_sources),
        "calls": len(timings),
        "median_ms": round(statistics.median(timings), 2),
        "max_ms": round(max(timings), 2),
        "queries_per_call": dict(sorted(Counter(queries).items())),
    }


# --- 4. office days page ------------------------------------------------------------------------


def measure_office_days(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from kith.accounts.models import User
    from kith.core.permissions import viewer_for_user
    from kith.directory.models import Person
    from kith.places.models import OfficeDay
    from kith.places.selectors.days import my_office_days_for_viewer

    busiest = (
        OfficeDay.objects.values("office_id").annotate(n=Count("id")).order_by("-n")[0]["office_id"]
    )
    team = (
        OfficeDay.objects.filter(office_id=busiest)
        .values("person__org_unit_id")
        .annotate(n=Count("id"))
        .order_by("-n")[0]["person__org_unit_id"]
    )
    candidates = (
        OfficeDay.objects.filter(person__org_unit_id=team, office_id=busiest)
        .values("person_id")
        .annotate(n=Count("id"))
        .order_by("-n", "person_id")
    )
    person = Person.objects.get(pk=candidates[0]["person_id"])
    user, _ = User.objects.get_or_create(email=person.email)
    viewer = viewer_for_user(user)
    today = timezone.localdate()
    page = my_office_days_for_viewer(viewer, today=today)  # warm-up
    timings, queries = [], []
    for _ in range(args.page_calls):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            page = my_office_days_for_viewer(viewer, today=today)
            timings.append((time.perf_counter() - started) * 1000)
        queries.append(len(captured.captured_queries))
    office_days = [d for d in page.days if d.there is not None]
    return {
        "benchmark": "office_days_page",
        "viewer_plans": len(page.plans),
        "office_days_shown": len(office_days),
        "people_there_max": max(
            (len(d.there.people) + (d.there.others or 0) for d in office_days), default=0
        ),
        "named_max": max((len(d.there.people) for d in office_days), default=0),
        "calls": len(timings),
        "median_ms": round(statistics.median(timings), 1),
        "max_ms": round(max(timings), 1),
        "queries_per_call": dict(sorted(Counter(queries).items())),
    }


# --- running ------------------------------------------------------------------------------------


def run(args: argparse.Namespace, data_dir: Path) -> list[dict[str, Any]]:
    os.environ["KITH_DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["KITH_DEBUG"] = "false"
    os.environ["KITH_LOG_LEVEL"] = "WARNING"
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    (data_dir / "static").mkdir(exist_ok=True)
    marker = data_dir / "boundaries-bench.json"
    key = {"people": args.people, "seed": args.seed, "version": 1}
    built = json.loads(marker.read_text()) if marker.exists() else None
    out: list[dict[str, Any]] = []
    if built is None or built.get("key") != key:
        for old in data_dir.glob("kith.sqlite3*"):
            old.unlink()
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        migrate_seconds = time.perf_counter() - started
        started = time.perf_counter()
        built = {"key": key, "info": build(args.people, args.seed)}
        marker.write_text(json.dumps(built))
        out.append(
            {
                "benchmark": "boundaries_setup",
                **key,
                **built["info"],
                "migrate_seconds": round(migrate_seconds, 1),
                "build_seconds": round(time.perf_counter() - started, 1),
            }
        )
    ensure_seeded_week()
    for stage in (measure_quiet_periods, measure_reschedule, measure_send, measure_office_days):
        row = stage(args)
        print(json.dumps({**row, **args.common}), flush=True)
        out.append(row)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sends", type=int, default=200)
    parser.add_argument("--page-calls", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data-dir", help="keep (and reuse) the database here")
    args = parser.parse_args()
    args.common = {"database": "sqlite", "commit": code_version(), "date": str(dt.date.today())}
    started = time.perf_counter()
    temporary = None
    if args.data_dir:
        data_dir = Path(args.data_dir)
        data_dir.mkdir(parents=True, exist_ok=True)
    else:
        temporary = tempfile.mkdtemp(prefix="kith-bench-boundaries-")
        data_dir = Path(temporary)
    try:
        rows = run(args, data_dir)
    finally:
        if temporary:
            shutil.rmtree(temporary, ignore_errors=True)
    setup = [r for r in rows if r["benchmark"] == "boundaries_setup"]
    summary = {"benchmark": "boundaries_run", "total_seconds": round(time.perf_counter() - started)}
    for row in setup:
        summary.update({k: v for k, v in row.items() if k != "benchmark"})
    print(json.dumps({**summary, **args.common}), flush=True)


if __name__ == "__main__":
    main()
