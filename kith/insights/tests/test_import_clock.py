"""After hours in each person's own zone: the vectorised offsets agree with zoneinfo."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np

from kith.insights import importers
from kith.insights.importers.clock import WorkingHours

ZONES = [
    "Europe/Paris",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",  # half-hour daylight saving
    "Africa/Casablanca",  # daylight saving suspended for Ramadan
    "America/Santiago",
    "Pacific/Chatham",
    "",
    "Not/AZone",  # counts as UTC rather than stopping the import
]


def hours(start: int = 9 * 60, end: int = 17 * 60) -> WorkingHours:
    n = len(ZONES)
    days = np.zeros((n, 7), dtype=np.bool_)
    days[:, :5] = True
    return WorkingHours(
        importers.Directory(
            emails={},
            timezone=ZONES,
            work_start=np.full(n, start, dtype=np.int64),
            work_end=np.full(n, end, dtype=np.int64),
            work_days=days,
        )
    )


def reference(zone: str, instant: int) -> int:
    tz = ZoneInfo(zone) if zone and zone != "Not/AZone" else dt.UTC
    offset = dt.datetime.fromtimestamp(instant, tz=tz).utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


def test_offsets_match_zoneinfo_at_random_instants_and_around_every_change() -> None:
    clock = hours()
    rng = np.random.default_rng(11)
    person = rng.integers(0, len(ZONES), 5000)
    instant = rng.integers(1_577_836_800, 1_735_689_600, 5000)  # 2020 to 2024
    got = clock.local_offset(person, instant)
    expected = [reference(ZONES[p], int(i)) for p, i in zip(person, instant, strict=True)]
    assert [int(o) for o in got] == expected
    for zone in range(len(ZONES)):
        names = np.array(sorted(set(ZONES)))
        code = int(np.flatnonzero(names == ZONES[zone])[0])
        changes = clock._keys[(clock._keys >> 42) == code] & ((1 << 42) - 1)
        for change in changes.tolist():
            for moment in (change - 1, change):
                offset = clock.local_offset(np.array([zone]), np.array([moment]))
                assert int(offset[0]) == reference(ZONES[zone], moment)


def test_after_hours_follows_local_hours_days_and_night_shifts() -> None:
    clock = hours()
    monday_0830_utc = 1_709_541_000  # 2024-03-04 08:30 UTC
    paris, new_york, kolkata = 0, 1, 2
    late = clock.after_hours(
        np.array([paris, new_york, kolkata]), np.full(3, monday_0830_utc, dtype=np.int64)
    )
    assert late.tolist() == [False, True, False]  # 09:30 Paris, 03:30 New York, 14:00 Kolkata
    nights = hours(start=22 * 60, end=6 * 60)
    utc = ZONES.index("")
    two_thirty, ten = monday_0830_utc - 6 * 3600, monday_0830_utc + 90 * 60
    assert nights.after_hours(np.array([utc, utc]), np.array([two_thirty, ten])).tolist() == [
        False,
        True,
    ]
    saturday = monday_0830_utc - 2 * 86_400
    assert clock.after_hours(np.array([paris]), np.array([saturday])).tolist() == [True]
