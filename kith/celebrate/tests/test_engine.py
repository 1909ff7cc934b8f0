"""The milestone calendar (pure, no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from kith.celebrate.engine.milestones import (
    Birthday,
    DueMilestone,
    WorkDates,
    anniversary_years,
    celebration_day,
    due_on,
    is_valid_day,
    month_days_matching,
)


def test_an_anniversary_is_on_the_same_day_in_later_years_only():
    start = dt.date(2021, 6, 15)
    assert anniversary_years(start, dt.date(2024, 6, 15)) == 3
    assert anniversary_years(start, dt.date(2024, 6, 14)) is None
    assert anniversary_years(start, dt.date(2021, 6, 15)) is None  # the first day is a welcome
    assert anniversary_years(start, dt.date(2020, 6, 15)) is None


def test_a_leap_day_is_celebrated_on_28_february_in_other_years():
    start = dt.date(2020, 2, 29)
    assert anniversary_years(start, dt.date(2023, 2, 28)) == 3
    assert anniversary_years(start, dt.date(2023, 3, 1)) is None
    assert anniversary_years(start, dt.date(2024, 2, 29)) == 4
    assert anniversary_years(start, dt.date(2024, 2, 28)) is None  # leap year: the real day
    assert celebration_day(2, 29, 2025) == dt.date(2025, 2, 28)
    assert month_days_matching(dt.date(2025, 2, 28)) == [(2, 28), (2, 29)]
    assert month_days_matching(dt.date(2024, 2, 28)) == [(2, 28)]


@pytest.mark.parametrize(
    ("month", "day", "valid"),
    [(2, 29, True), (2, 30, False), (4, 31, False), (12, 31, True), (13, 1, False), (1, 0, False)],
)
def test_valid_days_of_the_year(month, day, valid):
    assert is_valid_day(month, day) is valid


def test_due_on_respects_the_work_dates_choice_and_lists_birthdays():
    on = dt.date(2025, 9, 1)
    people = [
        WorkDates(1, dt.date(2020, 9, 1)),
        WorkDates(2, dt.date(2019, 9, 1), celebrate_work_dates=False),
        WorkDates(3, on),
        WorkDates(4, None),
    ]
    birthdays = [Birthday(5, 9, 1), Birthday(6, 9, 2)]
    assert due_on(on, people, birthdays) == [
        DueMilestone(1, "anniversary", on, 5),
        DueMilestone(3, "welcome", on),
        DueMilestone(5, "birthday", on),
    ]
