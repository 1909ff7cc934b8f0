"""The delivery engine: when may a message reach a person? (pure, no database)"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from kith.notify.engine.delivery import WorkingHours, is_within, next_delivery_time

UTC = dt.UTC
LISBON = ZoneInfo("Europe/Lisbon")
NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS = range(1, 6)
EVERY_DAY = range(1, 8)


def hours(zone: str, start: str = "09:00", end: str = "17:00", days=WEEKDAYS) -> WorkingHours:
    return WorkingHours.of(zone, dt.time.fromisoformat(start), dt.time.fromisoformat(end), days)


def at(
    zone: ZoneInfo | dt.timezone, y: int, m: int, d: int, hour: int = 0, minute: int = 0
) -> dt.datetime:
    return dt.datetime(y, m, d, hour, minute, tzinfo=zone)


def utc(y: int, m: int, d: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return at(UTC, y, m, d, hour, minute)


# --- examples, worked out by hand -------------------------------------------------------------


def test_due_inside_working_hours_goes_at_once_in_utc():
    due = at(LISBON, 2024, 5, 14, 10, 30)  # Tuesday
    result = next_delivery_time(due, hours("Europe/Lisbon"))
    assert result == due
    assert result.tzinfo is UTC


def test_evening_waits_for_next_morning():
    result = next_delivery_time(at(LISBON, 2024, 5, 14, 17, 0), hours("Europe/Lisbon"))
    assert result == at(LISBON, 2024, 5, 15, 9, 0)


def test_friday_evening_waits_for_monday_across_the_spring_dst_change():
    # Lisbon moves from WET (UTC+0) to WEST (UTC+1) on Sunday 31 March 2024.
    result = next_delivery_time(at(LISBON, 2024, 3, 29, 18, 0), hours("Europe/Lisbon"))
    assert result == utc(2024, 4, 1, 8, 0)  # 09:00 WEST


def test_weekend_in_new_york_across_the_autumn_dst_change():
    # New York moves from EDT (UTC-4) to EST (UTC-5) on Sunday 3 November 2024.
    result = next_delivery_time(at(NEW_YORK, 2024, 11, 2, 11, 0), hours("America/New_York"))
    assert result == utc(2024, 11, 4, 14, 0)  # 09:00 EST


def test_new_york_spring_change():
    result = next_delivery_time(at(NEW_YORK, 2024, 3, 8, 20, 0), hours("America/New_York"))
    assert result == utc(2024, 3, 11, 13, 0)  # 09:00 EDT


def test_start_in_the_skipped_hour_begins_when_the_clock_jumps_past_it():
    # 31 March 2024, Lisbon: 00:59:59 WET is followed by 02:00 WEST; nobody's clock shows 01:30.
    sunday_workers = hours("Europe/Lisbon", "01:30", "17:00", EVERY_DAY)
    assert next_delivery_time(utc(2024, 3, 31, 0, 30), sunday_workers) == utc(2024, 3, 31, 1, 0)
    # 02:15 WEST is past 01:30 on the wall clock: inside, unchanged.
    assert is_within(utc(2024, 3, 31, 1, 15), sunday_workers)


def test_repeated_hour_counts_as_often_as_the_clock_shows_it():
    # 27 October 2024, Lisbon: 01:59:59 WEST is followed by 01:00 WET.
    early = hours("Europe/Lisbon", "01:30", "17:00", EVERY_DAY)
    assert is_within(utc(2024, 10, 27, 0, 40), early)  # 01:40 WEST
    assert not is_within(utc(2024, 10, 27, 1, 10), early)  # 01:10 WET, the clock went back
    assert next_delivery_time(utc(2024, 10, 27, 1, 10), early) == utc(2024, 10, 27, 1, 30)
    # Hours that end at 01:30 are over at 01:30 WEST, and open again when 01:00 WET comes.
    night = hours("Europe/Lisbon", "00:30", "01:30", EVERY_DAY)
    assert next_delivery_time(utc(2024, 10, 27, 0, 45), night) == utc(2024, 10, 27, 1, 0)


def test_utc_plus_14_starts_the_week_on_sunday_in_utc():
    kiritimati = hours("Pacific/Kiritimati")
    # Monday 02:00 local is Sunday 12:00 UTC; Monday 09:00 local is Sunday 19:00 UTC.
    assert next_delivery_time(utc(2024, 5, 12, 12, 0), kiritimati) == utc(2024, 5, 12, 19, 0)


def test_utc_minus_12_ends_the_week_on_saturday_in_utc():
    baker_island = hours("Etc/GMT+12")  # POSIX sign: this is UTC-12
    friday_afternoon = utc(2024, 5, 18, 4, 0)  # Friday 16:00 local
    assert next_delivery_time(friday_afternoon, baker_island) == friday_afternoon
    friday_close = utc(2024, 5, 18, 5, 0)
    assert next_delivery_time(friday_close, baker_island) == utc(2024, 5, 20, 21, 0)


def test_weekend_only_worker_waits_from_monday_to_saturday():
    weekend = hours("Europe/Lisbon", days=[6, 7])
    result = next_delivery_time(at(LISBON, 2024, 5, 13, 10, 0), weekend)  # Monday
    assert result == at(LISBON, 2024, 5, 18, 9, 0)
    sunday_evening = at(LISBON, 2024, 5, 19, 18, 0)
    assert next_delivery_time(sunday_evening, weekend) == at(LISBON, 2024, 5, 25, 9, 0)


def test_overnight_shift_belongs_to_the_day_it_starts():
    friday_nights = hours("America/New_York", "22:00", "06:00", [5])
    saturday_3am = at(NEW_YORK, 2024, 3, 9, 3, 0)
    assert next_delivery_time(saturday_3am, friday_nights) == saturday_3am
    saturday_7am = at(NEW_YORK, 2024, 3, 9, 7, 0)
    assert next_delivery_time(saturday_7am, friday_nights) == at(NEW_YORK, 2024, 3, 15, 22, 0)


def test_a_working_day_lost_to_the_date_line_waits_a_week():
    # Samoa skipped Friday 30 December 2011 when it moved west of the date line.
    fridays = hours("Pacific/Apia", days=[5])
    apia = ZoneInfo("Pacific/Apia")
    result = next_delivery_time(at(apia, 2011, 12, 29, 12, 0), fridays)
    assert result == at(apia, 2012, 1, 6, 9, 0)


def test_naive_due_is_refused():
    with pytest.raises(ValueError, match="aware"):
        next_delivery_time(dt.datetime(2024, 5, 14, 10), hours("UTC"))


def test_stored_data_is_repaired_rather_than_silencing_anyone():
    repaired = WorkingHours.of("Mars/Olympus", dt.time(9), dt.time(9), [], fallback_timezone="")
    assert repaired == WorkingHours("UTC", dt.time(9), dt.time(17), frozenset(WEEKDAYS))
    fallback = WorkingHours.of(
        "", dt.time(8), dt.time(16), ["1", 3, 9, None, "x"], fallback_timezone="Europe/Lisbon"
    )
    assert fallback == WorkingHours("Europe/Lisbon", dt.time(8), dt.time(16), frozenset({1, 3}))


@pytest.mark.parametrize(
    ("start", "end", "days", "zone"),
    [
        (dt.time(9), dt.time(9), frozenset({1}), "UTC"),
        (dt.time(9), dt.time(17), frozenset(), "UTC"),
        (dt.time(9), dt.time(17), frozenset({0}), "UTC"),
        (dt.time(9), dt.time(17), frozenset({1}), "Nowhere/Never"),
    ],
)
def test_invalid_working_hours_are_refused(start, end, days, zone):
    with pytest.raises(Exception):  # noqa: B017 - ValueError or ZoneInfoNotFoundError
        WorkingHours(zone, start, end, days)


# --- properties ---------------------------------------------------------------------------------

ZONES = [
    "UTC",
    "Europe/Lisbon",
    "America/New_York",
    "Pacific/Kiritimati",  # UTC+14
    "Etc/GMT+12",  # UTC-12
    "Pacific/Chatham",  # UTC+12:45 / +13:45
    "Australia/Lord_Howe",  # DST of 30 minutes
    "Asia/Kathmandu",  # UTC+5:45
    "America/Santiago",  # changes at midnight
    "America/Havana",  # changes at midnight
    "Pacific/Apia",  # skipped a whole day in 2011
    "America/St_Johns",
    "Australia/Sydney",
]
# Moments the clocks changed: due times near them are where the arithmetic breaks, if anywhere.
CHANGES = [
    ("Europe/Lisbon", utc(2024, 3, 31, 1)),
    ("Europe/Lisbon", utc(2024, 10, 27, 1)),
    ("America/New_York", utc(2024, 3, 10, 7)),
    ("America/New_York", utc(2024, 11, 3, 6)),
    ("America/Havana", utc(2024, 3, 10, 5)),
    ("America/Santiago", utc(2024, 4, 7, 3)),
    ("Australia/Lord_Howe", utc(2024, 4, 6, 15)),
    ("Pacific/Apia", utc(2011, 12, 30, 10)),
]

ALL_ZONES = st.sampled_from(sorted(available_timezones()))
quarter_hours = st.builds(dt.time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
wall_times = quarter_hours | st.times()
working_days = st.frozensets(st.integers(1, 7), min_size=1)


@st.composite
def working_hours(draw: st.DrawFn, zone: st.SearchStrategy[str] | None = None) -> WorkingHours:
    start = draw(wall_times)
    end = draw(wall_times.filter(lambda t: t != start))
    zone_name = draw(zone if zone is not None else st.sampled_from(ZONES) | ALL_ZONES)
    return WorkingHours(zone_name, start, end, draw(working_days))


any_due = st.datetimes(
    min_value=dt.datetime(1990, 1, 1),
    max_value=dt.datetime(2040, 1, 1),
    timezones=st.just(UTC),
)


@st.composite
def case_near_a_clock_change(draw: st.DrawFn) -> tuple[dt.datetime, WorkingHours]:
    zone, change = draw(st.sampled_from(CHANGES))
    due = change + dt.timedelta(minutes=draw(st.integers(-3 * 1440, 3 * 1440)))
    return due, draw(working_hours(zone=st.just(zone)))


@st.composite
def any_case(draw: st.DrawFn) -> tuple[dt.datetime, WorkingHours]:
    return draw(any_due), draw(working_hours())


cases = case_near_a_clock_change() | any_case()


def shows_working_time(moment: dt.datetime, wh: WorkingHours) -> bool:
    """The oracle, written out on its own: what the person's clock shows, and is it work?"""
    local = moment.astimezone(ZoneInfo(wh.timezone))
    today, clock = local.date(), local.time()
    yesterday = today - dt.timedelta(days=1)
    if wh.start < wh.end:
        return today.isoweekday() in wh.days and wh.start <= clock < wh.end
    evening = clock >= wh.start and today.isoweekday() in wh.days
    morning = clock < wh.end and yesterday.isoweekday() in wh.days
    return evening or morning


