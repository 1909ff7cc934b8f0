"""Pairs and small groups for Connect rounds (coffee chats, cross-team intros, lunch groups).

`match_round` is the entry point; docs/matching.md explains the algorithm. In short:

1. Candidates: every allowed pair up to `exact_limit` people, else each person's best few
   partners inside blocks of similar people plus a random spread (candidates.py). Pairs the
   hard rules forbid are never scored into the graph.
2. Matching, people first, then score: the most people matched, and among those matchings
   the highest total pair score. Exact up to `exact_limit` people (Edmonds' blossom
   algorithm, below). Above it: the LP relaxation solved as an assignment problem (scipy's
   sparse LAPJV) and rounded, augmenting paths to match more people, then rounds of
   improving 2-opt swaps and 3-opt rotations between pairs.
3. Groups: someone left over joins the pair they fit best (the one trio). Lunch groups of
   3-4 match the pairs with each other and with single people.
4. Explanations in plain words (explain.py), and a reason for anyone left out.

Deterministic for the same participants, settings and seed, whatever their input order.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from kith.connect.engine.candidates import all_pairs, candidate_pairs, unique_pairs
from kith.connect.engine.explain import explain
from kith.connect.engine.scoring import (
    BoolArray,
    FloatArray,
    IntArray,
    Population,
    is_allowed,
    pair_score,
)
from kith.connect.engine.types import (
    Match,
    Participant,
    RoundResult,
    Rules,
    Unmatched,
    UnmatchedReason,
    Weights,
)

__all__ = ["explain", "is_allowed", "match_round", "pair_score"]

EXACT = "exact"
HEURISTIC = "greedy+local-search"
SCORE_SCALE = 1_000_000  # the exact solver works on integer micro-points
MAX_SWAP_ROUNDS = 60
AUGMENT_SEARCH_LIMIT = 4_000  # vertices one augmenting-path search may visit
# The heuristic's first matching solves one assignment problem up to ASSIGNMENT_WHOLE nodes,
# else one per chunk of ASSIGNMENT_CHUNK (its cost grows faster than linearly).
ASSIGNMENT_WHOLE = 25_000
ASSIGNMENT_CHUNK = 17_000
TRIO_CHAIN_ROOTS = 20  # people left over to start hand-over chains from
TRIO_CHAIN_CHECKS = 200  # people freed by a chain to try in a pair, at most
EXHAUSTIVE_TRIO_LIMIT = 64  # rounds this small try every possible odd one out, exactly
ROTATE_BRANCHING = 8  # heaviest candidate edges followed at the second step of a rotation
_ROTATE_BATCH = 250_000  # first steps expanded per numpy pass (bounds memory)
# Up to this many people the heuristic path, too, looks at every allowed pair (about 1.1
# million pairs, scored in a fraction of a second); candidates take over above it.
DENSE_LIMIT = 1_500
_EPS = 1e-9

Weigh = Callable[[IntArray, IntArray], tuple[FloatArray, BoolArray]]


def match_round(
    participants: Sequence[Participant],
    *,
    weights: Weights,
    rules: Rules,
    group_size: int = 2,
    seed: int = 0,
    exact_limit: int = 300,
) -> RoundResult:
    """Match one round. Every participant ends up in exactly one match or in `unmatched`."""
    if group_size not in (2, 3, 4):
        raise ValueError(f"group_size must be 2, 3 or 4, not {group_size}")
    people = sorted(participants, key=lambda p: p.id)
    if len({p.id for p in people}) != len(people):
        raise ValueError("each participant may appear only once in a round")
    clock = _Clock()
    population = Population.build(people, weights, rules)
    exact = len(people) <= exact_limit
    rng = np.random.default_rng(seed)
    graph = _pair_graph(population, rng, exact)
    clock.lap("candidates")
    stats: dict[str, float] = {"participants": len(people), "candidates": graph.u.size}
    mate = _max_matching(graph, exact, stats)
    clock.lap("matching")
    if group_size == 2:
        groups, trio_formed = _pairs_with_one_trio(population, graph, mate)
    else:
        groups = _groups(population, graph, mate, group_size, exact, stats)
        trio_formed = False
    clock.lap("groups")
    matches = _matches(people, population, groups, weights)
    left = sorted(set(range(len(people))) - {i for g in groups for i in g})
    unmatched = [_why_unmatched(population, i, group_size, trio_formed) for i in left]
    clock.lap("explain")
    stats.update(
        matched=sum(len(g) for g in groups),
        unmatched=len(unmatched),
        candidates_per_person=round(2 * graph.u.size / max(len(people), 1), 2),
        **clock.seconds(),
    )
    return RoundResult(
        matches=tuple(sorted(matches, key=lambda m: m.members)),
        unmatched=tuple(unmatched),
        algorithm=EXACT if exact else HEURISTIC,
        total_score=sum(m.score * len(m.members) / 2 for m in matches),
        stats=stats,
    )


# --- graphs -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Graph:
    """Nodes 0..n-1, candidate edges (u < v) with weights, and a way to weigh any pairs."""

    n: int
    u: IntArray
    v: IntArray
    w: FloatArray
    weigh: Weigh
    ceiling: float  # no pair of nodes can weigh more
    order: IntArray  # the nodes with likely partners close together (for cutting into chunks)


def _pair_graph(population: Population, rng: np.random.Generator, exact: bool) -> _Graph:
    n = population.size
    if exact or n <= DENSE_LIMIT:
        u, v = all_pairs(n)
        keep = population.allowed(u, v)
        u, v = u[keep], v[keep]
    else:
        u, v = candidate_pairs(population, rng)

    def weigh(a: IntArray, b: IntArray) -> tuple[FloatArray, BoolArray]:
        return population.scores(a, b), population.allowed(a, b)

    order = _neighbourly_order(population, np.arange(n))
    return _Graph(n, u, v, population.scores(u, v), weigh, sum(population.weights), order)


def _neighbourly_order(population: Population, people: IntArray) -> IntArray:
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


def _max_matching(graph: _Graph, exact: bool, stats: dict[str, float]) -> IntArray:
    """mate[i] = i's partner or -1: the most nodes matched, then the largest total weight
    (exact), or as close to that as the heuristic gets."""
    if exact:
        scaled = np.rint(graph.w * SCORE_SCALE).astype(np.int64)
        edges = list(zip(graph.u.tolist(), graph.v.tolist(), scaled.tolist(), strict=True))
        return np.array(_Blossom(graph.n, edges).solve(), dtype=np.int64)
    return _heuristic_matching(graph, stats)


# --- exact: Edmonds' blossom algorithm --------------------------------------------------------


class _Blossom:
    """Maximum-weight matching of maximum cardinality in a general graph, exactly.

    Edmonds' primal-dual blossom algorithm in the O(n^3) form Galil describes ("Efficient
    algorithms for finding maximum matching in graphs", ACM Computing Surveys 18, 1986).
    Integer weights keep every dual value an integer (duals are kept doubled), so there is
    no rounding anywhere. Vertices are 0..n-1; blossoms get ids n..2n-1. An edge k has the
    endpoints 2k and 2k+1; `end[p]` is the vertex at endpoint p and p ^ 1 is the other end.
    """

    def __init__(self, n: int, edges: list[tuple[int, int, int]]) -> None:
        self.n = n
        self.end: list[int] = [x for i, j, _ in edges for x in (i, j)]
        self.weight: list[int] = [w for _, _, w in edges]
        # remote[v]: endpoints at v's neighbours, one per edge at v.
        self.remote: list[list[int]] = [[] for _ in range(n)]
        for k, (i, j, _) in enumerate(edges):
            self.remote[i].append(2 * k + 1)
            self.remote[j].append(2 * k)
        top_weight = max(self.weight, default=0)
        self.mate = [-1] * n  # remote endpoint of the matched edge
        self.label = [0] * (2 * n)  # 0 free, 1 outer (S), 2 inner (T); 5 = breadcrumb
        self.label_end = [-1] * (2 * n)  # endpoint through which the label came
        self.top = list(range(n))  # outermost blossom of each vertex
        self.parent = [-1] * (2 * n)
        self.children: list[list[int]] = [[] for _ in range(2 * n)]
        self.links: list[list[int]] = [[] for _ in range(2 * n)]  # see _add_blossom
        self.base = list(range(n)) + [-1] * n
        self.best = [-1] * (2 * n)  # least-slack edge to an outer blossom or free vertex
        self.best_list: list[list[int] | None] = [None] * (2 * n)
        self.spare = list(range(2 * n - 1, n - 1, -1))
        self.dual = [top_weight] * n + [0] * n
        self.tight = [False] * len(edges)
        self.queue: list[int] = []

    def solve(self) -> list[int]:
        """mate as vertex ids (-1 = unmatched)."""
        for _stage in range(self.n):
            if not self._stage():
                break
        return [self.end[p] if p >= 0 else -1 for p in self.mate]

    def _slack(self, k: int) -> int:
        return self.dual[self.end[2 * k]] + self.dual[self.end[2 * k + 1]] - 2 * self.weight[k]

    def _leaves(self, b: int) -> list[int]:
        if b < self.n:
            return [b]
        out: list[int] = []
        stack = [b]
        while stack:
            x = stack.pop()
            if x < self.n:
                out.append(x)
            else:
                stack.extend(self.children[x])
        return out

    def _stage(self) -> bool:
        """Grow alternating trees from every free vertex until one augmentation is made
        (True) or the duals prove the matching optimal (False)."""
        n = self.n
        self.label = [0] * (2 * n)
        self.best = [-1] * (2 * n)
        self.best_list[n:] = [None] * n
        self.tight = [False] * len(self.tight)
        self.queue = []
        for v in range(n):
            if self.mate[v] == -1 and self.label[self.top[v]] == 0:
                self._assign(v, 1, -1)
        while True:
            if self._grow():
                break
            if not self._dual_step():
                return False
        for b in range(n, 2 * n):
            if (
                self.parent[b] == -1
                and self.base[b] >= 0
                and self.label[b] == 1
                and self.dual[b] == 0
            ):
                self._expand(b, end_of_stage=True)
        return True

    def _grow(self) -> bool:
        """Scan edges of outer vertices over tight edges; True when it augmented."""
        end, top, label, tight = self.end, self.top, self.label, self.tight
        while self.queue:
            v = self.queue.pop()
            for p in self.remote[v]:
                k = p >> 1
                w = end[p]
                if top[v] == top[w]:
                    continue
                slack = 0
                if not tight[k]:
                    slack = self._slack(k)
                    tight[k] = slack <= 0
                bw = top[w]
                if tight[k]:
                    if label[bw] == 0:
                        self._assign(w, 2, p ^ 1)
                    elif label[bw] == 1:
                        base = self._scan(v, w)
                        if base < 0:
                            self._augment(k)
                            return True
                        self._add_blossom(base, k)
                    elif label[w] == 0:
                        label[w], self.label_end[w] = 2, p ^ 1
                elif label[bw] == 1:
                    b = top[v]
                    if self.best[b] == -1 or slack < self._slack(self.best[b]):
                        self.best[b] = k
                elif label[w] == 0 and (self.best[w] == -1 or slack < self._slack(self.best[w])):
                    self.best[w] = k
        return False

    def _dual_step(self) -> bool:
        """Change the duals by the largest step that keeps them feasible and act on the edge
        or blossom that limited it. False when no step can help any more (optimal)."""
        n, label, top, best = self.n, self.label, self.top, self.best
        kind, delta, edge, blossom = 0, 0, -1, -1
        for v in range(n):
            if label[top[v]] == 0 and best[v] != -1:
                d = self._slack(best[v])
                if kind == 0 or d < delta:
                    kind, delta, edge = 2, d, best[v]
        for b in range(2 * n):
            if self.parent[b] == -1 and label[b] == 1 and best[b] != -1:
                d = self._slack(best[b]) // 2
                if kind == 0 or d < delta:
                    kind, delta, edge = 3, d, best[b]
        for b in range(n, 2 * n):
            if (
                self.base[b] >= 0
                and self.parent[b] == -1
                and label[b] == 2
                and (kind == 0 or self.dual[b] < delta)
            ):
                kind, delta, blossom = 4, self.dual[b], b
        if kind == 0:
            # No edge or blossom limits the step: the most people are matched. One last
            # step to make the optimum verifiable, then stop.
            kind, delta = 1, max(0, min(self.dual[:n]))
        for v in range(n):
            if label[top[v]] == 1:
                self.dual[v] -= delta
            elif label[top[v]] == 2:
                self.dual[v] += delta
        for b in range(n, 2 * n):
            if self.base[b] >= 0 and self.parent[b] == -1:
                if label[b] == 1:
                    self.dual[b] += delta
                elif label[b] == 2:
                    self.dual[b] -= delta
        if kind == 1:
            return False
        if kind == 4:
            self._expand(blossom, end_of_stage=False)
            return True
        self.tight[edge] = True
        i, j = self.end[2 * edge], self.end[2 * edge + 1]
        if kind == 2 and label[top[i]] == 0:
            i = j
        self.queue.append(i)
        return True

    def _assign(self, w: int, t: int, p: int) -> None:
        """Label w's blossom outer (t=1) or inner (t=2); an inner blossom's mate turns outer."""
        b = self.top[w]
        self.label[w] = self.label[b] = t
        self.label_end[w] = self.label_end[b] = p
        self.best[w] = self.best[b] = -1
        if t == 1:
            self.queue.extend(self._leaves(b))
        else:
            matched = self.mate[self.base[b]]
            self._assign(self.end[matched], 1, matched ^ 1)

    def _scan(self, v: int, w: int) -> int:
        """Walk up both trees from an outer-outer edge: the base of the new blossom if they
        meet, -1 if they reach two different roots (an augmenting path)."""
        label, top, end = self.label, self.top, self.end
        path: list[int] = []
        base = -1
        while v != -1 or w != -1:
            b = top[v]
            if label[b] & 4:
                base = self.base[b]
                break
            path.append(b)
            label[b] = 5
            if self.label_end[b] == -1:
                v = -1
            else:
                v = end[self.label_end[b]]
                v = end[self.label_end[top[v]]]
            if w != -1:
                v, w = w, v
        for b in path:
            label[b] = 1
        return base

    def _add_blossom(self, base: int, k: int) -> None:
        """Shrink the odd cycle closed by edge k into a new outer blossom. children lists the
        sub-blossoms around the cycle from the base; links[i] is the endpoint in children[i]
        of the edge to children[i + 1]."""
        end, top = self.end, self.top
        v, w = end[2 * k], end[2 * k + 1]
        bb, bv, bw = top[base], top[v], top[w]
        b = self.spare.pop()
        self.base[b], self.parent[b], self.parent[bb] = base, -1, b
        path: list[int] = []
        links: list[int] = []
        while bv != bb:
            self.parent[bv] = b
            path.append(bv)
            links.append(self.label_end[bv])
            bv = top[end[self.label_end[bv]]]
        path.append(bb)
        path.reverse()
        links.reverse()
        links.append(2 * k)
        while bw != bb:
            self.parent[bw] = b
            path.append(bw)
            links.append(self.label_end[bw] ^ 1)
            bw = top[end[self.label_end[bw]]]
        self.children[b], self.links[b] = path, links
        self.label[b], self.label_end[b], self.dual[b] = 1, self.label_end[bb], 0
        for x in self._leaves(b):
            if self.label[top[x]] == 2:
                self.queue.append(x)  # inner vertices become outer: scan them
            top[x] = b
        self._collect_best_edges(b, path)

    def _collect_best_edges(self, b: int, path: list[int]) -> None:
        """Remember, per neighbouring outer blossom, the least-slack edge from b to it."""
        end, top, label = self.end, self.top, self.label
        best_to = [-1] * (2 * self.n)
        for sub in path:
            known = self.best_list[sub]
            if known is None:
                lists = [[p >> 1 for p in self.remote[x]] for x in self._leaves(sub)]
            else:
                lists = [known]
            for edges in lists:
                for e in edges:
                    i, j = end[2 * e], end[2 * e + 1]
                    if top[j] == b:
                        i, j = j, i
                    bj = top[j]
                    if (
                        bj != b
                        and label[bj] == 1
                        and (best_to[bj] == -1 or self._slack(e) < self._slack(best_to[bj]))
                    ):
                        best_to[bj] = e
            self.best_list[sub] = None
            self.best[sub] = -1
        found = [e for e in best_to if e != -1]
        self.best_list[b] = found
        self.best[b] = min(found, key=self._slack, default=-1)

    def _expand(self, b: int, *, end_of_stage: bool) -> None:
        """Undo blossom b: its children become top-level blossoms again."""
        for s in self.children[b]:
            self.parent[s] = -1
            if s < self.n:
                self.top[s] = s
            elif end_of_stage and self.dual[s] == 0:
                self._expand(s, end_of_stage=True)
            else:
                for x in self._leaves(s):
                    self.top[x] = s
        if not end_of_stage and self.label[b] == 2:
            self._relabel_expanded(b)
        self.label[b] = self.label_end[b] = -1
        self.children[b], self.links[b] = [], []
        self.base[b] = -1
        self.best_list[b] = None
        self.best[b] = -1
        self.spare.append(b)

    def _relabel_expanded(self, b: int) -> None:
        """An inner blossom was expanded mid-stage: keep the alternating tree valid along the
        even-length path from where the tree enters it to its base."""
        end, label, children, links = self.end, self.label, self.children[b], self.links[b]
        entry = self.top[end[self.label_end[b] ^ 1]]
        j = children.index(entry)
        step, trick = (1, 0) if j & 1 else (-1, 1)
        if j & 1:
            j -= len(children)
        p = self.label_end[b]
        while j != 0:
            label[end[p ^ 1]] = 0
            label[end[links[j - trick] ^ trick ^ 1]] = 0
            self._assign(end[p ^ 1], 2, p)
            self.tight[links[j - trick] >> 1] = True
            j += step
            p = links[j - trick] ^ trick
            self.tight[p >> 1] = True
            j += step
        sub = children[j]
        label[end[p ^ 1]] = label[sub] = 2
        self.label_end[end[p ^ 1]] = self.label_end[sub] = p
        self.best[sub] = -1
        j += step
        while children[j] != entry:
            sub = children[j]
            j += step
            if label[sub] == 1:
                continue
            reached = next((x for x in self._leaves(sub) if label[x] != 0), -1)
            if reached >= 0:
                label[reached] = 0
                label[end[self.mate[self.base[sub]]]] = 0
                self._assign(reached, 2, self.label_end[reached])

    def _augment_blossom(self, b: int, v: int) -> None:
        """Flip the even path inside b from vertex v to the base; v becomes the base."""
        end, children, links = self.end, self.children[b], self.links[b]
        t = v
        while self.parent[t] != b:
            t = self.parent[t]
        if t >= self.n:
            self._augment_blossom(t, v)
        i = j = children.index(t)
        step, trick = (1, 0) if i & 1 else (-1, 1)
        if i & 1:
            j -= len(children)
        while j != 0:
            j += step
            t = children[j]
            p = links[j - trick] ^ trick
            if t >= self.n:
                self._augment_blossom(t, end[p])
            j += step
            t = children[j]
            if t >= self.n:
                self._augment_blossom(t, end[p ^ 1])
            self.mate[end[p]] = p ^ 1
            self.mate[end[p ^ 1]] = p
        self.children[b] = children[i:] + children[:i]
        self.links[b] = links[i:] + links[:i]
        self.base[b] = self.base[self.children[b][0]]

    def _augment(self, k: int) -> None:
        """Flip the augmenting path through edge k, out to both roots."""
        end, top, label_end = self.end, self.top, self.label_end
        for s, p in ((end[2 * k], 2 * k + 1), (end[2 * k + 1], 2 * k)):
            while True:
                bs = top[s]
                if bs >= self.n:
                    self._augment_blossom(bs, s)
                self.mate[s] = p
                if label_end[bs] == -1:
                    break
                bt = top[end[label_end[bs]]]
                s = end[label_end[bt]]
                j = end[label_end[bt] ^ 1]
                if bt >= self.n:
                    self._augment_blossom(bt, j)
                self.mate[j] = label_end[bt]
                p = label_end[bt] ^ 1


# --- heuristic: LP start, augmenting paths, improving moves -----------------------------------


def _heuristic_matching(
    graph: _Graph, stats: dict[str, float], start: IntArray | None = None, deep: bool = True
) -> IntArray:
    """Near-optimal matching on the candidate graph: the rounded LP solution (or `start`),
    augmenting paths, improving moves, augmenting paths again, then a last rescue over all
    nodes for anyone still unmatched. deep=False skips the 3-opt rotations (lunch groups:
    weighing two units costs four pair scores, and the plan matters more than the last
    fraction of a point)."""
    mate = _assignment_start(graph) if start is None else start
    held = _held_weights(graph, mate)
    neighbours = _Neighbours.of(graph)
    augmented = _augment(mate, held, neighbours)
    moves, rounds = _improve(graph, mate, held, neighbours, deep)
    augmented += _augment(mate, held, neighbours)
    augmented += _rescue(graph, mate, held)
    stats.update(augmentations=augmented, local_search_moves=moves, local_search_rounds=rounds)
    return mate


def _rescue(graph: _Graph, mate: IntArray, held: FloatArray, limit: int = 48) -> int:
    """Last try for people still unmatched, over all nodes rather than the candidates: pair
    two of them directly, or through one pair a-b (x-a and b-y). Bounded to `limit` people:
    more than that left over means the rules, not the search, keep them apart."""
    free = np.flatnonzero(mate < 0)[:limit].tolist()
    if len(free) < 2:
        return 0
    everyone = np.arange(graph.n, dtype=np.int64)
    reach = {}
    for x in free:
        w, ok = graph.weigh(np.full(graph.n, x, dtype=np.int64), everyone)
        ok[x] = False
        reach[x] = (w, ok)
    rescued = 0
    for i, x in enumerate(free):
        for y in free[i + 1 :]:
            if mate[x] >= 0:
                break
            if mate[y] < 0 and _rescue_pair(x, y, reach, mate, held):
                rescued += 1
    return rescued


def _rescue_pair(
    x: int,
    y: int,
    reach: dict[int, tuple[FloatArray, BoolArray]],
    mate: IntArray,
    held: FloatArray,
) -> bool:
    (wx, okx), (wy, oky) = reach[x], reach[y]
    if okx[y]:
        mate[x], mate[y] = y, x
        held[x] = held[y] = wx[y]
        return True
    a = np.flatnonzero(okx & (mate >= 0))
    b = mate[a]
    a, b = a[oky[b]], b[oky[b]]
    if a.size == 0:
        return False
    best = int(np.argmax(wx[a] + wy[b] - held[a]))
    a_, b_ = int(a[best]), int(b[best])
    mate[x], mate[a_], mate[b_], mate[y] = a_, x, y, b_
    held[x] = held[a_] = wx[a_]
    held[b_] = held[y] = wy[b_]
    return True


def _assignment_start(graph: _Graph) -> IntArray:
    """A first matching from the LP relaxation: the best assignment on the bipartite double
    cover (every node sends one arc to a neighbour or to itself) is an optimal fractional
    matching, made of cycles. 2-cycles are pairs; longer cycles are split into alternate
    arcs (an odd cycle leaves one node out, the one whose absence costs least). Large graphs
    are cut into chunks of related nodes first (graph.order: each city together, cities
    ordered by time zone), because the assignment grows faster than linearly; the local
    search then works across chunks."""
    n = graph.n
    mate = np.full(n, -1, dtype=np.int64)
    if graph.u.size == 0:
        return mate
    if n <= ASSIGNMENT_WHOLE:
        chunks = [np.arange(n, dtype=np.int64)]
    else:
        chunks = np.array_split(graph.order, -(-n // ASSIGNMENT_CHUNK))
    local = np.full(n, -1, dtype=np.int64)
    for nodes in chunks:
        local[nodes] = np.arange(nodes.size)
        inside = np.flatnonzero((local[graph.u] >= 0) & (local[graph.v] >= 0))
        u, v, w = local[graph.u[inside]], local[graph.v[inside]], graph.w[inside]
        for a, b in _round_cycles(_best_assignment(nodes.size, u, v, w), u, v, w):
            mate[nodes[a]], mate[nodes[b]] = nodes[b], nodes[a]
        local[nodes] = -1
    return mate


def _best_assignment(n: int, u: IntArray, v: IntArray, w: FloatArray) -> IntArray:
    """sigma[i]: the node i sends its arc to (itself = unmatched). Arcs to oneself cost so
    much that the most nodes are covered first, then the weight counts. Costs are whole
    micro-points: scipy's sparse assignment (LAPJVsp) can cycle forever on fractional
    costs, and integers (exact in float64 at these sizes) make it terminate."""
    points = np.rint(w * SCORE_SCALE)
    top = float(points.max(initial=0.0)) + 1.0
    alone = n * top  # more than any weight gain from leaving someone out
    cost = csr_array(
        (
            np.concatenate(
                [alone + top - points, alone + top - points, np.full(n, 2 * alone + top)]
            ),
            (np.concatenate([u, v, np.arange(n)]), np.concatenate([v, u, np.arange(n)])),
        ),
        shape=(n, n),
    )
    rows, cols = min_weight_full_bipartite_matching(cost)
    sigma = np.empty(n, dtype=np.int64)
    sigma[rows] = cols
    return sigma


def _round_cycles(
    sigma: IntArray, u: IntArray, v: IntArray, w: FloatArray
) -> list[tuple[int, int]]:
    n = sigma.size
    keys = u * n + v  # u < v, sorted
    arc = np.minimum(np.arange(n), sigma) * n + np.maximum(np.arange(n), sigma)
    at = np.minimum(np.searchsorted(keys, arc), max(keys.size - 1, 0))
    arc_w = np.where(keys[at] == arc, w[at], 0.0).tolist()
    following = sigma.tolist()
    seen = [False] * n
    pairs: list[tuple[int, int]] = []
    for s in range(n):
        if seen[s]:
            continue
        cycle = []
        x = s
        while not seen[x]:
            seen[x] = True
            cycle.append(x)
            x = following[x]
        if len(cycle) >= 2:
            start = _cycle_start([arc_w[x] for x in cycle])
            length = len(cycle)
            for j in range(length // 2):
                i = (start + 2 * j) % length
                pairs.append((cycle[i], cycle[(i + 1) % length]))
    return pairs


def _cycle_start(weights: list[float]) -> int:
    """Where to start taking every other arc of a cycle (weights[i] = arc i -> i+1): the
    heavier half of an even cycle; for an odd one, right after the node best left out."""
    length = len(weights)
    if length % 2 == 0:
        return 0 if sum(weights[0::2]) >= sum(weights[1::2]) else 1
    doubled = np.array(weights + weights)
    # taken(k) = arcs k+1, k+3, ..., k+length-2 when node k is left out
    prefix = [np.concatenate([[0.0], np.cumsum(doubled[p::2])]) for p in (0, 1)]
    half = (length - 1) // 2
    taken = [
        prefix[(k + 1) % 2][(k + 1) // 2 + half] - prefix[(k + 1) % 2][(k + 1) // 2]
        for k in range(length)
    ]
    return int(np.argmax(taken)) + 1


def _held_weights(graph: _Graph, mate: IntArray) -> FloatArray:
    held = np.zeros(graph.n, dtype=np.float64)
    paired = np.flatnonzero(mate > np.arange(graph.n))
    if paired.size:
        w, _ = graph.weigh(paired, mate[paired])
        held[paired] = w
        held[mate[paired]] = w
    return held


@dataclass(frozen=True, slots=True)
class _Neighbours:
    """Candidate neighbours of each node, heaviest first (CSR; src repeats the node)."""

    start: IntArray
    src: IntArray
    to: IntArray
    w: FloatArray

    @classmethod
    def of(cls, graph: _Graph) -> _Neighbours:
        src = np.concatenate([graph.u, graph.v])
        dst = np.concatenate([graph.v, graph.u])
        w = np.concatenate([graph.w, graph.w])
        # One sort: by node, then heaviest first (weights are below the ceiling).
        span = 2.0 * (abs(graph.ceiling) + float(np.abs(w).max(initial=0.0))) + 1.0
        order = np.argsort(src * span - w, kind="stable")
        start = np.zeros(graph.n + 1, dtype=np.int64)
        np.cumsum(np.bincount(src, minlength=graph.n), out=start[1:])
        return cls(start, src[order], dst[order], w[order])

    def of_node(self, x: int) -> tuple[list[int], list[float]]:
        lo, hi = int(self.start[x]), int(self.start[x + 1])
        return self.to[lo:hi].tolist(), self.w[lo:hi].tolist()


def _augment(mate: IntArray, held: FloatArray, neighbours: _Neighbours) -> int:
    """Match more people: from each unmatched node, a breadth-first search for an
    alternating path to another unmatched node (no blossom shrinking, so it can miss some;
    the search is bounded). Returns how many paths were flipped."""
    flipped = 0
    mates: list[int] = mate.tolist()
    weights: list[float] = held.tolist()
    for root in np.flatnonzero(mate < 0).tolist():
        if mates[root] < 0 and _augment_from(root, mates, weights, neighbours):
            flipped += 1
    mate[:] = mates
    held[:] = weights
    return flipped


def _augment_from(root: int, mate: list[int], held: list[float], neighbours: _Neighbours) -> bool:
    via: dict[int, tuple[int, float]] = {}  # inner node -> (outer node before it, edge weight)
    seen = {root}
    queue = deque([root])
    while queue and len(seen) < AUGMENT_SEARCH_LIMIT:
        outer = queue.popleft()
        nodes, weights = neighbours.of_node(outer)
        for x, w in zip(nodes, weights, strict=True):
            if x in seen:
                continue
            if mate[x] < 0:
                _flip(root, outer, x, w, mate, held, via)
                return True
            seen.add(x)
            y = mate[x]
            if y in seen:
                continue
            seen.add(y)
            via[x] = (outer, w)
            queue.append(y)
    return False


def _flip(
    root: int,
    outer: int,
    free: int,
    w: float,
    mate: list[int],
    held: list[float],
    via: dict[int, tuple[int, float]],
) -> None:
    a, b = outer, free
    while True:
        inner = mate[a]  # the node through which `a` was reached (-1 at the root)
        mate[a], mate[b] = b, a
        held[a] = held[b] = w
        if a == root:
            return
        a, w = via[inner]
        b = inner


@dataclass(frozen=True, slots=True)
class _Moves:
    """Improving moves of one shape: row i re-pairs people[i] as `layout` says (column pairs)
    with the new pairs' weights in weights[i]; `freed` columns end up unmatched."""

    gain: FloatArray
    people: IntArray
    weights: FloatArray
    layout: tuple[tuple[int, int], ...]
    freed: tuple[int, ...] = ()


