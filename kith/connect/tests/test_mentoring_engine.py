"""The mentoring engine: who mentors whom (pure, no database)."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kith.connect.engine.mentoring import assign_mentors, mentor_fit
from kith.connect.engine.types import Mentee, Mentor, MentoringResult, UnmatchedReason

TOPICS = ("design", "rust", "writing", "public speaking")


def test_mentee_goes_to_the_mentor_who_shares_their_goals():
    mentors = [
        Mentor(id=1, capacity=1, topics=frozenset({"rust"})),
        Mentor(id=2, capacity=1, topics=frozenset({"product strategy", "public speaking"})),
    ]
    mentee = Mentee(id=10, goals=frozenset({"public speaking", "product strategy"}))
    result = assign_mentors(mentors, [mentee])
    [assignment] = result.assignments
    assert (assignment.mentor, assignment.mentee) == (2, 10)
    assert assignment.score == 2.0
    assert assignment.reasons == ("you share product strategy, public speaking",)
    assert result.waitlisted == ()


def test_topics_match_whatever_their_case_and_spacing():
    mentor = Mentor(id=1, capacity=1, topics=frozenset({"Public  Speaking"}))
    result = assign_mentors([mentor], [Mentee(id=2, goals=frozenset({"public speaking"}))])
    assert result.assignments[0].reasons == ("you share public speaking",)


def test_mentor_from_another_department_wins_a_tie_and_says_so():
    mentors = [
        Mentor(id=1, capacity=1, topics=frozenset({"design"}), department=7),
        Mentor(id=2, capacity=1, topics=frozenset({"design"}), department=8),
    ]
    mentee = Mentee(id=10, goals=frozenset({"design"}), department=7)
    [assignment] = assign_mentors(mentors, [mentee]).assignments
    assert assignment.mentor == 2
    assert assignment.score == 1.5
    assert assignment.reasons == ("you share design", "from another department")


def test_unknown_department_is_not_another_department():
    mentor = Mentor(id=1, capacity=1, topics=frozenset({"design"}), department=-1)
    mentee = Mentee(id=2, goals=frozenset({"design"}), department=4)
    assert mentor_fit(mentor, mentee) == 1.0


def test_capacities_are_respected_and_the_rest_waits_for_a_place():
    mentors = [Mentor(id=1, capacity=2, topics=frozenset({"design"}))]
    mentees = [Mentee(id=10 + n, goals=frozenset({"design"})) for n in range(3)]
    result = assign_mentors(mentors, mentees)
    assert len(result.assignments) == 2
    [waiting] = result.waitlisted
    assert waiting.reason is UnmatchedReason.FULL
    assert waiting.detail == (
        "Every mentor for design is full; you are on the waitlist and will be placed when a "
        "place opens"
    )


def test_mentor_with_no_capacity_takes_nobody():
    mentors = [Mentor(id=1, capacity=0, topics=frozenset({"design"}))]
    result = assign_mentors(mentors, [Mentee(id=2, goals=frozenset({"design"}))])
    assert result.assignments == ()
    assert result.waitlisted[0].reason is UnmatchedReason.FULL


def test_nobody_offering_the_goals_is_said_in_plain_words():
    mentors = [Mentor(id=1, capacity=3, topics=frozenset({"rust"}))]
    mentee = Mentee(id=2, goals=frozenset({"design", "writing"}))
    [waiting] = assign_mentors(mentors, [mentee]).waitlisted
    assert waiting.reason is UnmatchedReason.NO_SHARED_TOPIC
    assert waiting.detail.startswith("No mentor offers design or writing yet")


def test_mentee_without_goals_is_asked_for_them():
    mentors = [Mentor(id=1, capacity=3, topics=frozenset({"rust"}))]
    [waiting] = assign_mentors(mentors, [Mentee(id=2, goals=frozenset())]).waitlisted
    assert waiting.reason is UnmatchedReason.NO_SHARED_TOPIC
    assert "what you would like to learn" in waiting.detail


def test_own_manager_is_never_the_mentor():
    mentors = [Mentor(id=1, capacity=5, topics=frozenset({"design"}))]
    mentee = Mentee(id=2, goals=frozenset({"design"}), manager=1)
    result = assign_mentors(mentors, [mentee])
    assert result.assignments == ()
    assert result.waitlisted[0].reason is UnmatchedReason.NO_ALLOWED_PARTNER
    assert "cannot be paired with you" in result.waitlisted[0].detail


def test_forbidden_pairs_work_in_either_order_and_nobody_mentors_themselves():
    mentors = [
        Mentor(id=1, capacity=5, topics=frozenset({"design"})),
        Mentor(id=3, capacity=5, topics=frozenset({"design"})),
        Mentor(id=9, capacity=5, topics=frozenset({"design"})),
    ]
    mentees = [Mentee(id=2, goals=frozenset({"design"})), Mentee(id=9, goals=frozenset({"design"}))]
    result = assign_mentors(mentors, mentees, forbidden_pairs=frozenset({(1, 2), (9, 3)}))
    pairs = {(a.mentor, a.mentee) for a in result.assignments}
    assert pairs == {(3, 2), (1, 9)}


def test_placing_one_more_mentee_beats_a_better_fit():
    # Mentor 1 fits Ana best, but only mentor 1 can take Bo: both are placed.
    mentors = [
        Mentor(id=1, capacity=1, topics=frozenset({"design", "rust", "writing"})),
        Mentor(id=2, capacity=1, topics=frozenset({"design"})),
    ]
    ana = Mentee(id=10, goals=frozenset({"design", "rust", "writing"}))
    bo = Mentee(id=11, goals=frozenset({"rust"}))
    result = assign_mentors(mentors, [ana, bo])
    assert {(a.mentor, a.mentee) for a in result.assignments} == {(2, 10), (1, 11)}


def test_result_does_not_depend_on_input_order():
    rng = random.Random(4)
    mentors = [
        Mentor(id=n, capacity=rng.randint(0, 2), topics=frozenset(rng.sample(TOPICS, 2)))
        for n in range(1, 8)
    ]
    mentees = [
        Mentee(id=n, goals=frozenset(rng.sample(TOPICS, rng.randint(1, 3)))) for n in range(20, 40)
    ]
    first = assign_mentors(mentors, mentees, seed=3)
    rng.shuffle(mentors)
    rng.shuffle(mentees)
    assert assign_mentors(mentors, mentees, seed=3) == first
    assert assign_mentors(mentors, mentees, seed=3) == first


def test_duplicate_ids_are_refused():
    mentor = Mentor(id=1, capacity=1, topics=frozenset({"design"}))
    with pytest.raises(ValueError, match="mentor 1 appears twice"):
        assign_mentors([mentor, mentor], [])


def test_nobody_at_all():
    assert assign_mentors([], []) == MentoringResult(assignments=(), waitlisted=())
    result = assign_mentors([], [Mentee(id=1, goals=frozenset({"design"}))])
    assert result.waitlisted[0].reason is UnmatchedReason.NO_SHARED_TOPIC


# --- properties -----------------------------------------------------------------------------

topic_sets = st.frozensets(st.sampled_from(TOPICS), max_size=3)


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[Mentor], list[Mentee], frozenset[tuple[int, int]]]:
    mentor_ids = draw(st.lists(st.integers(1, 8), min_size=1, max_size=3, unique=True))
    mentors = [
        Mentor(
            id=i,
            capacity=draw(st.integers(0, 2)),
            topics=draw(topic_sets),
            department=draw(st.integers(-1, 2)),
        )
        for i in mentor_ids
    ]
    # Ids overlap with the mentors' on purpose: someone can be both mentor and mentee.
    mentee_ids = draw(st.lists(st.integers(1, 8), max_size=5, unique=True))
    mentees = [
        Mentee(
            id=i,
            goals=draw(topic_sets),
            department=draw(st.integers(-1, 2)),
            manager=draw(st.none() | st.sampled_from(mentor_ids)),
        )
        for i in mentee_ids
    ]
    pairs = st.tuples(st.sampled_from(mentor_ids), st.integers(1, 8)).map(
        lambda pair: (min(pair), max(pair))
    )
    return mentors, mentees, draw(st.frozensets(pairs, max_size=4))


def brute_force_best(
    mentors: list[Mentor], mentees: list[Mentee], forbidden: frozenset[tuple[int, int]]
) -> tuple[int, float]:
    """(mentees placed, total fit) of the best placement, by trying every one."""
    best = (0, 0.0)
    for choice in itertools.product([None, *range(len(mentors))], repeat=len(mentees)):
        load = [0] * len(mentors)
        total, placed = 0.0, 0
        for mentee, chosen in zip(mentees, choice, strict=True):
            if chosen is None:
                continue
            fit = mentor_fit(mentors[chosen], mentee, forbidden)
            load[chosen] += 1
            if fit != fit or load[chosen] > mentors[chosen].capacity:  # NaN: not allowed
                break
            total, placed = total + fit, placed + 1
        else:
            best = max(best, (placed, total))
    return best


@settings(max_examples=150, deadline=None)
@given(instances(), st.integers(0, 3))
def test_every_rule_holds_and_the_optimum_equals_brute_force(instance, seed):
    mentors, mentees, forbidden = instance
    result = assign_mentors(mentors, mentees, forbidden_pairs=forbidden, seed=seed)
    by_id = {mentor.id: mentor for mentor in mentors}
    mentee_by_id = {mentee.id: mentee for mentee in mentees}
    placed = [a.mentee for a in result.assignments]
    waiting = [w.id for w in result.waitlisted]
    assert sorted(placed + waiting) == sorted(mentee_by_id)
    for assignment in result.assignments:
        mentor, mentee = by_id[assignment.mentor], mentee_by_id[assignment.mentee]
        assert mentor.id != mentee.id
        assert mentor.id != mentee.manager
        assert (min(mentor.id, mentee.id), max(mentor.id, mentee.id)) not in forbidden
        assert mentor.topics & mentee.goals
        assert assignment.score == mentor_fit(mentor, mentee, forbidden)
    for mentor in mentors:
        assert sum(a.mentor == mentor.id for a in result.assignments) <= max(mentor.capacity, 0)
    total = sum(a.score for a in result.assignments)
    assert (len(result.assignments), total) == brute_force_best(mentors, mentees, forbidden)
    assert assign_mentors(mentors, mentees, forbidden_pairs=forbidden, seed=seed) == result
