"""Demo span of control: the demo manager's team grew month by month to 16 direct reports
(too wide at the default thresholds), and six months of snapshots tell that story so the
trend shows.

The people who join the demo manager are taken from the same department first, half a team
at a time, and only people who manage nobody, so the manager tree stays a tree (nobody can
end up managing someone above them). Their 1:1 pairs follow them (the old pair switched off,
a new one with the demo manager), and about half have had a first 1:1 with their new
manager already.
Each past month's snapshot is the engine's distribution over the organisation as it was
then: the same people, with only the first joiners moved so far."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from kith.directory.models import Person
from kith.touchpoints.engine import span as engine
from kith.touchpoints.models import Meeting, OneOnOne, TouchpointSettings
from kith.touchpoints.selectors.span import people_rows
from kith.touchpoints.services.span import month_of, span_snapshot_save

TARGET_REPORTS = 16
MONTHS = 6


def _demo_manager(demo_emails: list[str]) -> Person | None:
    """The demo login who manages the most people; else the organisation's widest span."""
    managers = Person.objects.filter(is_active=True).annotate(
        n=Count("reports", filter=Q(reports__is_active=True))
    )
    chosen = managers.filter(email__in=demo_emails, n__gt=0).order_by("-n", "pk").first()
    return chosen or managers.filter(n__gt=0).order_by("-n", "pk").first()


def _candidates(manager: Person, rng: random.Random, demo_emails: list[str]) -> list[int]:
    """People who manage nobody and do not report to `manager` yet: the department first,
    half a team at a time (so the wider team has sub-teams a split could follow)."""
    leads = Person.objects.filter(is_active=True, manager__isnull=False).values("manager_id")
    pool = (
        Person.objects.filter(is_active=True)
        .exclude(pk=manager.pk)
        .exclude(manager=manager)
        .exclude(pk__in=leads)
        .exclude(email__in=demo_emails)
    )
    path = manager.org_unit.path if manager.org_unit else ""
    department = path.split(".")[0] + "." if path else ""
    near_pool = pool.filter(org_unit__path__startswith=department) if department else pool
    teams: dict[int, list[int]] = {}
    for pk, unit in near_pool.order_by("pk").values_list("pk", "org_unit_id"):
        teams.setdefault(unit or 0, []).append(pk)
    groups = list(teams.values())
    rng.shuffle(groups)
    groups.sort(key=len, reverse=True)
    # Half of a team at most, before any second half: no lead is left without a team.
    near = [pk for g in groups for pk in g[: len(g) // 2]]
    near += [pk for g in groups for pk in g[len(g) // 2 :]]
    far = list(pool.exclude(pk__in=near).order_by("pk").values_list("pk", flat=True))
    rng.shuffle(far)
    return near + far


def _history(
    people: engine.IntArray,
    manager_id: int,
    moved: list[int],
    rules: TouchpointSettings,
    today: dt.date,
) -> None:
    ids = people[:, 0]
    before = engine.positions(ids, people[:, 1])
    target = int(engine.positions(ids, np.array([manager_id]))[0])
    moved_at = engine.positions(ids, np.array(moved, dtype=np.int64))
    month = month_of(today)
    for back in range(MONTHS, -1, -1):
        joined = round(len(moved) * (MONTHS - back) / MONTHS)
        tree = before.copy()
        tree[moved_at[:joined]] = target
        dist = engine.distribution(
            engine.direct_reports(tree), warn_at=rules.span_warn_at, alert_at=rules.span_alert_at
        )
        year, index = divmod(month.year * 12 + month.month - 1 - back, 12)
        span_snapshot_save(taken_on=dt.date(year, index + 1, 1), distribution=dist, replace=True)


def _follow_pairs(manager: Person, moved: list[int], rng: random.Random, today: dt.date) -> int:
    """Old direct pairs off, a pair with the new manager on, and a first 1:1 for about half."""
    from kith.touchpoints.services.oneonones import one_on_ones_sync

    one_on_ones_sync(people=moved)
    pairs = list(OneOnOne.objects.filter(manager=manager, report_id__in=moved, is_active=True))
    met = rng.sample(pairs, k=len(pairs) // 2)
    now = timezone.now()
    meetings = []
    for pair in met:
        day = today - dt.timedelta(days=rng.randrange(5, 60))
        starts = dt.datetime.combine(day, dt.time(10, 0), tzinfo=dt.UTC)
        meetings.append(
            Meeting(
                one_on_one=pair,
                starts_at=min(starts, now),
                minutes=30,
                status=Meeting.Status.HELD,
                held_on=day,
            )
        )
    Meeting.objects.bulk_create(meetings)
    return len(meetings)


@transaction.atomic
def seed(*, today: dt.date, seed: int, demo_emails: list[str]) -> str:
    manager = _demo_manager(demo_emails)
    if manager is None:
        return ""
    rng = random.Random(seed + 1303)
    have = manager.reports.filter(is_active=True).count()
    moved = _candidates(manager, rng, demo_emails)[: max(TARGET_REPORTS - have, 0)]
    people = people_rows(None)  # the organisation before the moves, for the history
    Person.objects.filter(pk__in=moved).update(manager=manager)
    met = _follow_pairs(manager, moved, rng, today) if moved else 0
    _history(people, manager.pk, moved, TouchpointSettings.current(), today)
    total = have + len(moved)
    return (
        f"span of control: {manager.display_name} manages {total} people "
        f"({len(moved)} joined over {MONTHS} months, {met} had a first 1:1), "
        f"{MONTHS + 1} monthly snapshots"
    )