def _improve(
    graph: _Graph, mate: IntArray, held: FloatArray, neighbours: _Neighbours, deep: bool
) -> tuple[int, int]:
    """Rounds of improving moves until none is left (each one adds weight, so it ends):
    - swap (2-opt): pairs a-b and c-d with a candidate edge a-c become a-c and b-d;
    - rotate (3-opt): pairs a-b, c-d, e-f with candidate edges b-c and d-e become b-c, d-e
      and f-a;
    - shift: an unmatched x with a candidate edge to a (paired with b) takes a when x-a is
      heavier than a-b; b is then unmatched and the next augmenting pass finds b a partner.
    Each round applies every move that is the best one for all the people it touches, all
    at once. Only edges at people whose pair changed (or whose move waited) are looked at
    again in the next round."""
    changed = np.ones(graph.n, dtype=np.bool_)
    moves = rounds = 0
    while rounds < MAX_SWAP_ROUNDS:
        rounds += 1
        live = np.flatnonzero(changed[graph.u] | changed[graph.v])
        found = [_swap_moves(graph, live, mate, held), _shift_moves(graph, live, mate, held)]
        if deep:
            found.append(_rotate_moves(graph, neighbours, changed, mate, held))
        applied = _apply_moves(mate, held, found, changed)
        moves += applied
        if not applied:
            break
    return moves, rounds


