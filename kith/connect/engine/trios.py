"""Pairs and the round's one trio: whoever is left over joins the pair they fit best."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import numpy as np

from kith.connect.engine.blossom import Blossom
from kith.connect.engine.candidates import all_pairs
from kith.connect.engine.graph import EPS, SCORE_SCALE, Graph, pairs_array, pairs_of_mate
from kith.connect.engine.heuristic import Neighbours
from kith.connect.engine.scoring import IntArray, Population

TRIO_CHAIN_ROOTS = 20  # people left over to start hand-over chains from
TRIO_CHAIN_CHECKS = 200  # people freed by a chain to try in a pair, at most
EXHAUSTIVE_TRIO_LIMIT = 64  # rounds this small try every possible odd one out, exactly


def pairs_with_one_trio(
    population: Population, graph: Graph, mate: IntArray
) -> tuple[list[list[int]], bool]:
    """The matched pairs, and at most one trio: someone left over joins the pair they fit
    best (all three pairs allowed). When nobody left over fits any pair, look for a chain of
    hand-overs (x takes y from y's partner z, z takes ... ) that frees someone who does fit a
    pair; in small rounds, failing that, try every possible odd one out."""
    n = population.size
    free = [x for x in range(n) if mate[x] < 0]
    if not free or n < 3:
        return pairs_of_mate(mate), False
    placed = best_insertion(population, pairs_array(mate), free, max_size=3)
    if placed is None:
        found = _trio_by_chain(population, graph, mate, free)
        if found is None and n <= EXHAUSTIVE_TRIO_LIMIT:
            found = _trio_by_trying_everyone(population, int((mate >= 0).sum()) // 2)
        if found is None:
            return pairs_of_mate(mate), False
        mate, placed = found
    person, row = placed
    pairs = pairs_of_mate(mate)
    pairs[row] = sorted([*pairs[row], person])
    return pairs, True


def best_insertion(
    population: Population,
    members: IntArray,
    people: Sequence[int],
    *,
    max_size: int,
    limit: int = 200,
) -> tuple[int, int] | None:
    """(person, group row) with the highest mean score to the group's members, among groups
    below max_size whose members all may meet the person; None when nobody fits anywhere."""
    size = (members >= 0).sum(axis=1)
    best: tuple[float, int, int] | None = None
    for person in list(people)[:limit]:
        total = np.zeros(members.shape[0], dtype=np.float64)
        fits = size < max_size
        for column in range(members.shape[1]):
            other = members[:, column]
            there = other >= 0
            idx = np.flatnonzero(there & fits)
            me = np.full(idx.size, person, dtype=np.int64)
            fits[idx] &= population.allowed(me, other[idx])
            total[idx] += population.scores(me, other[idx])
        if not fits.any():
            continue
        mean = np.where(fits, total / np.maximum(size, 1), -np.inf)
        group = int(np.argmax(mean))
        if best is None or mean[group] > best[0] + EPS:
            best = (float(mean[group]), person, group)
    return None if best is None else (best[1], best[2])


def _trio_by_chain(
    population: Population, graph: Graph, mate: IntArray, free: Sequence[int]
) -> tuple[IntArray, tuple[int, int]] | None:
    """Breadth-first over alternating paths from people left over: flipping the path from
    root f to x (f-y1 x1-y2 ... where x was paired with the last y) keeps everyone else
    paired and leaves x over instead of f. The first x that fits a pair wins."""
    neighbours = Neighbours.of(graph)
    checks = 0
    for root in list(free)[:TRIO_CHAIN_ROOTS]:
        via: dict[int, int] = {}  # inner node -> the outer node before it on the path
        seen = {root}
        queue = deque([root])
        while queue and checks < TRIO_CHAIN_CHECKS:
            outer = queue.popleft()
            for y in neighbours.of_node(outer)[0]:
                x = int(mate[y])
                if y in seen or x < 0 or x in seen:
                    continue
                seen.update((y, x))
                via[y] = outer
                trial = _flip_to(mate, root, outer, y, via)
                placed = best_insertion(population, pairs_array(trial), [x], max_size=3)
                checks += 1
                if placed is not None:
                    return trial, placed
                queue.append(x)
    return None


def _flip_to(mate: IntArray, root: int, outer: int, inner: int, via: dict[int, int]) -> IntArray:
    """A copy of mate with the path root ... outer-inner flipped: inner's partner is left."""
    trial = mate.copy()
    left = int(mate[inner])
    a, b = outer, inner
    while True:
        previous = int(mate[a])  # -1 at the root
        trial[a], trial[b] = b, a
        if a == root:
            break
        a, b = via[previous], previous
    trial[left] = -1
    return trial


def _trio_by_trying_everyone(
    population: Population, size: int
) -> tuple[IntArray, tuple[int, int]] | None:
    """For each possible odd one out x: the best maximum matching of everyone else that has
    a pair x may join (pairs x may join weigh extra), exactly. Small rounds only."""
    n = population.size
    u_all, v_all = all_pairs(n)
    scores, ok = population.evaluate(u_all, v_all)
    u_all, v_all = u_all[ok], v_all[ok]
    allowed = np.zeros((n, n), dtype=np.bool_)
    allowed[u_all, v_all] = allowed[v_all, u_all] = True
    points = np.rint(scores[ok] * SCORE_SCALE).astype(np.int64)
    bonus = int(points.sum()) + 1
    best: tuple[int, IntArray, tuple[int, int]] | None = None
    for x in range(n):
        keep = (u_all != x) & (v_all != x)
        u, v = u_all[keep], v_all[keep]
        joins = allowed[x, u] & allowed[x, v]
        weights = points[keep] + bonus * joins
        edges = list(zip(u.tolist(), v.tolist(), weights.tolist(), strict=True))
        trial = np.array(Blossom(n, edges).solve(), dtype=np.int64)
        if int((trial >= 0).sum()) // 2 < size:
            continue
        total = sum(w for a, b, w in edges if trial[a] == b)
        placed = best_insertion(population, pairs_array(trial), [x], max_size=3)
        if placed is not None and (best is None or total > best[0]):
            best = (total, trial, placed)
    return None if best is None else (best[1], best[2])
