"""The buddy engine at scale: exact against the dense engine it replaced, and bounded at 100k.

`dense_reference` below is the engine as it was before it pruned (a joiners × places matrix
filled in a Python double loop, solved by `best_slot_assignment`), kept as the reference.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence

import numpy as np
import pytest

from kith.connect.engine import buddies
from kith.connect.engine.buddies import assign_buddies, slot_problem
from kith.connect.engine.mentoring import best_slot_assignment
from kith.connect.engine.types import BuddyCandidate, BuddyResult, Joiner, UnmatchedReason

# --- the reference: the dense engine, as it was ----------------------------------------------


def _reference_allowed(joiner: Joiner, candidate: BuddyCandidate) -> bool:
    return (
        candidate.id != joiner.id
        and not (joiner.team != -1 and joiner.team == candidate.team)
        and candidate.id != joiner.manager
        and candidate.manager != joiner.id
    )


def reference_matrix(
    joiners: Sequence[Joiner],
    candidates: Sequence[BuddyCandidate],
    min_tenure_days: int,
    max_buddies: int,
    forbidden_pairs: frozenset[tuple[int, int]],
) -> tuple[list[Joiner], list[BuddyCandidate], list[tuple[int, int]], np.ndarray]:
    joiners = sorted(joiners, key=lambda joiner: joiner.id)
    candidates = sorted(candidates, key=lambda candidate: candidate.id)
    slots = [
        (column, taken)
        for column, candidate in enumerate(candidates)
        if candidate.tenure_days >= min_tenure_days
        for taken in range(
            max(candidate.current_buddies, 0),
            min(max_buddies, max(candidate.current_buddies, 0) + len(joiners)),
        )
    ]
    city_tier = len(joiners) * (buddies.LOAD_PENALTY * max_buddies + buddies.TENURE_BONUS) + 1.0
    value = np.full((len(joiners), len(slots)), np.nan)
    for row, joiner in enumerate(joiners):
        for index, (column, taken) in enumerate(slots):
            candidate = candidates[column]
            pair = (min(joiner.id, candidate.id), max(joiner.id, candidate.id))
            if _reference_allowed(joiner, candidate) and pair not in forbidden_pairs:
                value[row, index] = (
                    city_tier * (bool(joiner.city) and joiner.city == candidate.city)
                    + buddies._tenure_bonus(candidate)
                    - buddies.LOAD_PENALTY * taken
                )
    return joiners, candidates, slots, value


def dense_reference(
    joiners: Sequence[Joiner],
    candidates: Sequence[BuddyCandidate],
    *,
    min_tenure_days: int = 182,
    max_buddies: int = 2,
    forbidden_pairs: frozenset[tuple[int, int]] = frozenset(),
) -> BuddyResult:
    joiners, candidates, slots, value = reference_matrix(
        joiners, candidates, min_tenure_days, max_buddies, forbidden_pairs
    )
    placed = best_slot_assignment(value)
    assignments = tuple(
        buddies._assignment(joiners[row], candidates[slots[index][0]]) for row, index in placed
    )
    placed_rows = {row for row, _index in placed}
    unassigned = tuple(
        reference_unassigned(joiner, candidates, min_tenure_days, max_buddies)
        for row, joiner in enumerate(joiners)
        if row not in placed_rows
    )
    return BuddyResult(assignments=assignments, unassigned=unassigned)


def reference_unassigned(
    joiner: Joiner, candidates: Sequence[BuddyCandidate], min_tenure_days: int, max_buddies: int
):
    eligible = [
        c for c in candidates if _reference_allowed(joiner, c) and c.tenure_days >= min_tenure_days
    ]
    if not eligible:
        return buddies.Unmatched(
            joiner.id,
            UnmatchedReason.NO_ALLOWED_PARTNER,
            "Nobody from another team who has been here for at least "
            f"{buddies.duration_words(min_tenure_days)} can be your buddy yet; we will keep "
            "looking",
        )
    newcomers = "newcomer" if max_buddies == 1 else f"{max_buddies} newcomers"
    return buddies.Unmatched(
        joiner.id,
        UnmatchedReason.FULL,
        f"Everyone who could be your buddy already looks after {newcomers}; you will get a "
        "buddy as soon as one is free",
    )


def optimum(value: np.ndarray) -> tuple[int, float]:
    placed = best_slot_assignment(value)
    return len(placed), float(sum(value[row, column] for row, column in placed))


def objective(
    result: BuddyResult,
    joiners: Sequence[Joiner],
    candidates: Sequence[BuddyCandidate],
    max_buddies: int,
) -> tuple[int, float]:
    """(joiners placed, summed value) of an assignment: each buddy's new joiners take their
    free places in order, so the load penalties are current, current + 1, ..."""
    city_tier = len(joiners) * (buddies.LOAD_PENALTY * max_buddies + buddies.TENURE_BONUS) + 1.0
    by_id = {c.id: c for c in candidates}
    joiner_by_id = {j.id: j for j in joiners}
    total = 0.0
    for a in result.assignments:
        j, c = joiner_by_id[a.joiner], by_id[a.buddy]
        total += city_tier * (bool(j.city) and j.city == c.city) + buddies._tenure_bonus(c)
    for buddy_id, new in Counter(a.buddy for a in result.assignments).items():
        current = max(by_id[buddy_id].current_buddies, 0)
        total -= buddies.LOAD_PENALTY * sum(range(current, current + new))
    return len(result.assignments), total


# --- random instances ------------------------------------------------------------------------

CITIES = ("", "", "Lisbon, PT", "Berlin, DE", "Porto, PT")
TENURES = (0, 100, 181, 182, 400, 900, 1825, 3000, 5000)  # 1825+ all earn the same bonus


def instance(
    seed: int,
) -> tuple[list[Joiner], list[BuddyCandidate], int, int, frozenset[tuple[int, int]]]:
    rng = random.Random(seed)
    # Half of them have many candidates per city, so most joiners are settled (see
    # buddies._pruned_edges); the rest are few, often without a city.
    many = seed % 2 == 1
    joiner_count, candidate_count = rng.randint(0, 7), rng.randint(0, 60 if many else 16)
    joiner_cities = ("", *CITIES[2:] * 4) if many else CITIES
    # Ids overlap on purpose: the engine must hold even when someone is in both lists.
    ids = list(range(1, joiner_count + candidate_count + 4))
    joiner_ids = rng.sample(ids, joiner_count)
    candidate_ids = rng.sample(ids, candidate_count)
    few_teams = not many and rng.random() < 0.5

    def team() -> int:
        return rng.choice([-1, 1, 2] if few_teams else [-1, 1, 2, 3, 4, 5, 6])

    def someone() -> int | None:
        return rng.choice([None, None, *ids])

    joiners = [
        Joiner(
            id=i, team=team(), city=rng.choice(joiner_cities), manager=someone(), start_ordinal=1
        )
        for i in joiner_ids
    ]
    candidates = [
        BuddyCandidate(
            id=i,
            team=team(),
            city=rng.choice(CITIES),
            tenure_days=rng.choice(TENURES),
            current_buddies=rng.choice([0, 0, 0, 1, 1, 2, 3]),
            manager=someone(),
        )
        for i in candidate_ids
    ]
    forbidden = set()
    for _ in range(rng.randint(0, 6)):
        a, b = rng.sample(ids, 2)
        forbidden.add((min(a, b), max(a, b)))
    if rng.random() < 0.2:  # written the wrong way round: never matches, as before
        a, b = rng.sample(ids, 2)
        forbidden.add((max(a, b), min(a, b)))
    min_tenure = rng.choice([0, 182, 182, 365])
    max_buddies = rng.choice([1, 2, 2, 3])
    return joiners, candidates, min_tenure, max_buddies, frozenset(forbidden)


SEEDS = range(400)


@pytest.mark.parametrize("chunk", range(4))
def test_small_problems_get_exactly_the_old_assignment(chunk):
    """Below DENSE_CELLS the engine builds the old matrix with numpy: same result, ties too."""
    for seed in SEEDS[chunk::4]:
        joiners, candidates, min_tenure, max_buddies, forbidden = instance(seed)
        kwargs = {
            "min_tenure_days": min_tenure,
            "max_buddies": max_buddies,
            "forbidden_pairs": forbidden,
        }
        assert slot_problem(joiners, candidates, **kwargs).describe()["kind"] == "dense"
        assert assign_buddies(joiners, candidates, **kwargs) == dense_reference(
            joiners, candidates, **kwargs
        ), seed


def _uniquely_optimal(value: np.ndarray, placed: list[tuple[int, int]], slots) -> bool:
    """Whether every optimal assignment gives each joiner the same buddy: ruling out any
    chosen (joiner, buddy) pair makes the optimum strictly worse."""
    best = optimum(value)
    for row, index in placed:
        column = slots[index][0]
        without = value.copy()
        for other, (candidate, _taken) in enumerate(slots):
            if candidate == column:
                without[row, other] = np.nan
        placed_count, total = optimum(without)
        if placed_count == best[0] and total > best[1] - 1e-6:
            return False
    return True


def test_pruned_problems_reach_the_dense_optimum(monkeypatch):
    """Forced onto the pruned, sparse path (DENSE_CELLS = 0), every random instance places as
    many joiners with the same summed value as the dense engine, breaks no rule, gives the
    same reasons, and picks the very same buddies wherever the optimum is unique."""
    monkeypatch.setattr(buddies, "DENSE_CELLS", 0)
    unique = truncated = settled = 0
    for seed in SEEDS:
        joiners, candidates, min_tenure, max_buddies, forbidden = instance(seed)
        kwargs = {
            "min_tenure_days": min_tenure,
            "max_buddies": max_buddies,
            "forbidden_pairs": forbidden,
        }
        problem = slot_problem(joiners, candidates, **kwargs)
        shape = problem.describe()
        assert shape["kind"] == "pruned" or shape["rows"] * shape["slots"] == 0
        result = assign_buddies(joiners, candidates, **kwargs)
        reference = dense_reference(joiners, candidates, **kwargs)
        _joiners, _candidates, slots, value = reference_matrix(
            joiners, candidates, min_tenure, max_buddies, forbidden
        )
        truncated += int(shape.get("edges", 0) < np.count_nonzero(~np.isnan(value)))
        settled += int(shape.get("unsettled", 0) < shape["rows"])

        placed, total = objective(result, joiners, candidates, max_buddies)
        best_placed, best_total = optimum(value)
        assert placed == best_placed, seed
        assert total == pytest.approx(best_total, abs=1e-6), seed

        by_id = {c.id: c for c in candidates}
        joiner_by_id = {j.id: j for j in joiners}
        for a in result.assignments:
            j, c = joiner_by_id[a.joiner], by_id[a.buddy]
            assert _reference_allowed(j, c) and c.tenure_days >= min_tenure, seed
            assert (min(j.id, c.id), max(j.id, c.id)) not in forbidden, seed
        for buddy_id, new in Counter(a.buddy for a in result.assignments).items():
            assert max(by_id[buddy_id].current_buddies, 0) + new <= max_buddies, seed
        assert [a.joiner for a in result.assignments] == sorted(
            a.joiner for a in result.assignments
        )
        for u in result.unassigned:
            assert u == reference_unassigned(
                joiner_by_id[u.id], candidates, min_tenure, max_buddies
            ), seed
        assert sorted(
            [a.joiner for a in result.assignments] + [u.id for u in result.unassigned]
        ) == sorted(joiner_by_id)

        reference_placed = [
            (row, index)
            for row, index in best_slot_assignment(value)  # the reference's own choice
        ]
        if _uniquely_optimal(value, reference_placed, slots):
            unique += 1
            assert result == reference, seed
    # The comparison is not vacuous: pruning dropped places, many instances had settled
    # joiners (who keep places in their own city only), and many optima were unique.
    assert truncated >= 150
    assert settled >= 100
    assert unique >= 100


# --- at scale -------------------------------------------------------------------------------


def organisation(people: int, joiner_count: int, seed: int = 7):
    """bench/buddies.py's synthetic organisation, in short: teams of 8 led by their first
    member, 10 cities, 4% with none, mean tenure 3 years, 15% already buddies."""
    rng = random.Random(seed)
    cities = [f"City {k}, XX" for k in range(10)]

    def city() -> str:
        return "" if rng.random() < 0.04 else rng.choice(cities)

    candidates = [
        BuddyCandidate(
            id=i + 1,
            team=i // 8,
            city=city(),
            tenure_days=int(rng.expovariate(1 / 1100)) + 1,
            current_buddies=rng.choices([0, 1, 2], weights=[85, 10, 5])[0],
            manager=None if i % 8 == 0 else i // 8 * 8 + 1,
        )
        for i in range(people)
    ]
    teams = -(-people // 8)
    joiners = []
    for k in range(joiner_count):
        team = rng.randrange(teams)
        joiners.append(
            Joiner(id=people + k + 1, team=team, city=city(), manager=team * 8 + 1, start_ordinal=1)
        )
    forbidden = frozenset((rng.randint(1, people), j.id) for j in joiners if rng.random() < 0.2)
    return joiners, candidates, forbidden


@pytest.fixture(scope="module")
def org_100k():
    """100,000 settled people and 9,500 joiners (the demo's first buddy round at 100k: everyone
    who started in the last 104 days); a monthly round takes the first 1,500 of them."""
    return organisation(100_000, 9_500)


def _check(result: BuddyResult, joiners, candidates, forbidden) -> None:
    assert len(result.assignments) == len(joiners) and not result.unassigned
    by_id = {c.id: c for c in candidates}
    joiner_by_id = {j.id: j for j in joiners}
    # Every city has thousands of settled people: all but the joiners with no city meet theirs.
    assert sum(a.same_city for a in result.assignments) == sum(bool(j.city) for j in joiners)
    for a in result.assignments:
        j, c = joiner_by_id[a.joiner], by_id[a.buddy]
        assert _reference_allowed(j, c) and c.tenure_days >= 182
        assert (min(j.id, c.id), max(j.id, c.id)) not in forbidden
    for buddy_id, new in Counter(a.buddy for a in result.assignments).items():
        assert by_id[buddy_id].current_buddies + new <= 2


def _edge_bound(joiners: Sequence[Joiner], shape: dict) -> int:
    """What `_pruned_edges` keeps at most: K_x = n_x + B places for each settled joiner of city
    x, n for each of the others."""
    n, in_city = len(joiners), Counter(j.city for j in joiners if j.city)
    unsettled, most_ruled_out = shape["unsettled"], shape["most_ruled_out"]
    settled = sum(k * (k + most_ruled_out) for k in in_city.values())
    return settled + unsettled * n


@pytest.mark.parametrize("joiner_count", [1_500, 9_500])
def test_a_100k_organisations_round_stays_small(org_100k, joiner_count):
    """The old engine filled a joiners × 150,000 matrix in a Python double loop (1,500
    joiners: 13 GB and no end). Now a settled joiner keeps n_x + B places in its city and the
    few others n anywhere: in these 10 cities 1,500 joiners keep ~300,000 edges and 9,500
    keep ~12 million (150 MB; bench/buddies.py's 25 cities, 8 million), and the rules hold."""
    everyone, candidates, forbidden = org_100k
    joiners = everyone[:joiner_count]
    problem = slot_problem(joiners, candidates, forbidden_pairs=forbidden)
    shape = problem.describe()
    assert shape["kind"] == "pruned" and problem.value is None
    assert shape["slots"] > 140_000
    assert shape["unsettled"] < joiner_count // 10  # the 4% with no city
    assert shape["edges"] <= _edge_bound(joiners, shape)
    assert shape["edges"] < joiner_count**2 // 6
    assert shape["columns"] < 2 * joiner_count

    _check(
        assign_buddies(joiners, candidates, forbidden_pairs=forbidden),
        joiners,
        candidates,
        forbidden,
    )


def test_many_unplaced_joiners_get_their_reasons_without_a_pass_each():
    """Everyone full or on the joiners' own teams: 3,000 joiners each get a reason, from
    counts made once (the old reasons walked every candidate per joiner)."""
    candidates = [
        BuddyCandidate(id=i, team=i % 50, city="", tenure_days=900, current_buddies=2)
        for i in range(1, 20_001)
    ]
    joiners = [
        Joiner(id=100_000 + k, team=k % 60, city="", manager=None, start_ordinal=1)
        for k in range(3_000)
    ]
    result = assign_buddies(joiners, candidates)
    assert not result.assignments
    reasons = Counter(u.reason for u in result.unassigned)
    assert reasons == {UnmatchedReason.FULL: 3_000}

    # Nobody allowed: joiner 1's only settled colleagues are their manager (2), their report
    # (4) and their own team (6); joiner 6 is also a candidate, and the rest are their team,
    # their manager or themselves. Joiners 3 and 5 could have 2 or 4, who are full.
    lonely = [
        Joiner(id=1, team=7, city="", manager=2, start_ordinal=1),
        Joiner(id=3, team=7, city="", manager=None, start_ordinal=1),
        Joiner(id=5, team=-1, city="", manager=None, start_ordinal=1),
        Joiner(id=6, team=8, city="", manager=4, start_ordinal=1),
    ]
    settled = [
        BuddyCandidate(id=2, team=8, city="", tenure_days=900, current_buddies=2),
        BuddyCandidate(id=4, team=9, city="", tenure_days=900, current_buddies=2, manager=1),
        BuddyCandidate(id=6, team=7, city="", tenure_days=900, current_buddies=0),
        BuddyCandidate(id=8, team=10, city="", tenure_days=10, current_buddies=0),
    ]
    result = assign_buddies(lonely, settled)
    assert result == dense_reference(lonely, settled)
    assert [(a.joiner, a.buddy) for a in result.assignments] == [(5, 6)]
    assert [(u.id, u.reason) for u in result.unassigned] == [
        (1, UnmatchedReason.NO_ALLOWED_PARTNER),
        (3, UnmatchedReason.FULL),
        (6, UnmatchedReason.NO_ALLOWED_PARTNER),
    ]


def test_a_settled_joiner_keeps_enough_places_for_one_who_may_take_only_one(monkeypatch):
    """Joiner 2 (no city) may take only buddy 10, whom joiner 1 likes best too. Buddy 11 may
    not take joiner 2 (same team), so B = 1 and joiner 1 keeps 1 + 1 places in Lisbon: both,
    and the optimum places both joiners. Keeping one would leave one of them out."""
    monkeypatch.setattr(buddies, "DENSE_CELLS", 0)
    joiners = [
        Joiner(id=1, team=1, city="Lisbon, PT", manager=None, start_ordinal=1),
        Joiner(id=2, team=5, city="", manager=None, start_ordinal=1),
    ]
    candidates = [
        BuddyCandidate(id=10, team=6, city="Lisbon, PT", tenure_days=3000, current_buddies=0),
        BuddyCandidate(id=11, team=5, city="Lisbon, PT", tenure_days=1000, current_buddies=0),
    ]
    problem = slot_problem(joiners, candidates, max_buddies=1)
    assert problem.describe() == {
        "kind": "pruned",
        "rows": 2,
        "slots": 2,
        "columns": 2,
        "edges": 3,
        "most_ruled_out": 1,
        "unsettled": 1,
    }
    result = assign_buddies(joiners, candidates, max_buddies=1)
    assert [(a.joiner, a.buddy) for a in result.assignments] == [(1, 11), (2, 10)]
    assert result == dense_reference(joiners, candidates, max_buddies=1)
