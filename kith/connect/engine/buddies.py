"""Onboarding buddies: give every new joiner a settled colleague to ask the small questions.

Hard rules, never broken: the buddy is from another team, has been here at least
`min_tenure_days`, is neither the joiner nor in a reporting line with them, and looks after no
more than `max_buddies` joiners at once (counting the ones they already have).

Among the placements that respect them, the engine picks, in strict order of importance:
1. as many joiners placed as possible;
2. as many buddies in the joiner's own city as possible (they can meet for lunch);
3. mild preferences: buddies with fewer joiners already (spread the load), then longer tenure.
Each buddy's free places become columns of a rectangular assignment problem solved exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from kith.connect.engine.mentoring import best_slot_assignment
from kith.connect.engine.types import (
    BuddyAssignment,
    BuddyCandidate,
    BuddyResult,
    Joiner,
    Unmatched,
    UnmatchedReason,
)

LOAD_PENALTY = 1.0  # per joiner the buddy already looks after (including ones given now)
TENURE_BONUS = 0.5  # for the longest tenure that counts
TENURE_CAP_DAYS = 5 * 365  # beyond five years, more tenure adds nothing


def assign_buddies(
    joiners: Sequence[Joiner],
    candidates: Sequence[BuddyCandidate],
    *,
    min_tenure_days: int = 182,
    max_buddies: int = 2,
    forbidden_pairs: frozenset[tuple[int, int]] = frozenset(),
) -> BuddyResult:
    """One buddy per joiner under the hard rules; unplaced joiners come back with a reason.
    `forbidden_pairs` ((smaller id, larger id): do-not-pair lists, declined pairings) never
    become an assignment."""
    _require_unique_ids(joiners, "joiner")
    _require_unique_ids(candidates, "buddy candidate")
    joiners = sorted(joiners, key=lambda joiner: joiner.id)
    candidates = sorted(candidates, key=lambda candidate: candidate.id)
    # One column per free place: (candidate's index, how many joiners they would have before).
    slots = [
        (column, taken)
        for column, candidate in enumerate(candidates)
        if candidate.tenure_days >= min_tenure_days
        for taken in _free_places(candidate, max_buddies, len(joiners))
    ]
    # Secondary preferences span less than this per pair; a shared city outweighs all of them.
    city_tier = len(joiners) * (LOAD_PENALTY * max_buddies + TENURE_BONUS) + 1.0
    value = np.full((len(joiners), len(slots)), np.nan)
    for row, joiner in enumerate(joiners):
        for index, (column, taken) in enumerate(slots):
            candidate = candidates[column]
            pair = (min(joiner.id, candidate.id), max(joiner.id, candidate.id))
            if _allowed(joiner, candidate) and pair not in forbidden_pairs:
                value[row, index] = (
                    city_tier * _same_city(joiner, candidate)
                    + _tenure_bonus(candidate)
                    - LOAD_PENALTY * taken
                )
    placed = best_slot_assignment(value)
    assignments = tuple(
        _assignment(joiners[row], candidates[slots[index][0]]) for row, index in placed
    )
    placed_rows = {row for row, _index in placed}
    unassigned = tuple(
        _unassigned(joiner, candidates, min_tenure_days, max_buddies)
        for row, joiner in enumerate(joiners)
        if row not in placed_rows
    )
    return BuddyResult(assignments=assignments, unassigned=unassigned)


def _free_places(candidate: BuddyCandidate, max_buddies: int, joiner_count: int) -> range:
    already = max(candidate.current_buddies, 0)
    return range(already, min(max_buddies, already + joiner_count))


def _allowed(joiner: Joiner, candidate: BuddyCandidate) -> bool:
    """The hard rules except tenure and capacity (those shape the slots)."""
    return (
        candidate.id != joiner.id
        and not _same_team(joiner, candidate)
        and candidate.id != joiner.manager
        and candidate.manager != joiner.id
    )


def _same_team(joiner: Joiner, candidate: BuddyCandidate) -> bool:
    return joiner.team != -1 and joiner.team == candidate.team


def _same_city(joiner: Joiner, candidate: BuddyCandidate) -> bool:
    return bool(joiner.city) and joiner.city == candidate.city


def _tenure_bonus(candidate: BuddyCandidate) -> float:
    return TENURE_BONUS * min(candidate.tenure_days, TENURE_CAP_DAYS) / TENURE_CAP_DAYS


def _assignment(joiner: Joiner, buddy: BuddyCandidate) -> BuddyAssignment:
    reasons = []
    if joiner.team != -1 and buddy.team != -1:
        reasons.append("from another team")
    same_city = _same_city(joiner, buddy)
    if same_city:
        reasons.append(f"you are both in {city_name(joiner.city)}")
    if buddy.tenure_days >= 30:
        reasons.append(f"has been with us for {duration_words(buddy.tenure_days)}")
    return BuddyAssignment(
        joiner=joiner.id, buddy=buddy.id, same_city=same_city, reasons=tuple(reasons)
    )


def _unassigned(
    joiner: Joiner, candidates: Sequence[BuddyCandidate], min_tenure_days: int, max_buddies: int
) -> Unmatched:
    eligible = [
        candidate
        for candidate in candidates
        if _allowed(joiner, candidate) and candidate.tenure_days >= min_tenure_days
    ]
    if not eligible:
        return Unmatched(
            joiner.id,
            UnmatchedReason.NO_ALLOWED_PARTNER,
            "Nobody from another team who has been here for at least "
            f"{duration_words(min_tenure_days)} can be your buddy yet; we will keep looking",
        )
    newcomers = "newcomer" if max_buddies == 1 else f"{max_buddies} newcomers"
    return Unmatched(
        joiner.id,
        UnmatchedReason.FULL,
        f"Everyone who could be your buddy already looks after {newcomers}; you will get a "
        "buddy as soon as one is free",
    )


def city_name(city: str) -> str:
    """ "Lisbon" from the "Lisbon, PT" city key."""
    name, _comma, _country = city.rpartition(",")
    return name.strip() or city.strip()


def duration_words(days: int) -> str:
    """ "2 years", "6 months", "10 days": rounded down, as people say it."""
    for unit, length in (("year", 365), ("month", 30), ("day", 1)):
        if days >= length or unit == "day":
            amount = days // length
            return f"{amount} {unit}{'' if amount == 1 else 's'}"
    raise AssertionError("unreachable")  # pragma: no cover


def _require_unique_ids(people: Iterable[Joiner | BuddyCandidate], role: str) -> None:
    seen: set[int] = set()
    for person in people:
        if person.id in seen:
            raise ValueError(f"{role} {person.id} appears twice")
        seen.add(person.id)
