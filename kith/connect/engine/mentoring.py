"""Mentoring: place each mentee with a mentor who can teach what they want to learn.

A mentor fits a mentee when they offer at least one topic among the mentee's goals. The fit
is one point per shared topic plus half a point when they work in different departments
(mentoring across the organisation widens everyone's network). Hard rules, never broken: no
one mentors themselves, their own direct report, or someone on a forbidden pair.

The best placement is found exactly: first as many mentees placed as possible, then the
largest total fit. Mentors' capacities become one column per free place, and
`scipy.optimize.linear_sum_assignment` solves the rectangular assignment. Mentees left over
go on the waitlist with the reason in plain words.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment

from kith.connect.engine.types import (
    Mentee,
    Mentor,
    MentorAssignment,
    MentoringResult,
    Unmatched,
    UnmatchedReason,
)

TOPIC_POINTS = 1.0
DIFFERENT_DEPARTMENT_BONUS = 0.5


def assign_mentors(
    mentors: Sequence[Mentor],
    mentees: Sequence[Mentee],
    *,
    forbidden_pairs: frozenset[tuple[int, int]] = frozenset(),
    seed: int = 0,
) -> MentoringResult:
    """Place as many mentees as possible, then maximise the total fit; waitlist the rest.

    `forbidden_pairs` holds (smaller id, larger id) pairs that must never be put together.
    `seed` only chooses among equally good placements, so a result is reproducible.
    """
    _require_unique_ids(mentors, "mentor")
    _require_unique_ids(mentees, "mentee")
    mentors = sorted(mentors, key=lambda mentor: mentor.id)
    mentees = sorted(mentees, key=lambda mentee: mentee.id)
    fit = np.array(
        [[mentor_fit(mentor, mentee, forbidden_pairs) for mentor in mentors] for mentee in mentees],
        dtype=float,
    ).reshape(len(mentees), len(mentors))
    slot_owner = np.repeat(np.arange(len(mentors)), [_places(m, len(mentees)) for m in mentors])
    placed = best_slot_assignment(fit[:, slot_owner], seed=seed)
    assignments = tuple(
        _assignment(mentors[slot_owner[slot]], mentees[row]) for row, slot in sorted(placed)
    )
    placed_rows = {row for row, _slot in placed}
    waitlisted = tuple(
        _waitlisted(mentee, mentors, forbidden_pairs)
        for row, mentee in enumerate(mentees)
        if row not in placed_rows
    )
    return MentoringResult(assignments=assignments, waitlisted=waitlisted)


def mentor_fit(
    mentor: Mentor, mentee: Mentee, forbidden_pairs: frozenset[tuple[int, int]] = frozenset()
) -> float:
    """The pair's fit, or NaN when a hard rule forbids it or they share no topic."""
    if not _allowed(mentor, mentee, forbidden_pairs):
        return float("nan")
    shared = _shared_topics(mentor, mentee)
    if not shared:
        return float("nan")
    bonus = DIFFERENT_DEPARTMENT_BONUS if _different_departments(mentor, mentee) else 0.0
    return TOPIC_POINTS * len(shared) + bonus


def best_slot_assignment(value: npt.NDArray[np.float64], *, seed: int = 0) -> list[tuple[int, int]]:
    """(row, column) pairs that place the most rows, then maximise the summed value.

    `value` is rows × columns; NaN marks a pair that is not allowed. Each row and each column
    is used at most once. `seed` permutes the problem so ties break reproducibly.
    """
    rows, columns = value.shape
    allowed = ~np.isnan(value)
    if not allowed.any():
        return []
    rng = np.random.default_rng(seed)
    row_order, column_order = rng.permutation(rows), rng.permutation(columns)
    shuffled = value[np.ix_(row_order, column_order)]
    usable = ~np.isnan(shuffled)
    low, high = float(shuffled[usable].min()), float(shuffled[usable].max())
    # Worth more than any change in summed value, so one more placed row always wins.
    lift = rows * (high - low) + abs(low) + 1.0
    cost = np.where(usable, -(lift + np.nan_to_num(shuffled)), np.inf)
    # One free "not placed" column per row keeps the problem feasible.
    cost = np.hstack([cost, np.zeros((rows, rows))])
    chosen_rows, chosen_columns = linear_sum_assignment(cost)
    return sorted(
        (int(row_order[row]), int(column_order[column]))
        for row, column in zip(chosen_rows, chosen_columns, strict=True)
        if column < columns
    )


