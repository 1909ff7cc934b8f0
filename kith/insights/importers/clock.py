"""After hours: is an instant outside a person's working hours, in their own time zone?

Vectorised per time zone, not per event: for every zone in the directory the UTC offset is
tabulated as a step function over the years the file covers (each transition found to the
second), and all instants are looked up in one sorted table at once.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from numpy.typing import NDArray

from kith.insights.importers.model import Directory

DAY = 86_400
_ZONE_SHIFT = 40  # instants are stored as zone << 40 | seconds since the table's start
_UTC = dt.UTC


def _year_start(year: int) -> int:
    return int(dt.datetime(year, 1, 1, tzinfo=_UTC).timestamp())


def _offset(zone: ZoneInfo, instant: int) -> int:
    delta = dt.datetime.fromtimestamp(instant, tz=zone).utcoffset()
    return int(delta.total_seconds()) if delta is not None else 0


def _transitions(zone: ZoneInfo, start: int, end: int) -> tuple[list[int], list[int]]:
    """Instants (from `start`) where the zone's UTC offset changes, and the offsets."""
    times, offsets = [start], [_offset(zone, start)]
    for day in range(start + DAY, end + DAY, DAY):
        current = _offset(zone, day)
        if current == offsets[-1]:
            continue
        low, high = day - DAY, day  # offset(low) is the old one, offset(high) the new one
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
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError(f"Directory: unknown time zone {name!r}") from exc
        code = {name: i for i, name in enumerate(names)}
        self._zone_of = np.array([code[name] for name in directory.timezone], dtype=np.int64)
        self._start = np.asarray(directory.work_start, dtype=np.int64)
        self._end = np.asarray(directory.work_end, dtype=np.int64)
        self._days = np.asarray(directory.work_days, dtype=np.bool_).reshape(-1)
        self._first_year = self._last_year = 0
        self._base = 0
        self._keys = np.zeros(0, dtype=np.int64)
        self._offsets = np.zeros(0, dtype=np.int64)

    def _cover(self, first: int, last: int) -> None:
        """Tabulate offsets for whole years around [first, last] (Unix seconds)."""
        first_year = dt.datetime.fromtimestamp(first, tz=_UTC).year
        last_year = dt.datetime.fromtimestamp(last, tz=_UTC).year
        if self._keys.size and self._first_year <= first_year and last_year <= self._last_year:
            return
        if self._keys.size:
            first_year = min(first_year, self._first_year)
            last_year = max(last_year, self._last_year)
        start, end = _year_start(first_year), _year_start(last_year + 1)
        keys: list[int] = []
        offsets: list[int] = []
        for code, zone in enumerate(self._zones):
            times, values = _transitions(zone, start, end) if zone else ([start], [0])
            keys.extend((code << _ZONE_SHIFT) | (t - start) for t in times)
            offsets.extend(values)
        self._first_year, self._last_year, self._base = first_year, last_year, start
        self._keys = np.array(keys, dtype=np.int64)
        self._offsets = np.array(offsets, dtype=np.int64)

    def local_offset(
        self, person: NDArray[np.int64], instant: NDArray[np.int64]
    ) -> NDArray[np.int64]:
        """Each person's UTC offset in seconds at each instant (Unix seconds)."""
        if instant.size == 0:
            return np.zeros(0, dtype=np.int64)
        self._cover(int(instant.min()), int(instant.max()))
        keys = (self._zone_of[person] << _ZONE_SHIFT) | (instant - self._base)
        at = np.searchsorted(self._keys, keys, side="right") - 1
        return self._offsets[at]

    def after_hours(
        self, person: NDArray[np.int64], instant: NDArray[np.int64]
    ) -> NDArray[np.bool_]:
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
        return ~(self._days[person * 7 + weekday] & in_hours)
