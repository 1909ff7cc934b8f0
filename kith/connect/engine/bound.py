"""Upper bounds on a round's best total pair score, for the benchmark and the tests (match_round
never calls this).

The LP relaxation of maximum-weight matching — maximise sum w_e x_e subject to, for every
person, the x of their pairs adding up to at most 1, and x >= 0 — is at least the score of
any matching. `lp_bound` solves it over given pairs (scipy's HiGHS). Over the candidate pairs
of a large round that says nothing about what candidate generation leaves out, and over all
pairs of 20,000 people (200 million) the LP is too big to write down, so `true_bound` uses
column generation:

1. solve the LP over the pairs at hand; its duals y (one per person, y >= 0) price every pair:
   reduced cost w_uv - y_u - y_v;
2. price every allowed pair of the round in numpy blocks of rows (one row against every later
   person, all terms at once) and add, for each person, the few pairs with the highest
   positive reduced cost;
3. repeat until no pair has a positive reduced cost. The LP over the pairs at hand is then
   optimal over all pairs (its duals are feasible for every pair), so its value is the exact
   fractional bound over all allowed pairs.

Pricing works on `Population`'s arrays directly and screens pairs with float arithmetic;
the pairs it keeps are scored again with `Population.scores` and checked with
`Population.allowed`, so the LP only ever sees exact scores of allowed pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_array

from kith.connect.engine.candidates import unique_pairs
from kith.connect.engine.scoring import (
    IN_PERSON_BONUS,
    OVERLAP_FULL_MINUTES,
    SHARED_INTERESTS_FULL,
    FloatArray,
    IntArray,
    Population,
)

# A pair enters the LP when its reduced cost is above this (HiGHS' own optimality tolerance
# is 1e-7); below it the bound is exact to within people x this, far below a thousandth.
REDUCED_COST_TOLERANCE = 1e-6
PRICE_BLOCK_PAIRS = 4_000_000  # pairs screened per numpy pass (bounds the temporaries)
ADD_PER_PERSON = 8  # best new pairs per person per round of pricing
MAX_ROUNDS = 60


@dataclass(frozen=True, slots=True)
class LpSolution:
    value: float  # the LP optimum: an upper bound on any matching's total over these pairs
    duals: FloatArray  # y per person (>= 0)


@dataclass(frozen=True, slots=True)
class TrueBound:
    value: float  # the LP optimum over every allowed pair of the round
    start_value: float  # the LP optimum over the starting pairs
    rounds: int  # LP solves
    pairs: int  # pairs in the last LP
    added: int  # pairs pricing added to the starting ones


def lp_bound(
    population: Population, u: IntArray, v: IntArray, *, time_limit: float | None = None
) -> LpSolution | None:
    """The LP relaxation over the pairs (u[i], v[i]) (allowed, u != v); None when HiGHS does
    not finish within time_limit seconds."""
    n = population.size
    if u.size == 0:
        return LpSolution(0.0, np.zeros(n))
    w = population.scores(u, v)
    m = u.size
    incidence = csr_array(
        (np.ones(2 * m), (np.concatenate([u, v]), np.tile(np.arange(m), 2))), shape=(n, m)
    )
    options = {} if time_limit is None else {"time_limit": time_limit}
    # x <= 1 follows from the degree rows; stated anyway, HiGHS solves these degenerate LPs
    # two to three times faster with it. Its duals matter only for pairs already in the LP.
    result = linprog(
        -w, A_ub=incidence, b_ub=np.ones(n), bounds=(0, 1), method="highs", options=options
    )
    if result.status != 0:
        return None
    duals = np.maximum(-np.asarray(result.ineqlin.marginals, dtype=np.float64), 0.0)
    return LpSolution(float(-result.fun), duals)


def true_bound(
    population: Population,
    u: IntArray,
    v: IntArray,
    *,
    add_per_person: int = ADD_PER_PERSON,
    time_limit: float | None = None,
) -> TrueBound | None:
    """The LP relaxation over every allowed pair, by column generation from the pairs
    (u[i], v[i]); None when an LP solve runs out of time_limit seconds."""
    n = population.size
    u, v = unique_pairs(u, v, n)
    keep = population.allowed(u, v)
    u, v = u[keep], v[keep]
    lp = _GrowingLp(population, time_limit)
    solution = lp.add(u, v)
    if solution is None:
        return None
    start, rounds = solution.value, 1
    while rounds < MAX_ROUNDS:
        new_u, new_v = price_pairs(population, solution.duals, add_per_person, (u, v))
        if new_u.size == 0:
            return TrueBound(solution.value, start, rounds, int(u.size), lp.pairs - keep.sum())
        u, v = unique_pairs(np.concatenate([u, new_u]), np.concatenate([v, new_v]), n)
        solution = lp.add(new_u, new_v)
        rounds += 1
        if solution is None:
            return None
    return None  # pragma: no cover - 60 rounds have never been needed


class _GrowingLp:
    """The matching LP over a growing set of pairs, re-solved from the last basis (HiGHS'
    simplex through scipy's bundled bindings: added columns cost a few pivots, not a new
    solve). Falls back to solving from scratch with linprog where the bindings are missing."""

    def __init__(self, population: Population, time_limit: float | None) -> None:
        self.population = population
        self.time_limit = time_limit
        self.pairs = 0
        self.u: list[IntArray] = []
        self.v: list[IntArray] = []
        self.highs = _new_highs(population.size, time_limit)

    def add(self, u: IntArray, v: IntArray) -> LpSolution | None:
        self.pairs += int(u.size)
        self.u.append(u)
        self.v.append(v)
        if self.highs is None:
            return lp_bound(
                self.population,
                np.concatenate(self.u),
                np.concatenate(self.v),
                time_limit=self.time_limit,
            )
        from scipy.optimize._highspy import _core

        m = int(u.size)
        if m:
            self.highs.addCols(
                m,
                self.population.scores(u, v),
                np.zeros(m),
                np.ones(m),
                2 * m,
                np.arange(0, 2 * m, 2, dtype=np.int32),
                np.stack([u, v], axis=1).ravel().astype(np.int32),
                np.ones(2 * m),
            )
        self.highs.run()
        if self.highs.getModelStatus() != _core.HighsModelStatus.kOptimal:
            return None
        duals = np.abs(np.asarray(self.highs.getSolution().row_dual, dtype=np.float64))
        return LpSolution(float(self.highs.getInfo().objective_function_value), duals)


def _new_highs(n: int, time_limit: float | None) -> Any:
    try:
        from scipy.optimize._highspy import _core
    except ImportError:  # pragma: no cover - scipy without its private bindings
        return None
    highs = _core._Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("solver", "simplex")
    if time_limit is not None:
        highs.setOptionValue("time_limit", float(time_limit))
    highs.changeObjectiveSense(_core.ObjSense.kMaximize)
    empty = np.zeros(0, dtype=np.int32)
    highs.addRows(
        n, np.full(n, -np.inf), np.ones(n), 0, np.zeros(n, dtype=np.int32), empty, np.zeros(0)
    )
    return highs


def price_pairs(
    population: Population,
    duals: FloatArray,
    per_person: int,
    present: tuple[IntArray, IntArray],
) -> tuple[IntArray, IntArray]:
    """For each person u, up to `per_person` allowed pairs (u, v), v > u, not among the
    `present` ones (u < v, sorted by u), with the highest reduced cost w_uv - y_u - y_v above
    REDUCED_COST_TOLERANCE. (Pairs present may price positive: x <= 1 holds them.)"""
    n = population.size
    have_u, have_v = present
    row_start = np.searchsorted(have_u, np.arange(n + 1))
    rows = max(1, PRICE_BLOCK_PAIRS // max(n, 1))
    us: list[IntArray] = []
    vs: list[IntArray] = []
    for lo in range(0, n - 1, rows):
        hi = min(lo + rows, n - 1)
        reduced = _screen(population, duals, lo, hi)  # (hi - lo, n - lo): columns lo..n-1
        # Only v > u, each pair once: row r is person lo + r, column c person lo + c.
        reduced[np.tril_indices(hi - lo, 0, reduced.shape[1])] = -np.inf
        there = slice(row_start[lo], row_start[hi])
        reduced[have_u[there] - lo, have_v[there] - lo] = -np.inf
        k = min(per_person, reduced.shape[1])
        best = np.argpartition(-reduced, k - 1, axis=1)[:, :k]
        chosen = np.take_along_axis(reduced, best, axis=1)
        row, col = np.nonzero(chosen > REDUCED_COST_TOLERANCE)
        a, b = lo + row, lo + best[row, col]
        # Exact scores and every rule (the forbidden list, managers) for the few kept.
        score, ok = population.evaluate(a, b)
        exact = score - duals[a] - duals[b] > REDUCED_COST_TOLERANCE
        us.append(a[ok & exact])
        vs.append(b[ok & exact])
    if not us:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(us).astype(np.int64), np.concatenate(vs).astype(np.int64)


def _screen(population: Population, duals: FloatArray, lo: int, hi: int) -> FloatArray:
    """Reduced costs of persons lo..hi-1 against persons lo..n-1, the same terms as
    Population.scores, computed by broadcasting; -inf where the working-hours rule forbids
    the pair (the list and manager rules are checked later, on the few pairs kept)."""
    p = population
    r, c = slice(lo, hi), slice(lo, None)
    w_team, w_dept, w_interests, w_overlap, w_city, w_seniority, w_joiner = p.weights
    score = np.zeros((hi - lo, p.size - lo))
    if w_team:
        score += w_team * _differ(p.team[r, None], p.team[None, c])
    if w_dept:
        score += w_dept * _differ(p.department[r, None], p.department[None, c])
    if w_interests:
        shared = np.zeros(score.shape, dtype=np.int64)
        for word in range(p.interest_bits.shape[1]):
            both = p.interest_bits[r, word, None] & p.interest_bits[None, c, word]
            shared += np.bitwise_count(both)
        score += w_interests * (np.minimum(shared, SHARED_INTERESTS_FULL) / SHARED_INTERESTS_FULL)
    minutes = None
    if w_overlap or p.min_overlap_minutes > 0:
        if p.overlap_table.size:
            minutes = p.overlap_table[p.pattern[r, None], p.pattern[None, c]]
        else:
            rows, cols = np.indices(score.shape)
            minutes = p.overlap(rows.ravel() + lo, cols.ravel() + lo).reshape(score.shape)
    if w_overlap and minutes is not None:
        score += w_overlap * (np.minimum(minutes, OVERLAP_FULL_MINUTES) / OVERLAP_FULL_MINUTES)
    if w_city:
        cu, cv = p.city[r, None], p.city[None, c]
        same = (cu >= 0) & (cu == cv)
        score += w_city * same
        if p.in_person.any():
            keen = same & (p.in_person[r, None] | p.in_person[None, c])
            score += (w_city * IN_PERSON_BONUS) * keen
    if w_seniority:
        bu, bv = p.band[r, None], p.band[None, c]
        score += w_seniority * ((bu >= 0) & (bv >= 0) & (bu != bv))
    if w_joiner:
        score += w_joiner * (p.joiner[r, None] | p.joiner[None, c])
    score -= duals[r, None]
    score -= duals[None, c]
    if p.min_overlap_minutes > 0 and minutes is not None:
        exempt = ~(p.has_windows[r, None] & p.has_windows[None, c])
        score[~exempt & (minutes < p.min_overlap_minutes)] = -np.inf
    return score


def _differ(a: IntArray, b: IntArray) -> FloatArray:
    differ: FloatArray = ((a != b) & ((a != -1) | (b != -1))).astype(np.float64)
    return differ
