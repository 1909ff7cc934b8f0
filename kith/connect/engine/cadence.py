"""When a program's rounds happen. Pure date arithmetic, no Django.

A round belongs to a date: the day its intros arrive, at the program's local hour in each
person's own time zone. Weekly and two-weekly programs count whole weeks from the first
round on or after the program's start; monthly programs meet on the first such weekday of
each month.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

Cadence = Literal["weekly", "biweekly", "monthly"]
# Intros reach the earliest time zone (UTC+14) a day ahead of UTC; a round is drawn at
# midnight UTC two days before its date so that every intro is queued before it is due.
DRAW_LEAD = dt.timedelta(days=2)


def first_weekday_on_or_after(day: dt.date, weekday: int) -> dt.date:
    """The first date on or after `day` that falls on ISO `weekday` (1 = Monday)."""
    return day + dt.timedelta(days=(weekday - day.isoweekday()) % 7)


def round_date_on_or_after(
    day: dt.date, *, starts_on: dt.date, weekday: int, cadence: Cadence
) -> dt.date:
    """The program's first round date on or after `day`."""
    day = max(day, starts_on)
    if cadence == "monthly":
        candidate = first_weekday_on_or_after(day.replace(day=1), weekday)
        if candidate < day:
            next_month = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            candidate = first_weekday_on_or_after(next_month, weekday)
        return candidate
    first = first_weekday_on_or_after(starts_on, weekday)
    step = 7 if cadence == "weekly" else 14
    behind = (day - first).days
    periods = -(-behind // step) if behind > 0 else 0
    return first + dt.timedelta(days=periods * step)


def round_dates(
    *, starts_on: dt.date, weekday: int, cadence: Cadence, after: dt.date, count: int
) -> list[dt.date]:
    """`count` round dates from `after` (inclusive), in order."""
    dates: list[dt.date] = []
    day = after
    while len(dates) < count:
        date = round_date_on_or_after(day, starts_on=starts_on, weekday=weekday, cadence=cadence)
        dates.append(date)
        day = date + dt.timedelta(days=1)
    return dates


def draw_time(round_date: dt.date) -> dt.datetime:
    """The UTC moment a round is drawn: early enough for the earliest time zone's intros."""
    midnight = dt.datetime.combine(round_date, dt.time(0), tzinfo=dt.UTC)
    return midnight - DRAW_LEAD


def local_moment(day: dt.date, hour: int, zone: dt.tzinfo) -> dt.datetime:
    """`hour`:00 on `day` by a wall clock in `zone`, as UTC. An hour the clock skips (spring
    forward) moves on by the size of the gap, as the clock does; an hour it repeats (fall
    back) is its first occurrence."""
    return dt.datetime.combine(day, dt.time(hour), tzinfo=zone).astimezone(dt.UTC)