def _swap_moves(graph: _Graph, live: IntArray, mate: IntArray, held: FloatArray) -> _Moves:
    a, c = graph.u[live], graph.v[live]
    b, d = mate[a], mate[c]
    keep = (b >= 0) & (d >= 0) & (b != c)
    base = graph.w[live] - held[a] - held[c]
    keep &= base + graph.ceiling > _EPS
    live, a, b, c, d, base = (x[keep] for x in (live, a, b, c, d, base))
    w_bd, ok = graph.weigh(b, d)
    gain = base + w_bd
    good = ok & (gain > _EPS)
    return _Moves(
        gain[good],
        np.stack([a, c, b, d], axis=1)[good],
        np.stack([graph.w[live], w_bd], axis=1)[good],
        ((0, 1), (2, 3)),
    )


def _rotate_moves(
    graph: _Graph, neighbours: _Neighbours, changed: BoolArray, mate: IntArray, held: FloatArray
) -> _Moves:
    """3-opt with the Lin-Kernighan gain rule: b-c must beat a-b, and b-c + d-e must beat
    a-b + c-d, before f-a is weighed (an improving cycle always has such a starting point).
    d-e runs over d's ROTATE_BRANCHING heaviest candidate edges only."""
    # Directed edges b->c where one of a, b, c, d changed: the edges out of S (the changed
    # people and their partners) and, reversed, those into S from outside it.
    near = np.zeros(graph.n, dtype=np.bool_)
    near[changed] = True
    near[mate[changed & (mate >= 0)]] = True
    if near.all():
        b, c, w_bc = neighbours.src, neighbours.to, neighbours.w
    else:
        nodes = np.flatnonzero(near)
        first = neighbours.start[nodes]
        count = neighbours.start[nodes + 1] - first
        at = np.repeat(first - np.cumsum(count) + count, count) + np.arange(int(count.sum()))
        back = at[~near[neighbours.to[at]]]
        b = np.concatenate([neighbours.src[at], neighbours.to[back]])
        c = np.concatenate([neighbours.to[at], neighbours.src[back]])
        w_bc = np.concatenate([neighbours.w[at], neighbours.w[back]])
    a, d = mate[b], mate[c]
    g1 = w_bc - held[b]
    keep = (a >= 0) & (d >= 0) & (c != a) & (g1 > _EPS)
    a, b, c, d, g1, w_bc = (x[keep] for x in (a, b, c, d, g1, w_bc))
    parts = [
        _rotations(graph, neighbours, mate, held, *(x[lo : lo + _ROTATE_BATCH] for x in group))
        for group in [(a, b, c, d, g1, w_bc)]
        for lo in range(0, max(a.size, 1), _ROTATE_BATCH)
    ]
    return _Moves(
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
        ((1, 2), (3, 4), (5, 0)),
    )


