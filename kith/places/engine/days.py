"""Where each person plans to be on each day, from their plans and their leave.

Rules: a plan covers a date from `starts_on` to `ends_on` (inclusive; open-ended when None),
on its `weekday` for a recurring plan. On one date a one-off plan wins over a recurring one
(the earliest-made plan wins among equals), and leave wins over every plan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class PlanRow:
    id: int
    person_id: int
    office_id: int
    weekday: int | None  # ISO weekday of a recurring plan; None for one day
    starts_on: dt.date
    ends_on: dt.date | None


@dataclass(frozen=True)
class AwayRow:
    person_id: int
    starts_on: dt.date
    ends_on: dt.date


def days_between(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + DAY * i for i in range((end - start).days + 1)]


def plan_dates(plan: PlanRow, start: dt.date, end: dt.date) -> list[dt.date]:
    """The dates in [start, end] that `plan` covers."""
    first = max(start, plan.starts_on)
    last = min(end, plan.ends_on) if plan.ends_on is not None else end
    if first > last:
        return []
    if plan.weekday is None:
        return [first]
    first += DAY * ((plan.weekday - first.isoweekday()) % 7)
    if first > last:
        return []
    return [first + DAY * 7 * i for i in range((last - first).days // 7 + 1)]


def _rank(plan: PlanRow) -> tuple[int, int]:
    return (0 if plan.weekday is None else 1, plan.id)


def whereabouts(
    plans: Iterable[PlanRow], away: Iterable[AwayRow], start: dt.date, end: dt.date
) -> dict[int, dict[dt.date, PlanRow]]:
    """{person id: {date: the plan that holds that day}} for dates in [start, end]."""
    chosen: dict[int, dict[dt.date, PlanRow]] = {}
    for plan in plans:
        days = chosen.setdefault(plan.person_id, {})
        for day in plan_dates(plan, start, end):
            current = days.get(day)
            if current is None or _rank(plan) < _rank(current):
                days[day] = plan
    for leave in away:
        held = chosen.get(leave.person_id)
        if not held:
            continue
        for day in days_between(max(start, leave.starts_on), min(end, leave.ends_on)):
            held.pop(day, None)
    return {person: days for person, days in chosen.items() if days}


def presence(
    where: dict[int, dict[dt.date, PlanRow]],
) -> dict[tuple[int, dt.date], set[int]]:
    """{(office id, date): the people there} from `whereabouts`."""
    there: dict[tuple[int, dt.date], set[int]] = {}
    for person, days in where.items():
        for day, plan in days.items():
            there.setdefault((plan.office_id, day), set()).add(person)
    return there