@settings(deadline=None, max_examples=300)
@given(cases)
@example(
    (
        utc(2024, 3, 31, 0, 30),
        WorkingHours("Europe/Lisbon", dt.time(1, 30), dt.time(17), frozenset(EVERY_DAY)),
    )
)
def test_result_is_never_before_due_and_inside_working_hours(case):
    due, wh = case
    result = next_delivery_time(due, wh)
    assert result >= due
    assert result.tzinfo is UTC
    assert shows_working_time(result, wh), result.astimezone(ZoneInfo(wh.timezone))


@st.composite
def due_inside_working_hours(draw: st.DrawFn) -> tuple[dt.datetime, WorkingHours]:
    """A wall-clock moment inside the hours, on a working day, near a clock change or not."""
    near, wh = draw(cases)
    zone = ZoneInfo(wh.timezone)
    day = near.astimezone(zone).date()
    while day.isoweekday() not in wh.days:
        day += dt.timedelta(days=1)
    opens = dt.datetime.combine(day, wh.start)
    length = dt.datetime.combine(day, wh.end) - opens
    if length <= dt.timedelta(0):
        length += dt.timedelta(days=1)
    wall = opens + length * draw(st.floats(0, 1, exclude_max=True))
    due = wall.replace(tzinfo=zone, fold=draw(st.integers(0, 1))).astimezone(UTC)
    assume(shows_working_time(due, wh))  # not a wall time the clock skipped
    return due, wh