def _rotations(
    graph: _Graph,
    neighbours: _Neighbours,
    mate: IntArray,
    held: FloatArray,
    a: IntArray,
    b: IntArray,
    c: IntArray,
    d: IntArray,
    g1: FloatArray,
    w_bc: FloatArray,
) -> tuple[FloatArray, IntArray, FloatArray]:
    first = neighbours.start[d]
    count = np.minimum(neighbours.start[d + 1] - first, ROTATE_BRANCHING)
    row = np.repeat(np.arange(d.size, dtype=np.int64), count)
    at = (
        first[row]
        + np.arange(row.size, dtype=np.int64)
        - np.repeat(np.cumsum(count) - count, count)
    )
    e, w_de = neighbours.to[at], neighbours.w[at]
    a, b, c, d, w_bc = a[row], b[row], c[row], d[row], w_bc[row]
    g2 = g1[row] - held[c] + w_de
    f = mate[e]
    keep = (g2 > _EPS) & (f >= 0) & (e != c) & (e != a) & (e != b)
    keep &= g2 - held[e] + graph.ceiling > _EPS
    a, b, c, d, e, f, g2, w_bc, w_de = (x[keep] for x in (a, b, c, d, e, f, g2, w_bc, w_de))
    w_fa, ok = graph.weigh(f, a)
    gain = g2 - held[e] + w_fa
    good = ok & (gain > _EPS)
    return (
        gain[good],
        np.stack([a, b, c, d, e, f], axis=1)[good],
        np.stack([w_bc, w_de, w_fa], axis=1)[good],
    )


