"""Demo collaboration metadata: 12 weeks of believable interactions (teams dense inside, a
few bridges between teams, a few people with no ties, an after-hours hot spot), written as
the generic CSV, imported through the real import path and computed window by window, so
every insights view has something to show. The CSV stays under var/demo/ for trying the
upload page."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings

from kith.directory.models import Person
from kith.insights import services
from kith.insights.compute import monday

WEEKS = 12
MAX_PEOPLE = 3000  # larger demo organisations skip this: bench/insights.py measures scale
DEMO_FILE = "collaboration-demo.csv"


def demo_path() -> Path:
    return Path(settings.DATA_DIR) / "demo" / DEMO_FILE


def _at(rng: random.Random, person: Person, day: dt.date, *, evening: bool) -> dt.datetime:
    start = person.work_start.hour * 60 + person.work_start.minute
    end = person.work_end.hour * 60 + person.work_end.minute
    minute = (
        rng.randrange(20 * 60, 23 * 60)
        if evening
        else rng.randrange(start, max(end - 30, start + 1))
    )
    zone = ZoneInfo(person.timezone) if person.timezone else dt.UTC
    local = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=zone)
    return local.astimezone(dt.UTC)


def write_demo_csv(people: list[Person], *, today: dt.date, seed: int) -> tuple[Path, int]:
    rng = random.Random(seed + 1009)
    teams: dict[int, list[Person]] = defaultdict(list)
    for p in people:
        teams[p.org_unit_id or 0].append(p)
    hot_team = max(teams, key=lambda t: len(teams[t]))  # the busiest team works late
    isolated = _isolated(rng, teams, avoid=hot_team)
    first = monday(today) - dt.timedelta(weeks=WEEKS)
    rows: list[str] = ["from_email,to_email,timestamp,channel,duration_minutes"]
    for w in range(WEEKS):
        week = first + dt.timedelta(weeks=w)
        for team, members in teams.items():
            active = [p for p in members if p.pk not in isolated]
            rows += _team_week(rng, active, week, evening=team == hot_team)
        rows += _bridges(rng, [p for p in people if p.pk not in isolated], week)
    path = demo_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path, len(rows) - 1


def _isolated(rng: random.Random, teams: dict[int, list[Person]], *, avoid: int) -> set[int]:
    """Five people of one team of ten or more have nobody to talk to: a group large enough
    that the privacy rules can show it (five scattered loners would be withheld everywhere)."""
    big = sorted(t for t, members in teams.items() if len(members) >= 10 and t != avoid)
    if not big:
        return set()
    return {p.pk for p in rng.sample(teams[rng.choice(big)], 5)}


def _team_week(
    rng: random.Random, members: list[Person], week: dt.date, *, evening: bool
) -> list[str]:
    rows = []
    if len(members) >= 2:  # the weekly team meeting
        lead, *rest = members
        when = _at(rng, lead, week + dt.timedelta(days=1), evening=False)
        rows.append(
            f"{lead.email},{';'.join(p.email for p in rest)},{when:%Y-%m-%dT%H:%M:%SZ},meeting,30"
        )
    for p in members:
        for _ in range(rng.randint(3, 8)):
            other = rng.choice(members)
            if other.pk == p.pk:
                continue
            day = week + dt.timedelta(days=rng.randrange(5))
            late = evening and rng.random() < 0.35
            when = _at(rng, p, day, evening=late)
            channel = rng.choice(("chat", "chat", "email", "call"))
            rows.append(f"{p.email},{other.email},{when:%Y-%m-%dT%H:%M:%SZ},{channel},")
        if p.manager and w_even(week) and p.manager.email:
            when = _at(rng, p, week + dt.timedelta(days=3), evening=False)
            rows.append(f"{p.manager.email},{p.email},{when:%Y-%m-%dT%H:%M:%SZ},meeting,30")
    return rows


def w_even(week: dt.date) -> bool:
    return week.isocalendar().week % 2 == 0


def _bridges(rng: random.Random, people: list[Person], week: dt.date) -> list[str]:
    """A few people talk across teams every week: the organisation's bridges."""
    rows = []
    for p in rng.sample(people, max(1, len(people) // 8)):
        other = rng.choice(people)
        if other.org_unit_id == p.org_unit_id:
            continue
        for _ in range(rng.randint(2, 3)):
            when = _at(rng, p, week + dt.timedelta(days=rng.randrange(5)), evening=False)
            rows.append(f"{p.email},{other.email},{when:%Y-%m-%dT%H:%M:%SZ},chat,")
    return rows


def seed(*, today: dt.date, seed: int, demo_emails: list[str]) -> str:
    active = Person.objects.filter(is_active=True)
    if not 0 < active.count() <= MAX_PEOPLE:
        return f"Insights: no demo interactions (over {MAX_PEOPLE} people; see bench/insights.py)."
    people = list(active.select_related("manager").order_by("pk"))
    path, events = write_demo_csv(people, today=today, seed=seed)
    services.insights_enable(actor=None, enabled=True)
    with path.open("rb") as source:
        run = services.import_check(source=source, fmt="csv", filename=DEMO_FILE, actor=None)
    if run.status != run.Status.PREVIEWED:
        raise RuntimeError(f"the demo collaboration file did not import: {run.errors[:3]}")
    services.import_apply(run=run, actor=None)
    last = monday(today) - dt.timedelta(weeks=1)
    computed = 0
    for back in range(WEEKS - 4, -1, -1):
        services.insights_compute_week(week=last - dt.timedelta(weeks=back))
        computed += 1
    return (
        f"Insights: {events} demo interactions over {WEEKS} weeks ({path}), "
        f"{computed} windows computed."
    )
