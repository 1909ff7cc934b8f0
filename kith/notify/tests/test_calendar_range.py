"""Calendar files hold times from EARLIEST to LATEST: beyond, a ValueError, never an overflow."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar

from kith.notify.engine.calendar import (
    EARLIEST,
    LATEST,
    CalendarEvent,
    calendar_feed_ics,
    invite_ics,
    require_calendar_times,
)

UTC = dt.UTC
HOUR = dt.timedelta(hours=1)
YEAR_9999 = dt.datetime(9999, 12, 31, 18, tzinfo=UTC)


def _invite(start: dt.datetime, duration: dt.timedelta = HOUR) -> bytes:
    return invite_ics(
        uid="event-9@kith.example",
        start=start,
        duration=duration,
        summary="Party",
        description="",
        organizer_email="kith@example.org",
        attendees=[("Ana", "ana@example.org")],
        tzid="Asia/Tokyo",
        alarms_minutes=60,
    )


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (YEAR_9999, YEAR_9999 + HOUR),
        (LATEST - HOUR, LATEST),  # LATEST itself is outside
        (EARLIEST - HOUR, EARLIEST + HOUR),
        (dt.datetime(1, 1, 1, tzinfo=UTC), dt.datetime(1, 1, 1, 1, tzinfo=UTC)),
    ],
)
def test_times_outside_the_range_are_refused_with_a_value_error(start, end):
    with pytest.raises(ValueError, match="outside the times a calendar file holds"):
        CalendarEvent(uid="x", start=start, end=end, summary="Party")
    with pytest.raises(ValueError, match="outside the times a calendar file holds"):
        _invite(start, end - start)


def test_a_huge_duration_is_refused_not_overflowed():
    start = dt.datetime(2027, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="outside the times"):
        _invite(start, dt.timedelta.max)
    with pytest.raises(ValueError, match="outside the times"):
        _invite(dt.datetime.max.replace(tzinfo=UTC))


def test_naive_and_reversed_times_are_still_refused():
    start = dt.datetime(2027, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="aware"):
        require_calendar_times(start.replace(tzinfo=None), start + HOUR)
    with pytest.raises(ValueError, match="end after it starts"):
        require_calendar_times(start, start)


def test_the_edges_of_the_range_are_written_in_their_zone():
    last = CalendarEvent(
        uid="last", start=LATEST - 2 * HOUR, end=LATEST - HOUR, summary="Last", tzid="Asia/Tokyo"
    )
    first = CalendarEvent(
        uid="first", start=EARLIEST, end=EARLIEST + HOUR, summary="First", tzid="Asia/Tokyo"
    )
    calendar = Calendar.from_ical(calendar_feed_ics(name="Edges", events=[first, last]))
    assert {e.start.astimezone(UTC) for e in calendar.events} == {EARLIEST, LATEST - 2 * HOUR}
    assert Calendar.from_ical(_invite(LATEST - 2 * HOUR)).events[0].end == LATEST - HOUR