@settings(deadline=None, max_examples=300)
@given(due_inside_working_hours())
def test_due_inside_working_hours_is_returned_unchanged(case):
    due, wh = case
    assert next_delivery_time(due, wh) == due
    assert is_within(due, wh)


@settings(deadline=None, max_examples=200)
@given(cases)
def test_result_is_the_first_working_moment(case):
    due, wh = case
    result = next_delivery_time(due, wh)
    if result == due:
        return
    just_before = result - dt.timedelta(microseconds=1)
    assert just_before < due or not shows_working_time(just_before, wh)
    step = dt.timedelta(minutes=15)
    probe = due + step
    while probe < result:
        assert not shows_working_time(probe, wh), probe.astimezone(ZoneInfo(wh.timezone))
        probe += step


@settings(deadline=None, max_examples=100)
@given(cases)
def test_delivering_twice_changes_nothing(case):
    due, wh = case
    once = next_delivery_time(due, wh)
    assert next_delivery_time(once, wh) == once


@settings(deadline=None, max_examples=100)
@given(any_due, working_hours(), st.sampled_from(ZONES))
def test_result_does_not_depend_on_the_zone_due_is_written_in(due, wh, writer_zone):
    assert next_delivery_time(due.astimezone(ZoneInfo(writer_zone)), wh) == next_delivery_time(
        due, wh
    )