def _shift_moves(graph: _Graph, live: IntArray, mate: IntArray, held: FloatArray) -> _Moves:
    u, v, w = graph.u[live], graph.v[live], graph.w[live]
    gains, rows, weights = [], [], []
    for free, paired in ((u, v), (v, u)):
        pick = np.flatnonzero((mate[free] < 0) & (mate[paired] >= 0))
        gain = w[pick] - held[paired[pick]]
        pick = pick[gain > _EPS]
        x, a = free[pick], paired[pick]
        gains.append(w[pick] - held[a])
        rows.append(np.stack([x, a, mate[a]], axis=1))
        weights.append(w[pick][:, None])
    return _Moves(
        np.concatenate(gains), np.concatenate(rows), np.concatenate(weights), ((0, 1),), (2,)
    )


def _apply_moves(mate: IntArray, held: FloatArray, found: list[_Moves], changed: BoolArray) -> int:
    """Apply every move that beats all other moves touching any of its people (so no two
    applied moves share anyone; ties go to the earlier move). `changed` becomes: the people
    re-paired, plus everyone in a move that had to wait."""
    changed[:] = False
    gains = np.concatenate([m.gain for m in found])
    if gains.size == 0:
        return 0
    kind = np.concatenate([np.full(m.gain.size, i) for i, m in enumerate(found)])
    index = np.concatenate([np.arange(m.gain.size) for m in found])
    rank = np.empty(gains.size, dtype=np.int64)
    rank[np.lexsort((index, kind, -gains))] = np.arange(gains.size)
    ranks = np.split(rank, np.cumsum([m.gain.size for m in found])[:-1])
    people = np.concatenate([m.people.ravel() for m in found])
    owner = np.concatenate(
        [np.repeat(r, m.people.shape[1]) for r, m in zip(ranks, found, strict=True)]
    )
    best = np.full(mate.size, gains.size, dtype=np.int64)
    np.minimum.at(best, people, owner)
    changed[people] = True  # waiting moves are looked at again
    applied = 0
    for m, r in zip(found, ranks, strict=True):
        chosen = (best[m.people] == r[:, None]).all(axis=1)
        rows, weights = m.people[chosen], m.weights[chosen]
        for column, (x, y) in enumerate(m.layout):
            mate[rows[:, x]], mate[rows[:, y]] = rows[:, y], rows[:, x]
            held[rows[:, x]] = held[rows[:, y]] = weights[:, column]
        for x in m.freed:
            mate[rows[:, x]], held[rows[:, x]] = -1, 0.0
        applied += int(chosen.sum())
    return applied


