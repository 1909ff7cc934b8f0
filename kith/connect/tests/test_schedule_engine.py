"""Suggested meeting times and weekly working windows (pure, no database)."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kith.connect.engine.schedule import (
    overlap_windows_for_week,
    public_holidays,
    suggest_times,
    working_intervals,
)
from kith.notify.engine.delivery import WorkingHours, is_within

UTC = dt.UTC
WEEKDAYS = range(1, 6)
QUARTER = dt.timedelta(minutes=15)


def hours(zone: str, start: str = "09:00", end: str = "17:00", days=WEEKDAYS) -> WorkingHours:
    return WorkingHours.of(zone, dt.time.fromisoformat(start), dt.time.fromisoformat(end), days)


def utc(y: int, m: int, d: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hour, minute, tzinfo=UTC)


def local(moment: dt.datetime, person: WorkingHours) -> dt.datetime:
    return moment.astimezone(ZoneInfo(person.timezone))


def whole_slot_inside(start: dt.datetime, duration: dt.timedelta, person: WorkingHours) -> bool:
    # Hours, offsets and offset changes all sit on quarter hours, so quarters are enough.
    moment = start
    while moment < start + duration:
        if not is_within(moment, person):
            return False
        moment += QUARTER
    return True


# --- suggestions: examples worked out by hand -----------------------------------------------


def test_lisbon_and_new_york_meet_in_the_lisbon_afternoon_on_different_days():
    lisbon, new_york = hours("Europe/Lisbon"), hours("America/New_York")
    result = suggest_times([lisbon, new_york], after=utc(2026, 5, 11, 7))  # a Monday
    # Overlap is 13:00–16:00 UTC (Lisbon 14–17, New York 9–12); 13:30 is fair to both.
    assert result == [utc(2026, 5, 11, 13, 30), utc(2026, 5, 12, 13, 30), utc(2026, 5, 13, 13, 30)]
    assert all(moment.tzinfo is UTC for moment in result)
    for moment in result:
        assert local(moment, lisbon).hour >= 14
        assert 9 <= local(moment, new_york).hour < 12


def test_every_suggestion_can_be_asked_for():
    lisbon, new_york = hours("Europe/Lisbon"), hours("America/New_York")
    result = suggest_times([lisbon, new_york], after=utc(2026, 5, 11, 7), count=100)
    assert len(result) == 5 * 6  # five days, six half-hour starts from 13:00 to 15:30 UTC
    assert result == sorted(set(result))


def test_sydney_and_berlin_office_hours_never_meet():
    assert (
        suggest_times([hours("Australia/Sydney"), hours("Europe/Berlin")], after=utc(2026, 5, 11))
        == []
    )


def test_sydney_late_afternoon_is_berlin_early_morning():
    sydney, berlin = (
        hours("Australia/Sydney", "08:00", "18:00"),
        hours("Europe/Berlin", "08:00", "18:00"),
    )
    result = suggest_times([sydney, berlin], after=utc(2026, 5, 11), count=5)
    assert len(result) == 5
    assert len({moment.date() for moment in result}) == 5
    for moment in result:
        assert 16 <= local(moment, sydney).hour < 18
        assert 8 <= local(moment, berlin).hour < 10


def test_southern_and_northern_daylight_saving_close_the_window():
    # Sydney is on AEDT (UTC+11) from 4 October 2026; Berlin leaves CEST on 25 October.
    # Before that the 8–18 days share 06:00–07:00 UTC; afterwards they do not meet at all.
    berlin, sydney = (
        hours("Europe/Berlin", "08:00", "18:00"),
        hours("Australia/Sydney", "08:00", "18:00"),
    )
    result = suggest_times([berlin, sydney], after=utc(2026, 10, 21), count=10)
    assert result == [utc(2026, 10, day, 6, minute) for day in (21, 22, 23) for minute in (0, 30)]


def test_the_week_when_berlin_has_changed_clocks_and_new_york_has_not():
    # Berlin: CEST until Sunday 25 October 2026. New York: EDT until Sunday 1 November.
    # Thursday and Friday the gap is 6 hours (overlap 13:00–15:00 UTC); from Monday 26th it
    # is 5 hours (13:00–16:00 UTC, Berlin 14–17).
    berlin, new_york = hours("Europe/Berlin"), hours("America/New_York")
    result = suggest_times([berlin, new_york], after=utc(2026, 10, 22), count=100)
    six_hours = [
        utc(2026, 10, day, 13) + n * dt.timedelta(minutes=30) for day in (22, 23) for n in range(4)
    ]
    five_hours = [
        utc(2026, 10, day, 13) + n * dt.timedelta(minutes=30)
        for day in (26, 27, 28)
        for n in range(6)
    ]
    assert result == six_hours + five_hours
    assert local(utc(2026, 10, 26, 13), berlin).hour == 14


def test_overnight_shift_meets_tokyo_mornings_but_not_after_a_day_off():
    # Lisbon 22:00–06:00 (WEST, so 21:00–05:00 UTC), Monday to Friday shifts; Tokyo 9–17
    # (00:00–08:00 UTC). The Sunday-night shift is not worked, so Monday UTC has nothing;
    # Friday's shift ends on Saturday, when Tokyo is off.
    night, tokyo = hours("Europe/Lisbon", "22:00", "06:00"), hours("Asia/Tokyo")
    result = suggest_times([night, tokyo], after=utc(2026, 5, 11), count=4)
    assert [moment.isoweekday() for moment in result] == [2, 3, 4, 5]
    for moment in result:
        assert whole_slot_inside(moment, dt.timedelta(minutes=30), night)
        assert whole_slot_inside(moment, dt.timedelta(minutes=30), tokyo)


def test_an_overnight_shift_belongs_to_the_day_it_starts():
    friday_night = hours("Europe/Lisbon", "22:00", "06:00", days=[5])
    result = suggest_times([friday_night], after=utc(2026, 5, 11), count=100)
    # One working day a week, so the search stops at its 14-day limit: two Friday nights.
    half_hours = [n * dt.timedelta(minutes=30) for n in range(16)]
    assert result == [utc(2026, 5, 15, 21) + step for step in half_hours] + [
        utc(2026, 5, 22, 21) + step for step in half_hours
    ]  # Friday 22:00 in Lisbon to the last half hour before 06:00 on Saturday


def test_public_holidays_are_skipped():
    # Thanksgiving: Thursday 26 November 2026 in the United States, a working day in Portugal.
    lisbon, new_york = hours("Europe/Lisbon"), hours("America/New_York")
    days_off = [public_holidays("PT", [2026]), public_holidays("US", [2026])]
    result = suggest_times(
        [lisbon, new_york], after=utc(2026, 11, 23), count=4, holidays_by_person=days_off
    )
    assert [moment.day for moment in result] == [23, 24, 25, 27]


def test_the_first_persons_holidays_stretch_the_window():
    # Portugal: 1 and 8 December 2026 are Tuesdays off.
    lisbon = hours("Europe/Lisbon")
    result = suggest_times(
        [lisbon],
        after=utc(2026, 11, 30),
        count=5,
        holidays_by_person=[public_holidays("PT", [2026])],
    )
    assert [moment.day for moment in result] == [30, 2, 3, 4, 7]


def test_the_window_counts_today_while_work_is_left_and_ends_after_five_working_days():
    lisbon = hours("Europe/Lisbon")
    result = suggest_times([lisbon], after=utc(2026, 5, 15, 15), count=100)  # Fri 16:00 Lisbon
    assert {moment.date() for moment in result} == {
        dt.date(2026, 5, day) for day in (15, 18, 19, 20, 21)
    }
    assert [moment for moment in result if moment.day == 15] == [
        utc(2026, 5, 15, 15),
        utc(2026, 5, 15, 15, 30),
    ]


def test_fewer_suggestions_when_fewer_exist():
    lisbon = hours("Europe/Lisbon")
    short = hours("Europe/Lisbon", "16:30", "17:00", days=[2, 4])
    result = suggest_times([lisbon, short], after=utc(2026, 5, 11), count=3)
    assert result == [utc(2026, 5, 12, 15, 30), utc(2026, 5, 14, 15, 30)]


def test_longer_meetings_and_a_second_slot_on_a_day_keep_apart():
    lisbon = hours("Europe/Lisbon")
    result = suggest_times(
        [lisbon], after=utc(2026, 5, 11), count=2, working_days=1, duration=dt.timedelta(hours=1)
    )
    assert len(result) == 2
    assert result[1] - result[0] > dt.timedelta(hours=2)
    assert all(whole_slot_inside(moment, dt.timedelta(hours=1), lisbon) for moment in result)


def test_bad_input_is_refused():
    lisbon = hours("Europe/Lisbon")
    with pytest.raises(ValueError, match="aware"):
        suggest_times([lisbon], after=dt.datetime(2026, 5, 11))
    with pytest.raises(ValueError, match="at least one person"):
        suggest_times([], after=utc(2026, 5, 11))
    with pytest.raises(ValueError, match="one set of dates per person"):
        suggest_times([lisbon], after=utc(2026, 5, 11), holidays_by_person=[])
    assert suggest_times([lisbon], after=utc(2026, 5, 11), count=0) == []


# --- weekly windows --------------------------------------------------------------------------


def test_week_windows_in_minutes_after_monday_utc():
    assert overlap_windows_for_week(hours("Europe/Lisbon"), utc(2026, 5, 11)) == tuple(
        (480 + day * 1440, 960 + day * 1440) for day in range(5)
    )


def test_week_windows_follow_a_dst_change_inside_the_week():
    # Berlin moves to CEST on Sunday 29 March 2026: Sunday's hours start an hour earlier in UTC.
    windows = overlap_windows_for_week(hours("Europe/Berlin", days=range(1, 8)), utc(2026, 3, 23))
    assert windows[:6] == tuple((480 + day * 1440, 960 + day * 1440) for day in range(6))
    assert windows[6] == (6 * 1440 + 420, 6 * 1440 + 900)


def test_week_windows_are_cut_at_the_edges_of_the_utc_week():
    # Sydney 9–17 (UTC+10) runs 23:00–07:00 UTC: Monday's shift starts on Sunday in UTC.
    windows = overlap_windows_for_week(hours("Australia/Sydney"), utc(2026, 5, 11))
    assert windows[0] == (0, 420)
    assert windows[-1] == (6 * 1440 + 1380, 7 * 1440)
    assert len(windows) == 6


def test_week_windows_of_an_overnight_shift_and_a_holiday():
    friday_night = hours("Europe/Lisbon", "22:00", "06:00", days=[4, 5])
    assert overlap_windows_for_week(friday_night, utc(2026, 5, 11)) == (
        (3 * 1440 + 1260, 4 * 1440 + 300),
        (4 * 1440 + 1260, 5 * 1440 + 300),
    )
    thursday_off = frozenset({dt.date(2026, 5, 14)})
    assert overlap_windows_for_week(friday_night, utc(2026, 5, 11), holidays=thursday_off) == (
        (4 * 1440 + 1260, 5 * 1440 + 300),
    )


def test_public_holidays():
    portugal = public_holidays("pt", [2026])
    assert dt.date(2026, 4, 25) in portugal
    assert dt.date(2026, 6, 10) in portugal
    assert public_holidays("XX", [2026]) == frozenset()
    assert public_holidays("PT", []) == frozenset()
    assert public_holidays("PT", [2026], subdivision="nowhere") == portugal
    azores = public_holidays("PT", [2026], subdivision="20")
    assert portugal < azores


# --- properties ------------------------------------------------------------------------------

ZONES = (
    "UTC",
    "Europe/Lisbon",
    "Europe/Berlin",
    "America/New_York",
    "America/St_Johns",
    "America/Santiago",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Pacific/Chatham",
)
quarter_times = st.integers(0, 95).map(lambda q: dt.time(q // 4, q % 4 * 15))
working_hours = st.builds(
    lambda zone, start, length, days: WorkingHours(
        zone, start, (dt.datetime.combine(dt.date.min, start) + length * QUARTER).time(), days
    ),
    st.sampled_from(ZONES),
    quarter_times,
    st.integers(1, 95),
    st.frozensets(st.integers(1, 7), min_size=1),
)
moments = st.datetimes(
    min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2027, 6, 1), timezones=st.just(UTC)
)


def shift_day(person: WorkingHours, moment: dt.datetime) -> dt.date:
    clock = local(moment, person)
    if person.overnight and clock.time() < person.end:
        return clock.date() - dt.timedelta(days=1)
    return clock.date()


@settings(max_examples=60, deadline=None)
@given(working_hours, moments, st.frozensets(st.dates(dt.date(2024, 12, 30), dt.date(2027, 6, 5))))
def test_working_intervals_are_exactly_the_working_moments(person, begin, holidays):
    end = begin + dt.timedelta(days=3)
    intervals = working_intervals(person, begin, end, holidays=holidays)
    assert all(left < right for left, right in intervals)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(intervals))
    moment = begin.replace(minute=begin.minute // 15 * 15, second=0, microsecond=0) + QUARTER
    while moment < end - QUARTER:
        for probe in (moment, moment + dt.timedelta(minutes=7)):
            expected = is_within(probe, person) and shift_day(person, probe) not in holidays
            assert any(left <= probe < right for left, right in intervals) == expected, probe
        moment += QUARTER


@settings(max_examples=40, deadline=None)
@given(
    st.lists(working_hours, min_size=1, max_size=3),
    moments,
    st.sampled_from([dt.timedelta(minutes=30), dt.timedelta(minutes=60)]),
)
def test_suggestions_are_inside_everyones_hours_and_none_is_skipped(people, after, duration):
    result = suggest_times(people, after=after, count=10_000, duration=duration)
    assert result == sorted(set(result))
    for moment in result:
        assert moment.tzinfo is UTC
        assert moment >= after
        assert moment + duration <= after + dt.timedelta(days=14)
        assert moment.minute % 30 == 0 and moment.second == moment.microsecond == 0
        assert all(whole_slot_inside(moment, duration, person) for person in people)
    if result:  # every possible start up to the last one is offered
        start = after.replace(minute=0, second=0, microsecond=0)
        candidate = start
        while candidate <= result[-1]:
            if candidate >= after and all(
                whole_slot_inside(candidate, duration, p) for p in people
            ):
                assert candidate in result
            candidate += dt.timedelta(minutes=30)


@settings(max_examples=40, deadline=None)
@given(st.lists(working_hours, min_size=2, max_size=2), moments, st.integers(1, 6))
def test_suggestions_prefer_different_days(people, after, count):
    everything = suggest_times(people, after=after, count=10_000)
    result = suggest_times(people, after=after, count=count)
    assert set(result) <= set(everything)
    assert len(result) == min(count, len(everything))
    days = {shift_day(people[0], moment) for moment in everything}
    chosen_days = {shift_day(people[0], moment) for moment in result}
    assert len(chosen_days) == min(len(result), len(days))
