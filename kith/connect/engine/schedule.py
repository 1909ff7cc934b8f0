"""When could these people meet? Suggested times inside everyone's working hours.

Everything is judged by each person's own wall clock, as `kith.notify.engine.delivery` does:
a working moment is one their clock shows inside their hours on a working day; an overnight
shift belongs to the day it starts; a daylight-saving jump moves the UTC hours with it. A
public holiday removes the shift that starts on that date.

A person's working time over a stretch is computed exactly, as UTC intervals: their state
can only change when their clock shows `start` or `end`, or when their zone changes offset,
so it is enough to look at those moments.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator, Sequence
from zoneinfo import ZoneInfo

import holidays as holiday_calendars

from kith.core.timezones import offset_changes
from kith.notify.engine.delivery import WorkingHours

UTC = dt.UTC
Interval = tuple[dt.datetime, dt.datetime]

MAX_WINDOW = dt.timedelta(days=14)
WEEK = dt.timedelta(days=7)
DAY = dt.timedelta(days=1)
MINUTES_PER_DAY = 24 * 60
# The best moments of a shift, as fractions of it: 10:30 and 14:00 in a 9–17 day.
IDEAL_POINTS = (3 / 16, 5 / 8)
# A suggestion one day later must be this much nearer the ideal to be preferred (in squared
# minutes, summed over people: one person an hour off): meeting soon matters, but not at the
# edge of someone's day.
DAY_LATER_COST = 60.0**2
# Extra suggestions on an already used day keep at least this far from the others.
SPACING = dt.timedelta(hours=2)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)


def suggest_times(
    people: Sequence[WorkingHours],
    *,
    after: dt.datetime,
    count: int = 3,
    duration: dt.timedelta = dt.timedelta(minutes=30),
    working_days: int = 5,
    holidays_by_person: Sequence[frozenset[dt.date]] | None = None,
    step: dt.timedelta = dt.timedelta(minutes=30),
    busy_by_person: Sequence[Sequence[Interval]] | None = None,
) -> list[dt.datetime]:
    """Up to `count` slot starts (UTC, sorted) when everyone is at work for the whole slot.

    `busy_by_person` are times, per person, when no meeting may be proposed (their team's
    tech-free hours, a wellness week, other meetings): UTC intervals, any order.

    The search runs from `after` to the end of the first person's `working_days`-th working
    day (a day counts when some of its working hours are still ahead, holidays excluded),
    and never further than 14 days. Starts sit on multiples of `step` since midnight UTC.
    Suggestions go to different days first, each near the middle of everyone's morning or
    afternoon; fewer come back when fewer exist (none when the hours never overlap).
    """
    if not people:
        raise ValueError("suggesting a time needs at least one person")
    if duration <= dt.timedelta(0) or step <= dt.timedelta(0):
        raise ValueError("duration and step must be positive")
    if holidays_by_person is None:
        holidays_by_person = [frozenset()] * len(people)
    days_off = list(holidays_by_person)
    if len(days_off) != len(people):
        raise ValueError("holidays_by_person needs one set of dates per person")
    if busy_by_person is not None and len(busy_by_person) != len(people):
        raise ValueError("busy_by_person needs one list of intervals per person")
    start = _utc(after)
    # Whole days the first person is busy (a wellness week) do not count as working days.
    blocked = _whole_days(people[0].zone, busy_by_person[0]) if busy_by_person else frozenset()
    end = _window_end(people[0], days_off[0] | blocked, start, working_days)
    common: list[Interval] = [(start, end)] if end > start else []
    for hours, off in zip(people, days_off, strict=True):
        common = _intersect(common, working_intervals(hours, start, end, holidays=off))
    for busy in busy_by_person or ():
        common = _subtract(common, busy)
    starts = list(_slot_starts(common, duration, step))
    return _spread(starts, people, max(count, 0))


def working_intervals(
    hours: WorkingHours,
    begin: dt.datetime,
    end: dt.datetime,
    *,
    holidays: frozenset[dt.date] = frozenset(),
) -> list[Interval]:
    """The person's working time within [begin, end), as sorted, disjoint UTC intervals."""
    begin, end = _utc(begin), _utc(end)
    if end <= begin:
        return []
    edges = sorted({begin, *_clock_edges(hours, begin, end)})
    intervals: list[Interval] = []
    for left, right in zip(edges, [*edges[1:], end], strict=True):
        if not _working(left, hours, holidays):
            continue
        if intervals and intervals[-1][1] == left:
            intervals[-1] = (intervals[-1][0], right)
        else:
            intervals.append((left, right))
    return intervals