# --- pairs and the odd trio -------------------------------------------------------------------


def _pairs_with_one_trio(
    population: Population, graph: _Graph, mate: IntArray
) -> tuple[list[list[int]], bool]:
    """The matched pairs, and at most one trio: someone left over joins the pair they fit
    best (all three pairs allowed). When nobody left over fits any pair, look for a chain of
    hand-overs (x takes y from y's partner z, z takes ... ) that frees someone who does fit a
    pair; in small rounds, failing that, try every possible odd one out."""
    n = population.size
    free = [x for x in range(n) if mate[x] < 0]
    if not free or n < 3:
        return _pairs(mate), False
    placed = _best_insertion(population, _pairs_array(mate), free, max_size=3)
    if placed is None:
        found = _trio_by_chain(population, graph, mate, free)
        if found is None and n <= EXHAUSTIVE_TRIO_LIMIT:
            found = _trio_by_trying_everyone(population, int((mate >= 0).sum()) // 2)
        if found is None:
            return _pairs(mate), False
        mate, placed = found
    person, row = placed
    pairs = _pairs(mate)
    pairs[row] = sorted([*pairs[row], person])
    return pairs, True


def _pairs(mate: IntArray) -> list[list[int]]:
    return [[a, int(mate[a])] for a in range(mate.size) if mate[a] > a]


def _pairs_array(mate: IntArray) -> IntArray:
    return np.array(_pairs(mate), dtype=np.int64).reshape(-1, 2)


def _best_insertion(
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
        if best is None or mean[group] > best[0] + _EPS:
            best = (float(mean[group]), person, group)
    return None if best is None else (best[1], best[2])


def _trio_by_chain(
    population: Population, graph: _Graph, mate: IntArray, free: Sequence[int]
) -> tuple[IntArray, tuple[int, int]] | None:
    """Breadth-first over alternating paths from people left over: flipping the path from
    root f to x (f-y1 x1-y2 ... where x was paired with the last y) keeps everyone else
    paired and leaves x over instead of f. The first x that fits a pair wins."""
    neighbours = _Neighbours.of(graph)
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
                placed = _best_insertion(population, _pairs_array(trial), [x], max_size=3)
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
        trial = np.array(_Blossom(n, edges).solve(), dtype=np.int64)
        if int((trial >= 0).sum()) // 2 < size:
            continue
        total = sum(w for a, b, w in edges if trial[a] == b)
        placed = _best_insertion(population, _pairs_array(trial), [x], max_size=3)
        if placed is not None and (best is None or total > best[0]):
            best = (total, trial, placed)
    return None if best is None else (best[1], best[2])


# --- groups of 3-4 ----------------------------------------------------------------------------


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


def _groups(
    population: Population,
    graph: _Graph,
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
        unit_mate = _max_matching(unit_graph, exact, {})
    else:
        start = _singles_to_pairs(unit_graph, units[:, 1] < 0)
        unit_mate = _heuristic_matching(unit_graph, {}, start, deep=False)
    groups = [
        [int(x) for x in (*units[a], *units[int(unit_mate[a])]) if x >= 0]
        for a in range(units.shape[0])
        if unit_mate[a] > a
    ]
    grouped = {x for g in groups for x in g}
    return _seat_leftovers(population, groups, [x for x in range(n) if x not in grouped])


def _singles_to_pairs(graph: _Graph, single: BoolArray) -> IntArray:
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

        sub = _Graph(
            rest.size,
            local[graph.u[inside]],
            local[graph.v[inside]],
            graph.w[inside],
            weigh,
            graph.ceiling,
            in_order[in_order >= 0],
        )
        sub_mate = _assignment_start(sub)
        paired = np.flatnonzero(sub_mate >= 0)
        mate[rest[paired]] = rest[sub_mate[paired]]
    return mate


def _unit_graph(population: Population, graph: _Graph, units: IntArray, exact: bool) -> _Graph:
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
    order = _neighbourly_order(population, units[:, 0])
    return _Graph(count, u[ok], v[ok], w[ok], weigh, ceiling, order)


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
        placed = _best_insertion(population, members, [person], max_size=4)
        if placed is not None:
            groups[placed[1]] = sorted([*groups[placed[1]], person])
    return groups


# --- results ----------------------------------------------------------------------------------


def _matches(
    people: Sequence[Participant],
    population: Population,
    groups: list[list[int]],
    weights: Weights,
) -> list[Match]:
    """Match objects; a group's score is the mean score of the pairs inside it."""
    inside = [(g, a, b) for g, group in enumerate(groups) for a, b in combinations(group, 2)]
    totals = np.zeros(len(groups), dtype=np.float64)
    if inside:
        rows = np.array(inside, dtype=np.int64)
        np.add.at(totals, rows[:, 0], population.scores(rows[:, 1], rows[:, 2]))
    matches = []
    for g, group in enumerate(groups):
        members = sorted((people[i] for i in group), key=lambda p: p.id)
        reasons, city = explain(members, weights)
        pairs = len(group) * (len(group) - 1) // 2
        matches.append(
            Match(
                members=tuple(p.id for p in members),
                score=float(totals[g]) / pairs,
                reasons=reasons,
                meet_in_person_city=city,
            )
        )
    return matches


def _why_unmatched(
    population: Population, person: int, group_size: int, trio_formed: bool
) -> Unmatched:
    pid = int(population.ids[person])
    if population.size == 1:
        return Unmatched(pid, UnmatchedReason.ALONE, "You were the only person in this round.")
    listed, short = population.blocked_by(person)
    if listed.all():
        return Unmatched(
            pid,
            UnmatchedReason.NO_ALLOWED_PARTNER,
            "Everyone else in this round was met recently, is on a do-not-pair list "
            "or is in your reporting line.",
        )
    if (listed | short).all():
        return Unmatched(
            pid,
            UnmatchedReason.NO_OVERLAP,
            "Nobody else in this round shares enough working hours with you to meet this week.",
        )
    if group_size > 2:
        detail = "There were not enough people you could meet left over to make a group this round."
    elif trio_formed:
        detail = (
            "Everyone you could meet was already paired this round, and the round's one "
            "trio was already made."
        )
    else:
        detail = (
            "Everyone you could meet was already paired this round, and no pair could "
            "take a third person."
        )
    return Unmatched(pid, UnmatchedReason.FULL, detail)


class _Clock:
    def __init__(self) -> None:
        self.started = self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[f"seconds_{name}"] = round(now - self.last, 4)
        self.last = now

    def seconds(self) -> dict[str, float]:
        return {**self.laps, "seconds_total": round(time.perf_counter() - self.started, 4)}
