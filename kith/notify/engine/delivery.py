"""When may a message reach a person? Pure time arithmetic, no Django.

"Inside working hours" is judged by the person's own wall clock: on a working day, their clock
reads at least `start` and less than `end`. A shift whose end is not after its start runs
overnight and belongs to the day it starts on (22:00–06:00 on Friday ends Saturday morning).

Daylight saving time makes the wall clock jump. When `start` falls in a gap (the clock skips
from 01:00 to 02:00 and work starts at 01:30), the day's hours begin when the clock jumps past
it; when the clock goes back, the repeated hour counts as often as the clock shows it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kith.core.timezones import offset_changes
from kith.core.zones import zone

DEFAULT_START = dt.time(9)
DEFAULT_END = dt.time(17)
DEFAULT_DAYS = frozenset(range(1, 6))
# Far enough to cross a week that lost a working day to a date-line change (Samoa, 2011).
HORIZON_DAYS = 16


@dataclass(frozen=True)
class WorkingHours:
    timezone: str
    start: dt.time
    end: dt.time
    days: frozenset[int]  # ISO weekdays, 1 = Monday

    def __post_init__(self) -> None:
        if self.start == self.end:
            raise ValueError("working hours need a start different from their end")
        if not self.days or not self.days <= frozenset(range(1, 8)):
            raise ValueError("working days must be ISO weekdays 1–7, at least one")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("working hours are wall-clock times, without a time zone")
        zone(self.timezone)  # fails early on an unknown zone

    @classmethod
    def of(
        cls,
        timezone: str,
        start: dt.time,
        end: dt.time,
        days: Collection[object],
        *,
        fallback_timezone: str = "UTC",
    ) -> WorkingHours:
        """Working hours from stored data, repaired so that bad data never silences anyone."""
        valid_days = frozenset(_iso_weekdays(days)) or DEFAULT_DAYS
        start, end = start.replace(tzinfo=None), end.replace(tzinfo=None)
        if start == end:
            start, end = DEFAULT_START, DEFAULT_END
        return cls(
            timezone=_known_zone(timezone) or _known_zone(fallback_timezone) or "UTC",
            start=start,
            end=end,
            days=valid_days,
        )

    @property
    def overnight(self) -> bool:
        return self.end < self.start

    @property
    def zone(self) -> ZoneInfo:
        return zone(self.timezone)  # kept by name (kith.core.zones)

    def includes_wall_clock(self, day: dt.date, time: dt.time) -> bool:
        """Whether a clock in this zone showing `day` `time` shows a working moment."""
        if not self.overnight:
            return day.isoweekday() in self.days and self.start <= time < self.end
        if time >= self.start:
            return day.isoweekday() in self.days
        if time < self.end:
            return (day - dt.timedelta(days=1)).isoweekday() in self.days
        return False


def is_within(moment: dt.datetime, hours: WorkingHours) -> bool:
    """Whether `moment` (aware) is inside the person's working hours."""
    local = _aware(moment).astimezone(hours.zone)
    return hours.includes_wall_clock(local.date(), local.time())


def next_delivery_time(due: dt.datetime, hours: WorkingHours) -> dt.datetime:
    """The first moment at or after `due` inside the person's working hours, in UTC.

    A message due inside working hours goes at once; one due in quiet hours waits for the
    next moment the person's own clock shows a working time (DST and date-line jumps included).
    """
    due_utc = _aware(due).astimezone(dt.UTC)
    if is_within(due_utc, hours):
        return due_utc
    # Quiet hours end either when the clock ticks past `start` or when it jumps (a change of
    # UTC offset). Find the first such tick, then look for an earlier jump before it.
    opening = _first_start_crossing(due_utc, hours)
    for change in offset_changes(hours.zone, due_utc, opening):
        if is_within(change, hours):
            return change
    return opening


def next_delivery_time_outside(
    due: dt.datetime,
    hours: WorkingHours,
    quiet: Sequence[tuple[dt.datetime, dt.datetime]] = (),
) -> dt.datetime:
    """The first moment at or after `due` inside working hours and outside every quiet period.

    `quiet` are the person's boundaries (tech-free hours, a wellness week) as sorted, disjoint
    UTC intervals [start, end). A message held by one arrives at the first working moment
    after it ends. Each step moves past one interval, so this ends after len(quiet) + 1 steps.
    """
    moment = next_delivery_time(due, hours)
    for _ in range(len(quiet) + 1):
        blocking = next((end for start, end in quiet if start <= moment < end), None)
        if blocking is None:
            return moment
        moment = next_delivery_time(blocking, hours)
    return moment


def inside(moment: dt.datetime, quiet: Sequence[tuple[dt.datetime, dt.datetime]]) -> bool:
    return any(start <= moment < end for start, end in quiet)


def _first_start_crossing(after: dt.datetime, hours: WorkingHours) -> dt.datetime:
    """The first moment after `after` when the clock ticks past `start` into working hours.

    A clock passes `start` once a day, twice in a repeated hour, never when it skips it. The
    day before and the day after the first match count too: a repeated hour can straddle
    midnight.
    """
    zone = hours.zone
    first_day = after.astimezone(zone).date()
    found: list[dt.datetime] = []
    for offset in range(-1, HORIZON_DAYS + 1):
        day = first_day + dt.timedelta(days=offset)
        for fold in (0, 1):
            wall = dt.datetime.combine(day, hours.start, tzinfo=zone).replace(fold=fold)
            moment = wall.astimezone(dt.UTC)
            # A `start` in a gap resolves beside it: only a moment that shows `start` is a tick.
            shows_start = moment.astimezone(zone).time() == hours.start
            if shows_start and moment > after and is_within(moment, hours):
                found.append(moment)
        if found and day > found[0].astimezone(zone).date():
            return min(found)
    if found:
        return min(found)
    return _offset_change_into_hours(after, hours)


def _offset_change_into_hours(after: dt.datetime, hours: WorkingHours) -> dt.datetime:
    end = after + dt.timedelta(days=HORIZON_DAYS + 1)
    for change in offset_changes(hours.zone, after, end):
        if is_within(change, hours):
            return change
    raise AssertionError("unreachable: every week has a working day")  # pragma: no cover


def _aware(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("times must be aware datetimes")
    return moment


def _iso_weekdays(days: Collection[object]) -> Iterator[int]:
    for day in days:
        try:
            number = int(day)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            continue
        if 1 <= number <= 7:
            yield number


def _known_zone(name: str) -> str:
    if not name:
        return ""
    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ""
    return name