def overlap_windows_for_week(
    hours: WorkingHours,
    week_start_utc: dt.datetime,
    *,
    holidays: frozenset[dt.date] = frozenset(),
) -> tuple[tuple[int, int], ...]:
    """The person's working time in the 7 days from `week_start_utc`, in whole minutes after it.

    Intervals are cut at the week's edges, so a shift that starts before the week counts
    with its part inside it (Sydney's Monday morning is Sunday evening in UTC). Minutes are
    rounded inwards: every minute listed is a working minute.
    """
    week_start = _utc(week_start_utc)
    windows = []
    for left, right in working_intervals(hours, week_start, week_start + WEEK, holidays=holidays):
        first = math.ceil((left - week_start) / dt.timedelta(minutes=1))
        last = math.floor((right - week_start) / dt.timedelta(minutes=1))
        if last > first:
            windows.append((first, last))
    return tuple(windows)


def public_holidays(
    country: str, years: Iterable[int], *, subdivision: str = ""
) -> frozenset[dt.date]:
    """Public holidays of a country (ISO 3166 code, "PT"), optionally of one subdivision.

    An unknown country gives no holidays; an unknown subdivision gives the country's.
    """
    wanted = sorted(set(years))
    if not wanted or not country.strip():
        return frozenset()
    code = country.strip().upper()
    try:
        calendar = holiday_calendars.country_holidays(
            code, subdiv=subdivision.strip() or None, years=wanted
        )
    except NotImplementedError:
        if not subdivision.strip():
            return frozenset()
        return public_holidays(code, wanted)
    return frozenset(calendar.keys())


# --- working time ---------------------------------------------------------------------------


def _working(moment: dt.datetime, hours: WorkingHours, holidays: frozenset[dt.date]) -> bool:
    local = moment.astimezone(hours.zone)
    day, time = local.date(), local.time()
    if not hours.includes_wall_clock(day, time):
        return False
    return _shift_day(hours, day, time) not in holidays


def _shift_day(hours: WorkingHours, day: dt.date, time: dt.time) -> dt.date:
    """The day a working moment's shift started on (overnight shifts start the day before)."""
    return day - DAY if hours.overnight and time < hours.end else day


def _clock_edges(
    hours: WorkingHours, begin: dt.datetime, end: dt.datetime
) -> Iterator[dt.datetime]:
    """Every moment in (begin, end) when the person's working state may change."""
    zone = hours.zone
    day = begin.astimezone(zone).date() - DAY
    last_day = end.astimezone(zone).date() + DAY
    while day <= last_day:
        for wall in (hours.start, hours.end):
            for fold in (0, 1):
                moment = _at(zone, day, wall, fold)
                if begin < moment < end:
                    yield moment
        day += DAY
    yield from (change for change in offset_changes(zone, begin, end) if change < end)


def _at(zone: ZoneInfo, day: dt.date, wall: dt.time, fold: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, wall, tzinfo=zone).replace(fold=fold).astimezone(UTC)


def _window_end(
    hours: WorkingHours, holidays: frozenset[dt.date], after: dt.datetime, working_days: int
) -> dt.datetime:
    """The end of the person's `working_days`-th shift that ends after `after` (14 days at most)."""
    cap = after + MAX_WINDOW
    day = after.astimezone(hours.zone).date() - DAY
    counted = 0
    while working_days > 0 and _at(hours.zone, day, dt.time()) < cap:
        if day.isoweekday() in hours.days and day not in holidays:
            shift_end = _at(hours.zone, day + DAY if hours.overnight else day, hours.end)
            if shift_end > after:
                counted += 1
                if counted == working_days:
                    return min(shift_end, cap)
        day += DAY
    return cap if working_days > 0 else after


