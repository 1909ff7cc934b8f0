"""The pure rules of where a person is on a day."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from kith.places.engine.days import (
    AwayRow,
    PlanRow,
    days_between,
    plan_dates,
    presence,
    whereabouts,
)

MON = dt.date(2030, 3, 4)


def _plan(
    pk: int, office: int, weekday: int | None, start: dt.date, end: dt.date | None, person: int = 1
) -> PlanRow:
    return PlanRow(pk, person, office, weekday, start, end)


def test_weekly_plan_covers_its_weekday_between_its_ends():
    plan = _plan(1, 10, 2, MON, MON + dt.timedelta(days=15))
    assert plan_dates(plan, MON, MON + dt.timedelta(days=30)) == [
        dt.date(2030, 3, 5),
        dt.date(2030, 3, 12),
        dt.date(2030, 3, 19),
    ]


def test_one_day_plan_only_inside_the_window():
    plan = _plan(1, 10, None, MON, MON)
    assert plan_dates(plan, MON, MON) == [MON]
    assert plan_dates(plan, MON + dt.timedelta(days=1), MON + dt.timedelta(days=3)) == []


def test_one_day_wins_over_weekly_and_leave_wins_over_both():
    plans = [_plan(1, 10, 1, MON, None), _plan(2, 20, None, MON, MON)]
    end = MON + dt.timedelta(days=14)
    where = whereabouts(
        plans, [AwayRow(1, MON + dt.timedelta(days=7), MON + dt.timedelta(days=7))], MON, end
    )
    assert where[1][MON].office_id == 20
    assert MON + dt.timedelta(days=7) not in where[1]
    assert where[1][MON + dt.timedelta(days=14)].office_id == 10
    assert presence(where) == {(20, MON): {1}, (10, MON + dt.timedelta(days=14)): {1}}


@given(
    weekday=st.one_of(st.none(), st.integers(1, 7)),
    start=st.integers(0, 40),
    length=st.one_of(st.none(), st.integers(0, 40)),
    lo=st.integers(0, 40),
    span=st.integers(0, 40),
)
def test_plan_dates_match_a_day_by_day_check(weekday, start, length, lo, span):
    starts_on = MON + dt.timedelta(days=start)
    ends_on = (
        starts_on
        if weekday is None
        else (None if length is None else starts_on + dt.timedelta(days=length))
    )
    plan = _plan(1, 1, weekday, starts_on, ends_on)
    window = (MON + dt.timedelta(days=lo), MON + dt.timedelta(days=lo + span))
    expected = [
        d
        for d in days_between(*window)
        if starts_on <= d
        and (ends_on is None or d <= ends_on)
        and (weekday is None or d.isoweekday() == weekday)
    ]
    assert plan_dates(plan, *window) == expected
