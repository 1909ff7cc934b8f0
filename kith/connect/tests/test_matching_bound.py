"""The benchmark's upper bound over every allowed pair (kith.connect.engine.bound): column
generation must land exactly on the LP written out over all pairs."""

from __future__ import annotations

import random

import numpy as np
import pytest

from kith.connect.engine import bound, scoring
from kith.connect.engine.candidates import all_pairs, candidate_pairs
from kith.connect.engine.scoring import Population
from kith.connect.engine.types import Participant, Rules, Weights

DAY = 24 * 60
CITIES = ["Lisbon, PT", "Berlin, DE", "Tokyo, JP", ""]
OFFSETS = {"Lisbon, PT": 0, "Berlin, DE": 1, "Tokyo, JP": 9, "": -5}
INTERESTS = ["Climbing", "Chess", "Jazz", "AI", "Baking", "Running", "Film", "Tea"]


def people(n: int, seed: int) -> tuple[list[Participant], Rules]:
    rng = random.Random(seed)
    out = []
    for pid in range(1, n + 1):
        city = rng.choice(CITIES)
        shift = OFFSETS[city] * 60
        out.append(
            Participant(
                id=pid,
                team=(pid - 1) // 6,
                department=(pid - 1) // 20,
                city=city,
                work_windows=tuple(
                    (d * DAY + 9 * 60 - shift, d * DAY + 17 * 60 - shift) for d in range(5)
                ),
                interests=frozenset(rng.sample(INTERESTS, rng.randint(0, 5))),
                tenure_days=rng.choice([0, 100, 800, 3000]),
                is_new_joiner=rng.random() < 0.1,
                manager=((pid - 1) // 6) * 6 + 1 if (pid - 1) % 6 else None,
                prefers_in_person=rng.random() < 0.2,
            )
        )
    forbidden = set()
    for _ in range(4 * n):
        a, b = rng.sample(range(1, n + 1), 2)
        forbidden.add((min(a, b), max(a, b)))
    return out, Rules(forbidden_pairs=frozenset(forbidden), min_overlap_minutes=120)


def brute_force(population: Population) -> float:
    u, v = all_pairs(population.size)
    ok = population.allowed(u, v)
    solution = bound.lp_bound(population, u[ok], v[ok])
    assert solution is not None
    return solution.value


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_column_generation_equals_the_lp_over_every_pair(seed: int) -> None:
    group, rules = people(60, seed)
    population = Population.build(group, Weights(), rules)
    # Start from a poor set on purpose: each person's few candidates in small blocks.
    u, v = candidate_pairs(population, np.random.default_rng(seed), block=8, keep=2)
    start = bound.lp_bound(population, u, v)
    found = bound.true_bound(population, u, v)
    assert start is not None and found is not None
    assert found.value == pytest.approx(brute_force(population), abs=1e-6)
    assert found.start_value == pytest.approx(start.value, abs=1e-6)
    assert found.value >= start.value - 1e-9
    assert found.added > 0 and found.rounds > 1  # pricing had work to do


def test_solving_from_scratch_gives_the_same_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    group, rules = people(60, 4)
    population = Population.build(group, Weights(), rules)
    u, v = candidate_pairs(population, np.random.default_rng(0), block=8, keep=2)
    warm = bound.true_bound(population, u, v)
    monkeypatch.setattr(bound, "_new_highs", lambda n, limit: None)
    cold = bound.true_bound(population, u, v)
    assert warm is not None and cold is not None
    assert cold.value == pytest.approx(warm.value, abs=1e-6)


@pytest.mark.parametrize("table", [True, False])
def test_pricing_screens_with_the_same_scores_and_rules(
    table: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not table:  # too many working-hour patterns for the overlap table
        monkeypatch.setattr(scoring, "MAX_PATTERNS_FOR_TABLE", 0)
    group, rules = people(50, 5)
    population = Population.build(group, Weights(), rules)
    assert bool(population.overlap_table.size) == table
    duals = np.random.default_rng(0).random(population.size)
    reduced = bound._screen(population, duals, 0, population.size)
    u, v = all_pairs(population.size)
    scores, allowed = population.evaluate(u, v, check_list=False)
    assert np.allclose(reduced[u, v][allowed], (scores - duals[u] - duals[v])[allowed])
    # The working-hours rule is screened here; lists and managers on the few pairs kept.
    too_short = ~population._overlap_ok(u, v, population.overlap(u, v))
    assert too_short.any() and np.isneginf(reduced[u, v][too_short]).all()
    # Every pair priced positive is allowed, new, and really has a positive reduced cost.
    none = np.zeros(0, dtype=np.int64)
    a, b = bound.price_pairs(population, duals, 50, (none, none))
    assert a.size and (a < b).all() and population.allowed(a, b).all()
    assert (population.scores(a, b) - duals[a] - duals[b] > 0).all()
    again = bound.price_pairs(population, duals, 50, (a[:5], b[:5]))
    keys = set((again[0] * population.size + again[1]).tolist())
    assert not keys & set((a[:5] * population.size + b[:5]).tolist())
