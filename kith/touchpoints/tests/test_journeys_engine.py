"""The pure rules of onboarding journeys: due dates, template checks, booking windows, nudges."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from kith.touchpoints.engine import journeys as engine
from kith.touchpoints.engine.journeys import StepSpec
from kith.touchpoints.models.journeys import Owner, Special, StepKind

MONDAY = dt.date(2027, 3, 1)


def test_engine_names_match_the_model_choices():
    assert set(engine.OWNER_ROLES) == set(Owner.values)
    assert set(engine.KINDS) == set(StepKind.values)
    assert set(engine.SPECIALS) == set(Special.values)


def test_due_dates_count_from_the_start_date_and_skip_days_off():
    assert engine.due_date(MONDAY, 0) == MONDAY
    assert engine.due_date(MONDAY, 2) == dt.date(2027, 3, 3)
    # Day 5 is a Saturday: the step moves to Monday.
    assert engine.due_date(MONDAY, 5) == dt.date(2027, 3, 8)
    # Day -2 is a Saturday before a Monday start: moving on would reach the start, so it
    # moves back to Friday.
    assert engine.due_date(MONDAY, -2) == dt.date(2027, 2, 26)
    # Someone who works Sunday to Thursday.
    assert engine.due_date(MONDAY, 4, [7, 1, 2, 3, 4]) == dt.date(2027, 3, 7)
    # Nonsense working days mean Monday to Friday.
    assert engine.due_date(MONDAY, 5, ["x", 99]) == dt.date(2027, 3, 8)


@given(
    start=st.dates(dt.date(2020, 1, 1), dt.date(2035, 12, 31)),
    offset=st.integers(engine.MIN_OFFSET, engine.MAX_OFFSET),
    days=st.sets(st.integers(1, 7), min_size=1),
)
def test_a_due_date_is_a_working_day_and_preboarding_stays_before_the_start(start, offset, days):
    due = engine.due_date(start, offset, days)
    assert due.isoweekday() in days
    assert abs((due - start).days - offset) <= 6
    if offset < 0:
        assert due < start


def test_the_shipped_template_passes_its_own_rules_and_has_every_special():
    assert engine.step_problems(engine.DEFAULT_STEPS) == []
    specials = [s.special for s in engine.DEFAULT_STEPS]
    assert specials.count("welcome_call") == 1
    assert specials.count("check_in") == 3
    assert "buddy" in specials
    kinds = {s.kind for s in engine.DEFAULT_STEPS}
    assert kinds == {"human", "automated", "hybrid"}
    assert any(s.day_offset < 0 for s in engine.DEFAULT_STEPS)


def test_step_problems_name_the_step_and_the_field():
    steps = [
        StepSpec("Coffee", "joiner", 3, "human"),
        StepSpec("  ", "joiner", 500, "human"),
        StepSpec("Welcome call", "joiner", 1, "automated", "welcome_call"),
        StepSpec("Second welcome", "manager", 30, "human", "welcome_call"),
        StepSpec("Buddy", "hr", 2, "human", "buddy"),
        StepSpec("Early check-in", "manager", 0, "human", "check_in"),
        StepSpec("Odd", "boss", 1, "sometimes", "party"),
    ]
    found = {(p.index, p.field): p.message for p in engine.step_problems(steps)}
    assert (0, "title") not in found
    assert found[(1, "title")].startswith("Step 2: give it a title")
    assert "between -60" in found[(1, "day_offset")]
    assert found[(2, "owner")] == (
        "Step 3: this step is a 1:1 with the manager, so its owner is the manager."
    )
    assert "cannot be automated" in found[(2, "kind")]
    assert "one welcome call" in found[(3, "special")]
    assert "day 0 to 14" in found[(3, "day_offset")]
    assert "owner is the buddy" in found[(4, "owner")]
    assert "day 1 or later" in found[(5, "day_offset")]
    assert {(6, "owner"), (6, "kind"), (6, "special")} <= found.keys()


def test_step_problems_use_the_labels_the_reader_sees():
    problems = engine.step_problems([StepSpec("", "joiner", 0, "human")], labels=["Step 4"])
    assert problems[0].message.startswith("Step 4:")


def test_a_template_needs_steps_and_not_too_many():
    assert engine.step_problems([])[0].message == "A journey needs at least one step."
    many = [StepSpec("x", "joiner", 0, "human")] * (engine.MAX_STEPS + 1)
    assert engine.step_problems(many)[0].field == "steps"


def test_meetings_are_booked_two_weeks_ahead_from_a_couple_of_days_before_their_day():
    start = MONDAY
    assert engine.should_book(start + dt.timedelta(days=14), start)
    assert not engine.should_book(start + dt.timedelta(days=15), start)
    # A welcome call on day 1 is looked for from the start date, not the day before it.
    assert engine.book_from(start + dt.timedelta(days=1), start, start - dt.timedelta(days=9)) == (
        start
    )
    # A 30-day check-in from day 28, never in the past.
    day30 = start + dt.timedelta(days=30)
    assert engine.book_from(day30, start, start) == start + dt.timedelta(days=28)
    assert engine.book_from(day30, start, day30) == day30
    assert engine.counts_for_step(day30 - dt.timedelta(days=7), day30)
    assert not engine.counts_for_step(day30 - dt.timedelta(days=8), day30)
    assert not engine.counts_for_step(day30 + dt.timedelta(days=8), day30)


def test_nudges_start_the_day_after_and_repeat_every_few_days_three_times():
    due = MONDAY
    assert not engine.nudge_due(due, None, due)
    assert engine.nudge_due(due, None, due + dt.timedelta(days=1))
    sent = []
    last = None
    for day in range(0, 40):
        today = due + dt.timedelta(days=day)
        if engine.nudge_due(due, last, today):
            sent.append(day)
            last = today
    assert sent == [1, 4, 7]


@given(
    due=st.dates(dt.date(2026, 1, 1), dt.date(2028, 1, 1)),
    gaps=st.lists(st.integers(0, 9), min_size=1, max_size=60),
)
def test_a_step_is_never_nudged_more_than_the_maximum(due, gaps):
    """Whatever days the job happens to run on (it may miss days), at most MAX_NUDGES."""
    last, sent, today = None, 0, due
    for gap in gaps:
        today += dt.timedelta(days=gap)
        if engine.nudge_due(due, last, today):
            sent += 1
            last = today
    assert sent <= engine.MAX_NUDGES


def test_progress_and_start_window():
    assert engine.percent_done(0, 0) == 0
    assert engine.percent_done(4, 13) == 31
    first, last = engine.start_window(MONDAY)
    assert first == MONDAY - dt.timedelta(days=engine.RECENT_START_DAYS)
    assert last == MONDAY + dt.timedelta(days=engine.UPCOMING_START_DAYS)
