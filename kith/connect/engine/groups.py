"""Lunch groups of 3-4: pairs matched with pairs and with single people."""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from kith.connect.engine.blossom import blossom_matching
from kith.connect.engine.candidates import all_pairs, unique_pairs
from kith.connect.engine.graph import SCORE_SCALE, Graph, neighbourly_order
from kith.connect.engine.heuristic import assignment_start, heuristic_matching
from kith.connect.engine.scoring import BoolArray, FloatArray, IntArray, Population
from kith.connect.engine.trios import best_insertion


def group_plan(n: int, group_size: int) -> tuple[int, int]:
    """(groups of 4, groups of 3) that seat the most of n people, as many as possible of
    the requested size: 10 people in fours -> 4+3+3; 10 in threes -> 3+3+4; 5 -> one 4."""
    best: tuple[int, int, int] | None = None
    for fours in range(n // 4 + 1):
        threes = (n - 4 * fours) // 3
        seated = 4 * fours + 3 * threes
        preferred = fours if group_size == 4 else threes
        key = (seated, preferred, fours)
        if best is None or key > best:
            best = key
    assert best is not None
    seated, _, fours = best
    return fours, (seated - 4 * fours) // 3


def form_groups(
    population: Population,
    graph: Graph,
    mate: IntArray,
    group_size: int,
    exact: bool,
    stats: dict[str, float],
) -> list[list[int]]:
    """Groups from pairs: the plan needs P pairs and S single people (a group of 4 is two
    pairs, a group of 3 a pair and a single). Break the weakest pairs into singles until the
    numbers fit, then match the units: pair with pair, pair with single, never two singles."""
    n = population.size
    fours, threes = group_plan(n, group_size)
    pairs_needed = 2 * fours + threes
    pairs = [(a, int(mate[a])) for a in range(n) if mate[a] > a]
    if len(pairs) > pairs_needed:
        strength = population.scores(
            np.array([a for a, _ in pairs], dtype=np.int64),
            np.array([b for _, b in pairs], dtype=np.int64),
        )
        weakest = np.lexsort((np.arange(len(pairs)), strength))[: len(pairs) - pairs_needed]
        broken = set(weakest.tolist())
        pairs = [p for i, p in enumerate(pairs) if i not in broken]
    in_pair = {x for pair in pairs for x in pair}
    units = np.array(
        [list(p) for p in pairs] + [[x, -1] for x in range(n) if x not in in_pair],
        dtype=np.int64,
    ).reshape(-1, 2)
    unit_graph = _unit_graph(population, graph, units, exact)
    stats["unit_candidates"] = unit_graph.u.size
    if exact:
        unit_mate = blossom_matching(unit_graph)
    else:
        start = _singles_to_pairs(unit_graph, units[:, 1] < 0)
        unit_mate = heuristic_matching(unit_graph, {}, start, deep=False)
    groups = [
        [int(x) for x in (*units[a], *units[int(unit_mate[a])]) if x >= 0]
        for a in range(units.shape[0])
        if unit_mate[a] > a
    ]
    grouped = {x for g in groups for x in g}
    return _seat_leftovers(population, groups, [x for x in range(n) if x not in grouped])


def _singles_to_pairs(graph: Graph, single: BoolArray) -> IntArray:
    """A first unit matching for the heuristic: each single person to the pair they suit
    best (one assignment problem, singles x pairs, with a costly way out for each single),
    then the pairs left over with each other, like people in a pair round."""
    n = graph.n
    mate = np.full(n, -1, dtype=np.int64)
    mixed = single[graph.u] != single[graph.v]
    rows = np.where(single[graph.u], graph.u, graph.v)[mixed]
    cols = np.where(single[graph.u], graph.v, graph.u)[mixed]
    points = np.rint(graph.w[mixed] * SCORE_SCALE)
    singles, pairs = np.flatnonzero(single), np.flatnonzero(~single)
    if singles.size and pairs.size:
        row_of = np.full(n, -1, dtype=np.int64)
        row_of[singles] = np.arange(singles.size)
        col_of = np.full(n, -1, dtype=np.int64)
        col_of[pairs] = np.arange(pairs.size)
        top = float(points.max(initial=0.0)) + 1.0
        way_out = pairs.size + np.arange(singles.size)  # one private column per single
        cost = csr_array(
            (
                np.concatenate([top - points + 1.0, np.full(singles.size, singles.size * top)]),
                (
                    np.concatenate([row_of[rows], np.arange(singles.size)]),
                    np.concatenate([col_of[cols], way_out]),
                ),
            ),
            shape=(singles.size, pairs.size + singles.size),
        )
        got_rows, got_cols = min_weight_full_bipartite_matching(cost)
        placed = got_cols < pairs.size
        a, b = singles[got_rows[placed]], pairs[got_cols[placed]]
        mate[a], mate[b] = b, a
    rest = np.flatnonzero(~single & (mate < 0))
    if rest.size > 1:
        local = np.full(n, -1, dtype=np.int64)
        local[rest] = np.arange(rest.size)
        inside = (local[graph.u] >= 0) & (local[graph.v] >= 0)
        in_order = local[graph.order]

        def weigh(a: IntArray, b: IntArray) -> tuple[FloatArray, BoolArray]:
            return graph.weigh(rest[a], rest[b])

        sub = Graph(
            rest.size,
            local[graph.u[inside]],
            local[graph.v[inside]],
            graph.w[inside],
            weigh,
            graph.ceiling,
            in_order[in_order >= 0],
        )
        sub_mate = assignment_start(sub)
        paired = np.flatnonzero(sub_mate >= 0)
        mate[rest[paired]] = rest[sub_mate[paired]]
    return mate


def _unit_graph(population: Population, graph: Graph, units: IntArray, exact: bool) -> Graph:
    """Units (a pair or one person) as nodes; weight = mean score over the new cross pairs.
    The exact solver also gets a bonus per person seated, so it prefers seating everyone."""
    count = units.shape[0]
    unit_of = np.empty(population.size, dtype=np.int64)
    for column in range(2):
        there = units[:, column] >= 0
        unit_of[units[there, column]] = np.flatnonzero(there)
    if exact:
        u, v = all_pairs(count)
    else:
        u, v = unique_pairs(unit_of[graph.u], unit_of[graph.v], count)
    bonus = (count + 1) * sum(population.weights) + 1.0 if exact else 0.0

    def weigh(a: IntArray, b: IntArray) -> tuple[FloatArray, BoolArray]:
        total = np.zeros(a.size, dtype=np.float64)
        pairs = np.zeros(a.size, dtype=np.int64)
        ok = (a != b) & ((units[a, 1] >= 0) | (units[b, 1] >= 0))
        for i in range(2):
            for j in range(2):
                x, y = units[a, i], units[b, j]
                there = np.flatnonzero((x >= 0) & (y >= 0))
                total[there] += population.scores(x[there], y[there])
                ok[there] &= population.allowed(x[there], y[there])
                pairs[there] += 1
        seated = (units[a] >= 0).sum(axis=1) + (units[b] >= 0).sum(axis=1)
        return total / np.maximum(pairs, 1) + bonus * seated, ok

    w, ok = weigh(u, v)
    ceiling = sum(population.weights) + 4 * bonus
    order = neighbourly_order(population, units[:, 0])
    return Graph(count, u[ok], v[ok], w[ok], weigh, ceiling, order)


def _seat_leftovers(
    population: Population, groups: list[list[int]], leftovers: list[int]
) -> list[list[int]]:
    """Each person still without a group joins a group of 3 where everyone may meet them."""
    for person in leftovers:
        if not groups:
            break
        members = np.full((len(groups), 4), -1, dtype=np.int64)
        for row, group in enumerate(groups):
            members[row, : len(group)] = group
        placed = best_insertion(population, members, [person], max_size=4)
        if placed is not None:
            groups[placed[1]] = sorted([*groups[placed[1]], person])
    return groups
