"""The human-touch audit's pure rules: a step's risk, the batches in which feedback is
published, and Kith's example lifecycle."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kith.touchpoints.engine.audit import (
    MODES,
    STAGES,
    Feedback,
    Reason,
    Risk,
    StepFacts,
    assess,
    due_for_publication,
    risk_counts,
    worst,
)
from kith.touchpoints.engine.audit_example import EXAMPLE_MAP

HAPPY = Feedback(respondents=10, felt_human=8, partly=2, not_human=0)
UNHAPPY = Feedback(respondents=9, felt_human=2, partly=4, not_human=3)  # a third said no


def risk(mode, needs, feedback=None, stage="perform"):
    return assess(StepFacts(stage, mode, needs, feedback)).risk


def test_automated_step_that_needs_a_human_touch_is_high_risk():
    found = assess(StepFacts("offboard", "automated", True))
    assert found.risk is Risk.HIGH
    assert found.reasons == (Reason.AUTOMATED_WITH_WEIGHT,)
    assert found.flagged
    # Good feedback does not talk a missing person away.
    assert risk("automated", True, HAPPY) is Risk.HIGH


def test_hybrid_step_that_needs_a_human_touch_is_medium_and_high_when_people_disagree():
    assert risk("hybrid", True) is Risk.MEDIUM
    assert risk("hybrid", True, HAPPY) is Risk.MEDIUM
    both = assess(StepFacts("develop", "hybrid", True, UNHAPPY))
    assert both.risk is Risk.HIGH
    assert both.reasons == (Reason.HYBRID_WITH_WEIGHT, Reason.FEEDBACK_NOT_HUMAN)


def test_feedback_that_says_not_human_flags_any_step():
    assert risk("human", True, UNHAPPY) is Risk.MEDIUM
    assert risk("automated", False, UNHAPPY) is Risk.MEDIUM
    assert assess(StepFacts("recruit", "human", False, UNHAPPY)).reasons == (
        Reason.FEEDBACK_NOT_HUMAN,
    )


def test_steps_without_emotional_weight_or_with_people_are_low():
    assert risk("automated", False) is Risk.LOW
    assert risk("human", True) is Risk.LOW
    assert risk("human", True, HAPPY) is Risk.LOW
    assert risk("hybrid", False) is Risk.LOW
    assert not assess(StepFacts("engage", "human", True)).flagged


def test_a_third_saying_no_is_the_line():
    just_under = Feedback(respondents=10, felt_human=5, partly=2, not_human=3)
    at_line = Feedback(respondents=9, felt_human=5, partly=1, not_human=3)
    assert not just_under.says_not_human
    assert at_line.says_not_human
    assert at_line.share("no") == pytest.approx(1 / 3)


def test_feedback_must_add_up_and_facts_must_be_known():
    with pytest.raises(ValueError, match="do not add up"):
        Feedback(respondents=5, felt_human=1, partly=1, not_human=1)
    with pytest.raises(ValueError, match="stage"):
        StepFacts("lunch", "human", False)
    with pytest.raises(ValueError, match="mode"):
        StepFacts("recruit", "robotic", False)


@given(
    stage=st.sampled_from(STAGES),
    mode=st.sampled_from(MODES),
    needs=st.booleans(),
    answers=st.none() | st.tuples(*[st.integers(0, 50)] * 3).filter(lambda t: sum(t) > 0),
)
def test_risk_never_falls_when_feedback_turns_unhappy(stage, mode, needs, answers):
    """Adding "no" answers can only raise a step's risk; a step is high only if it needs a
    human touch."""
    feedback = None if answers is None else Feedback(sum(answers), *answers)
    before = assess(StepFacts(stage, mode, needs, feedback))
    yes, partly, no = answers or (0, 0, 0)
    more_no = (yes, partly, no + 100)
    after = assess(StepFacts(stage, mode, needs, Feedback(sum(more_no), *more_no)))
    order = [Risk.LOW, Risk.MEDIUM, Risk.HIGH]
    assert order.index(after.risk) >= order.index(before.risk)
    if before.risk is Risk.HIGH:
        assert needs


def test_counts_and_worst():
    found = [assess(StepFacts("recruit", m, n)) for m, n in MODES_AND_NEEDS]
    assert risk_counts(found) == {Risk.HIGH: 1, Risk.MEDIUM: 1, Risk.LOW: 2}
    assert worst(a.risk for a in found) is Risk.HIGH
    assert worst([]) is Risk.LOW
    assert worst([Risk.LOW, Risk.MEDIUM]) is Risk.MEDIUM


MODES_AND_NEEDS = [("automated", True), ("hybrid", True), ("human", True), ("automated", False)]


def test_feedback_is_published_in_batches_of_k():
    k = 5
    assert not due_for_publication(4, 0, k)  # too few
    assert due_for_publication(5, 0, k)
    for n in range(6, 10):  # one to four newcomers: their answers would show in the change
        assert not due_for_publication(n, 5, k)
    assert due_for_publication(10, 5, k)
    assert due_for_publication(17, 10, k)
    with pytest.raises(ValueError):
        due_for_publication(5, 0, 0)


@given(k=st.integers(3, 10), steps=st.lists(st.integers(1, 12), max_size=30))
def test_every_change_between_publications_sums_at_least_k_answers(k, steps):
    """However answers trickle in, consecutive published counts differ by k or more."""
    answered, published = 0, [0]
    for arriving in steps:
        answered += arriving
        if due_for_publication(answered, published[-1], k):
            published.append(answered)
    assert all(b - a >= k for a, b in itertools.pairwise(published))


def test_example_map_covers_every_stage_and_has_automated_steps_with_emotional_weight():
    assert {p.stage for p in EXAMPLE_MAP} == set(STAGES)
    steps = [(p.stage, s) for p in EXAMPLE_MAP for s in p.steps]
    assert all(s.mode in MODES and s.name for _, s in steps)
    high = {
        s.name
        for stage, s in steps
        if assess(StepFacts(stage, s.mode, s.needs_human_touch)).risk is Risk.HIGH
    }
    assert {"Performance-review form", "Redundancy letter", "Grievance web form"} <= high
    assert 3 <= len(high) <= 8  # a few, not everything
    names = [(p.stage, p.name) for p in EXAMPLE_MAP]
    assert len(names) == len(set(names))  # fits the (stage, name) constraint
    for process in EXAMPLE_MAP:
        assert len({s.name.lower() for s in process.steps}) == len(process.steps)
        for step in process.steps:
            assert len(step.name) <= 160 and len(step.why_human) <= 300
