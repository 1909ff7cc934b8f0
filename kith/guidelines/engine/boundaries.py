"""When are a person's boundaries in force? Pure time arithmetic, no Django.

Tech-free hours repeat every week on one ISO weekday, by the person's own wall clock. A
wellness week is whole local dates, from midnight at the start of its first day to midnight at
the end of its last. Both become UTC intervals over a stretch of time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from kith.core.boundaries import merged
from kith.core.zones import zone as zone_named

UTC = dt.UTC
DAY = dt.timedelta(days=1)
Interval = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True, slots=True)
class WeeklyQuiet:
    weekday: int  # ISO, 1 = Monday
    starts_at: dt.time
    ends_at: dt.time


@dataclass(frozen=True, slots=True)
class DaysOff:
    first: dt.date
    last: dt.date  # inclusive


def quiet_intervals(
    zone: str,
    weekly: Sequence[WeeklyQuiet],
    days_off: Sequence[DaysOff],
    begin: dt.datetime,
    end: dt.datetime,
) -> list[Interval]:
    """Sorted, disjoint UTC intervals inside [begin, end) when the person's boundaries hold."""
    tz = zone_named(zone)
    spans: list[Interval] = []
    if weekly:
        day = begin.astimezone(tz).date() - DAY
        last = end.astimezone(tz).date() + DAY
        while day <= last:
            for rule in weekly:
                if rule.weekday == day.isoweekday():
                    spans.append((_at(tz, day, rule.starts_at), _at(tz, day, rule.ends_at)))
            day += DAY
    for off in days_off:
        spans.append((_at(tz, off.first, dt.time()), _at(tz, off.last + DAY, dt.time())))
    return merged(spans, begin.astimezone(UTC), end.astimezone(UTC))


def _at(tz: ZoneInfo, day: dt.date, wall: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, wall, tzinfo=tz).astimezone(UTC)
