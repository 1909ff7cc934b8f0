"""Calendar adapters: one module per provider, each answering "when is this person busy?"
as UTC intervals, and nothing else (docs/calendars.md).

Every adapter reads only start, end and (for Microsoft) the free/busy status of what a
calendar returns; titles, attendees, descriptions and locations are never read, kept or
logged. Every remote call has a timeout; a failure raises `CalendarError` with a short code
(kith.calendars.models.ErrorCode), never the server's words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

Interval = tuple[dt.datetime, dt.datetime]

TIMEOUT_SECONDS = 5.0


class CalendarError(Exception):
    """Reading a calendar failed; `code` says why in a word (an ErrorCode value)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def clipped(intervals: Iterable[Interval], start: dt.datetime, end: dt.datetime) -> list[Interval]:
    """Intervals cut to [start, end), empty ones dropped, sorted; all in UTC."""
    result = []
    for left, right in intervals:
        left, right = max(left.astimezone(dt.UTC), start), min(right.astimezone(dt.UTC), end)
        if left < right:
            result.append((left, right))
    return sorted(result)


def utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("calendar windows are aware datetimes")
    return moment.astimezone(dt.UTC)