def _places(mentor: Mentor, mentee_count: int) -> int:
    return max(0, min(mentor.capacity, mentee_count))


def _allowed(mentor: Mentor, mentee: Mentee, forbidden_pairs: frozenset[tuple[int, int]]) -> bool:
    if mentor.id == mentee.id or mentor.id == mentee.manager:
        return False
    low, high = sorted((mentor.id, mentee.id))
    return (low, high) not in forbidden_pairs and (high, low) not in forbidden_pairs


@functools.lru_cache(maxsize=4096)
def _key(topic: str) -> str:
    return " ".join(topic.split()).casefold()


@functools.lru_cache(maxsize=4096)
def _keys(topics: frozenset[str]) -> frozenset[str]:
    return frozenset(_key(topic) for topic in topics)


def _shared_topics(mentor: Mentor, mentee: Mentee) -> list[str]:
    """The mentee's goals (in their spelling) that the mentor offers, in a stable order."""
    offered = _keys(mentor.topics)
    if offered.isdisjoint(_keys(mentee.goals)):
        return []
    return sorted((goal for goal in mentee.goals if _key(goal) in offered), key=_key)


def _different_departments(mentor: Mentor, mentee: Mentee) -> bool:
    return -1 not in (mentor.department, mentee.department) and (
        mentor.department != mentee.department
    )


def _assignment(mentor: Mentor, mentee: Mentee) -> MentorAssignment:
    reasons = [f"you share {', '.join(_shared_topics(mentor, mentee))}"]
    if _different_departments(mentor, mentee):
        reasons.append("from another department")
    return MentorAssignment(
        mentor=mentor.id, mentee=mentee.id, score=mentor_fit(mentor, mentee), reasons=tuple(reasons)
    )


def _waitlisted(
    mentee: Mentee, mentors: Sequence[Mentor], forbidden_pairs: frozenset[tuple[int, int]]
) -> Unmatched:
    goals = sorted(mentee.goals, key=_key)
    if not goals:
        return Unmatched(
            mentee.id,
            UnmatchedReason.NO_SHARED_TOPIC,
            "Tell us what you would like to learn, and we will find you a mentor for it",
        )
    offering = [mentor for mentor in mentors if _shared_topics(mentor, mentee)]
    if not offering:
        return Unmatched(
            mentee.id,
            UnmatchedReason.NO_SHARED_TOPIC,
            f"No mentor offers {_either(goals)} yet; you are on the waitlist and will be "
            "placed when one does",
        )
    offered = sorted({topic for m in offering for topic in _shared_topics(m, mentee)}, key=_key)
    if not any(_allowed(mentor, mentee, forbidden_pairs) for mentor in offering):
        return Unmatched(
            mentee.id,
            UnmatchedReason.NO_ALLOWED_PARTNER,
            f"The mentors for {_either(offered)} cannot be paired with you this time (your own "
            "manager, for example, cannot be your mentor); you are on the waitlist for a new one",
        )
    return Unmatched(
        mentee.id,
        UnmatchedReason.FULL,
        f"Every mentor for {_either(offered)} is full; you are on the waitlist and will be "
        "placed when a place opens",
    )


def _either(words: Sequence[str]) -> str:
    """ "design", "design or writing", "design, rust or writing"."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} or {words[-1]}"


def _require_unique_ids(people: Iterable[Mentor | Mentee], role: str) -> None:
    seen: set[int] = set()
    for person in people:
        if person.id in seen:
            raise ValueError(f"{role} {person.id} appears twice")
        seen.add(person.id)