def _intersect(first: Sequence[Interval], second: Sequence[Interval]) -> list[Interval]:
    """Intersection of two sorted lists of disjoint intervals."""
    result: list[Interval] = []
    i = j = 0
    while i < len(first) and j < len(second):
        left = max(first[i][0], second[j][0])
        right = min(first[i][1], second[j][1])
        if left < right:
            result.append((left, right))
        if first[i][1] < second[j][1]:
            i += 1
        else:
            j += 1
    return result


def _whole_days(zone: ZoneInfo, busy: Sequence[Interval]) -> frozenset[dt.date]:
    """Local dates entirely inside one of the busy intervals."""
    days: set[dt.date] = set()
    for left, right in busy:
        day = _utc(left).astimezone(zone).date()
        while _at(zone, day, dt.time()) < right:
            if _at(zone, day, dt.time()) >= left and _at(zone, day + DAY, dt.time()) <= right:
                days.add(day)
            day += DAY
    return frozenset(days)


def _subtract(intervals: Sequence[Interval], busy: Sequence[Interval]) -> list[Interval]:
    """Sorted disjoint `intervals` minus every interval of `busy` (any order, may overlap)."""
    result = list(intervals)
    for left, right in busy:
        left, right = _utc(left), _utc(right)
        kept: list[Interval] = []
        for a, b in result:
            if right <= a or b <= left:
                kept.append((a, b))
                continue
            if a < left:
                kept.append((a, left))
            if right < b:
                kept.append((right, b))
        result = kept
    return result


# --- choosing suggestions -------------------------------------------------------------------


def _slot_starts(
    intervals: Iterable[Interval], duration: dt.timedelta, step: dt.timedelta
) -> Iterator[dt.datetime]:
    for left, right in intervals:
        start = _EPOCH + step * -((_EPOCH - left) // step)  # first multiple of step ≥ left
        while start + duration <= right:
            yield start
            start += step


def _spread(
    starts: Sequence[dt.datetime], people: Sequence[WorkingHours], count: int
) -> list[dt.datetime]:
    """Best slot of each day first (days ranked by quality, sooner breaking ties), then more."""
    if not starts or count == 0:
        return []
    first_day = _local_shift_day(people[0], starts[0])
    by_day: dict[dt.date, list[tuple[float, dt.datetime]]] = {}
    for start in starts:
        penalty = sum(_edge_penalty(hours, start) for hours in people)
        by_day.setdefault(_local_shift_day(people[0], start), []).append((penalty, start))
    bests = sorted(
        (min(day_slots)[0] + DAY_LATER_COST * (day - first_day).days, min(day_slots)[1])
        for day, day_slots in by_day.items()
    )
    chosen = [start for _rank, start in bests[:count]]
    rest = sorted(slot for day_slots in by_day.values() for slot in day_slots)
    for spacing in (SPACING, dt.timedelta(0)):
        for _penalty, start in rest:
            if len(chosen) < count and all(abs(start - other) > spacing for other in chosen):
                chosen.append(start)
    return sorted(chosen)


def _local_shift_day(hours: WorkingHours, moment: dt.datetime) -> dt.date:
    local = moment.astimezone(hours.zone)
    return _shift_day(hours, local.date(), local.time())


def _edge_penalty(hours: WorkingHours, start: dt.datetime) -> float:
    """Squared minutes from the slot's start to the nearer of the person's ideal moments.

    Squares favour a slot fair to everyone (half an hour off for each) over one ideal for
    one person and at the very edge of the day for the other.
    """
    local = start.astimezone(hours.zone)
    into_shift = (_minutes(local.time()) - _minutes(hours.start)) % MINUTES_PER_DAY
    length = (_minutes(hours.end) - _minutes(hours.start)) % MINUTES_PER_DAY
    return min((into_shift - point * length) ** 2 for point in IDEAL_POINTS)


def _minutes(time: dt.time) -> float:
    return time.hour * 60 + time.minute + time.second / 60 + time.microsecond / 60_000_000


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("times must be aware datetimes")
    return moment.astimezone(UTC)
