"""The one offset-change bisection every wall-clock engine uses (kith.core.timezones)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from kith.core.timezones import first_moment_of_offset, offset_changes

UTC = dt.UTC
LISBON = ZoneInfo("Europe/Lisbon")


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def test_daylight_saving_changes_to_the_second_in_order() -> None:
    changes = list(offset_changes(LISBON, utc(2026, 1, 1), utc(2026, 12, 31)))
    # Clocks go forward on the last Sunday of March and back on the last Sunday of October,
    # both at 01:00 UTC.
    assert changes == [utc(2026, 3, 29, 1), utc(2026, 10, 25, 1)]
    assert all(change.tzinfo is UTC for change in changes)


def test_the_interval_is_open_at_the_start_and_closed_at_the_end() -> None:
    change = utc(2026, 3, 29, 1)
    assert list(offset_changes(LISBON, change - dt.timedelta(hours=3), change)) == [change]
    assert list(offset_changes(LISBON, change, change + dt.timedelta(hours=3))) == []
    assert list(offset_changes(LISBON, utc(2026, 4, 1), utc(2026, 9, 1))) == []


def test_a_date_line_move_is_found() -> None:
    # Samoa skipped 30 December 2011: UTC-10 became UTC+14 at midnight local time.
    apia = ZoneInfo("Pacific/Apia")
    changes = list(offset_changes(apia, utc(2011, 12, 28), utc(2012, 1, 2)))
    assert changes == [utc(2011, 12, 30, 10)]
    assert changes[0].astimezone(apia) == dt.datetime(2011, 12, 31, 0, 0, tzinfo=apia)


def test_first_moment_inside_a_sampled_stretch() -> None:
    moment = first_moment_of_offset(LISBON, utc(2026, 10, 24, 22), utc(2026, 10, 25, 4))
    assert moment == utc(2026, 10, 25, 1)
    assert (moment - dt.timedelta(seconds=1)).astimezone(LISBON).utcoffset() == dt.timedelta(
        hours=1
    )
    assert moment.astimezone(LISBON).utcoffset() == dt.timedelta(0)
