"""The graph the matchers work on: nodes 0..n-1 and scored candidate edges, plus the
shared constants of the matching engine (see docs/matching.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from kith.connect.engine.candidates import all_pairs, candidate_pairs
from kith.connect.engine.scoring import BoolArray, FloatArray, IntArray, Population

SCORE_SCALE = 1_000_000  # the exact solver works on integer micro-points
# Up to this many people the heuristic path, too, looks at every allowed pair (about 1.1
# million pairs, scored in a fraction of a second); candidates take over above it.
DENSE_LIMIT = 1_500
EPS = 1e-9

Weigh = Callable[[IntArray, IntArray], tuple[FloatArray, BoolArray]]


@dataclass(frozen=True, slots=True)
class Graph:
    """Nodes 0..n-1, candidate edges (u < v) with weights, and a way to weigh any pairs."""

    n: int
    u: IntArray
    v: IntArray
    w: FloatArray
    weigh: Weigh
    ceiling: float  # no pair of nodes can weigh more
    order: IntArray  # the nodes with likely partners close together (for cutting into chunks)


def pair_graph(population: Population, rng: np.random.Generator, exact: bool) -> Graph:
    n = population.size
    if exact or n <= DENSE_LIMIT:
        u, v = all_pairs(n)
        keep = population.allowed(u, v)
        u, v = u[keep], v[keep]
    else:
        u, v = candidate_pairs(population, rng)

    def weigh(a: IntArray, b: IntArray) -> tuple[FloatArray, BoolArray]:
        return population.scores(a, b), population.allowed(a, b)

    order = neighbourly_order(population, np.arange(n))
    return Graph(n, u, v, population.scores(u, v), weigh, sum(population.weights), order)


def neighbourly_order(population: Population, people: IntArray) -> IntArray:
    """Positions of `people` ordered so that likely partners sit close: cities ordered by
    the usual start of their working day (UTC), each city together (people of unknown city
    by their own start hour, next to the cities of their zone), then by start hour."""
    hour = _start_hour(population)
    city = population.city
    known = city >= 0
    count = np.bincount(city[known], minlength=max(int(city.max(initial=-1)) + 1, 1))
    total = np.bincount(city[known], weights=hour[known], minlength=count.size)
    city_hour = np.where(known, (total / np.maximum(count, 1))[np.maximum(city, 0)], hour)
    code = np.where(known, city, population.size)
    return np.lexsort((hour[people], code[people], city_hour[people]))


def _start_hour(population: Population) -> IntArray:
    first = population.starts[0][population.pattern] % (24 * 60) // 60
    return np.where(population.has_windows, first, -1)


def pairs_of_mate(mate: IntArray) -> list[list[int]]:
    return [[a, int(mate[a])] for a in range(mate.size) if mate[a] > a]


def pairs_array(mate: IntArray) -> IntArray:
    return np.array(pairs_of_mate(mate), dtype=np.int64).reshape(-1, 2)
