"""After hours: is an instant outside a person's working hours, in their own time zone?

Vectorised per time zone, not per event: for every zone in the directory the UTC offset is
tabulated as a step function for each calendar year the file touches (sampled weekly, each
change found to the second by bisection), and all instants are looked up in one sorted
table at once. A zone name the system does not know counts as UTC (the directory should
not hold one; one bad record must not stop every import).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from numpy.typing import NDArray

from kith.insights.importers.model import Directory

DAY = 86_400
WEEK = 7 * DAY
_ZONE_SHIFT = 42  # table keys: zone << 42 | Unix seconds (until year 2109)
_UTC = dt.UTC

I64 = NDArray[np.int64]


def _year_start(year: int) -> int:
    return int(dt.datetime(year, 1, 1, tzinfo=_UTC).timestamp())


def _offset(zone: ZoneInfo, instant: int) -> int:
    delta = dt.datetime.fromtimestamp(instant, tz=zone).utcoffset()
    return int(delta.total_seconds()) if delta is not None else 0


def _transitions(zone: ZoneInfo, start: int, end: int) -> tuple[list[int], list[int]]:
    """From `start` to `end`: the instants where the zone's UTC offset changes (and
    `start`), with the offsets from then on. Two changes less than a week apart would be
    seen as one; no zone has had those since 1970 (Ramadan breaks last about a month)."""
    times, offsets = [start], [_offset(zone, start)]
    probes = [*range(start + WEEK, end, WEEK), end - 1]
    for probe in probes:
        current = _offset(zone, probe)
        if current == offsets[-1]:
            continue
        low, high = max(probe - WEEK, times[-1]), probe  # old offset at low, new at high
        while high - low > 1:
            middle = (low + high) // 2
            if _offset(zone, middle) == offsets[-1]:
                low = middle
            else:
                high = middle
        times.append(high)
        offsets.append(current)
    return times, offsets


class WorkingHours:
    """Working hours and days of every person in the directory, in their own zone."""

    def __init__(self, directory: Directory) -> None:
        names = sorted(set(directory.timezone))
        self._zones: list[ZoneInfo | None] = []
        for name in names:
            try:
                self._zones.append(ZoneInfo(name) if name else None)
            except (ZoneInfoNotFoundError, ValueError):
                self._zones.append(None)
        code = {name: i for i, name in enumerate(names)}
        self._zone_of = np.array([code[name] for name in directory.timezone], dtype=np.int64)
        self._start = np.asarray(directory.work_start, dtype=np.int64)
        self._end = np.asarray(directory.work_end, dtype=np.int64)
        self._days = np.asarray(directory.work_days, dtype=np.bool_).reshape(-1)
        self._years: set[int] = set()
        self._keys = np.zeros(0, dtype=np.int64)
        self._offsets = np.zeros(0, dtype=np.int64)

    def _cover(self, instant: I64) -> None:
        """Tabulate every zone's offsets for the calendar years of these instants."""
        first, last = (
            dt.datetime.fromtimestamp(int(edge), tz=_UTC).year
            for edge in (instant.min(), instant.max())
        )
        if all(year in self._years for year in range(first, last + 1)):
            return
        years = np.unique(instant.astype("datetime64[s]").astype("datetime64[Y]").astype(np.int64))
        missing = [1970 + int(y) for y in years if 1970 + int(y) not in self._years]
        if not missing:
            return
        keys, offsets = [self._keys], [self._offsets]
        for year in missing:
            start, end = _year_start(year), _year_start(year + 1)
            for code, zone in enumerate(self._zones):
                times, values = _transitions(zone, start, end) if zone else ([start], [0])
                keys.append(np.array([(code << _ZONE_SHIFT) | t for t in times], dtype=np.int64))
                offsets.append(np.array(values, dtype=np.int64))
        self._years.update(missing)
        all_keys = np.concatenate(keys)
        order = np.argsort(all_keys, kind="stable")
        self._keys, self._offsets = all_keys[order], np.concatenate(offsets)[order]

    def local_offset(self, person: I64, instant: I64) -> I64:
        """Each person's UTC offset in seconds at each instant (Unix seconds)."""
        if instant.size == 0:
            return np.zeros(0, dtype=np.int64)
        self._cover(instant)
        keys = (self._zone_of[person] << _ZONE_SHIFT) | instant
        # Each covered year starts with an entry of its own, so the last entry at or before
        # an instant belongs to the instant's zone and year.
        at = np.searchsorted(self._keys, keys, side="right") - 1
        return self._offsets[at]

    def after_hours(self, person: I64, instant: I64) -> NDArray[np.bool_]:
        """True where the instant falls outside the person's working hours or days."""
        local = instant + self.local_offset(person, instant)
        day = local // DAY
        minute = (local - day * DAY) // 60
        weekday = (day + 3) % 7  # 1970-01-01 was a Thursday: ISO weekday 4, column 3
        start, end = self._start[person], self._end[person]
        in_hours = np.where(
            start <= end,
            (minute >= start) & (minute < end),
            (minute >= start) | (minute < end),  # a shift past midnight
        )
        return np.asarray(~(self._days[person * 7 + weekday] & in_hours), dtype=np.bool_)
