"""When a time zone changes its UTC offset (daylight saving, a date-line move), to the second.

One helper for every engine that walks a person's wall clock (kith.notify.engine.delivery,
kith.connect.engine.schedule). Pure Python: no Django.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from zoneinfo import ZoneInfo

# Offset changes are at least weeks apart, so sampling every few hours finds each of them.
SAMPLE_STEP = dt.timedelta(hours=6)


def offset_changes(zone: ZoneInfo, begin: dt.datetime, end: dt.datetime) -> Iterator[dt.datetime]:
    """The first moment (UTC, to the second) of each new UTC offset of `zone` in (begin, end],
    in order. `begin` and `end` must be aware."""
    before = begin
    while before < end:
        after = min(before + SAMPLE_STEP, end)
        if before.astimezone(zone).utcoffset() != after.astimezone(zone).utcoffset():
            change = first_moment_of_offset(zone, before, after)
            if begin < change <= end:
                yield change
        before = after


def first_moment_of_offset(zone: ZoneInfo, old: dt.datetime, new: dt.datetime) -> dt.datetime:
    """The first second at which `zone` shows the offset it has at `new`, given that it had
    another one at `old` (old < new). Offsets change on whole seconds in the tz database, so
    this bisects over POSIX seconds."""
    new_offset = new.astimezone(zone).utcoffset()
    low, high = math.floor(old.timestamp()), math.ceil(new.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if dt.datetime.fromtimestamp(middle, zone).utcoffset() == new_offset:
            high = middle
        else:
            low = middle
    return dt.datetime.fromtimestamp(high, dt.UTC)
