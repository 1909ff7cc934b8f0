"""Near-optimal matching for large rounds: the LP relaxation solved as an assignment problem
and rounded, augmenting paths, then rounds of improving moves (docs/matching.md)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from kith.connect.engine.graph import EPS, SCORE_SCALE, Graph
from kith.connect.engine.scoring import BoolArray, FloatArray, IntArray

MAX_SWAP_ROUNDS = 60
AUGMENT_SEARCH_LIMIT = 4_000  # vertices one augmenting-path search may visit
# The heuristic's first matching solves one assignment problem up to ASSIGNMENT_WHOLE nodes,
# else one per chunk of ASSIGNMENT_CHUNK (its cost grows faster than linearly).
ASSIGNMENT_WHOLE = 25_000
ASSIGNMENT_CHUNK = 17_000
ROTATE_BRANCHING = 8  # heaviest candidate edges followed at the second step of a rotation
_ROTATE_BATCH = 250_000  # first steps expanded per numpy pass (bounds memory)


def heuristic_matching(
    graph: Graph, stats: dict[str, float], start: IntArray | None = None, deep: bool = True
) -> IntArray:
    """Near-optimal matching on the candidate graph: the rounded LP solution (or `start`),
    augmenting paths, improving moves, augmenting paths again, then a last rescue over all
    nodes for anyone still unmatched. deep=False skips the 3-opt rotations (lunch groups:
    weighing two units costs four pair scores, and the plan matters more than the last
    fraction of a point)."""
    mate = assignment_start(graph) if start is None else start
    held = _held_weights(graph, mate)
    neighbours = Neighbours.of(graph)
    augmented = _augment(mate, held, neighbours)
    moves, rounds = _improve(graph, mate, held, neighbours, deep)
    augmented += _augment(mate, held, neighbours)
    augmented += _rescue(graph, mate, held)
    stats.update(augmentations=augmented, local_search_moves=moves, local_search_rounds=rounds)
    return mate


def _rescue(graph: Graph, mate: IntArray, held: FloatArray, limit: int = 48) -> int:
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


def assignment_start(graph: Graph) -> IntArray:
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


def _held_weights(graph: Graph, mate: IntArray) -> FloatArray:
    held = np.zeros(graph.n, dtype=np.float64)
    paired = np.flatnonzero(mate > np.arange(graph.n))
    if paired.size:
        w, _ = graph.weigh(paired, mate[paired])
        held[paired] = w
        held[mate[paired]] = w
    return held


@dataclass(frozen=True, slots=True)
class Neighbours:
    """Candidate neighbours of each node, heaviest first (CSR; src repeats the node)."""

    start: IntArray
    src: IntArray
    to: IntArray
    w: FloatArray

    @classmethod
    def of(cls, graph: Graph) -> Neighbours:
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


def _augment(mate: IntArray, held: FloatArray, neighbours: Neighbours) -> int:
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


def _augment_from(root: int, mate: list[int], held: list[float], neighbours: Neighbours) -> bool:
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
    graph: Graph, mate: IntArray, held: FloatArray, neighbours: Neighbours, deep: bool
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


def _swap_moves(graph: Graph, live: IntArray, mate: IntArray, held: FloatArray) -> _Moves:
    a, c = graph.u[live], graph.v[live]
    b, d = mate[a], mate[c]
    keep = (b >= 0) & (d >= 0) & (b != c)
    base = graph.w[live] - held[a] - held[c]
    keep &= base + graph.ceiling > EPS
    live, a, b, c, d, base = (x[keep] for x in (live, a, b, c, d, base))
    w_bd, ok = graph.weigh(b, d)
    gain = base + w_bd
    good = ok & (gain > EPS)
    return _Moves(
        gain[good],
        np.stack([a, c, b, d], axis=1)[good],
        np.stack([graph.w[live], w_bd], axis=1)[good],
        ((0, 1), (2, 3)),
    )


def _rotate_moves(
    graph: Graph, neighbours: Neighbours, changed: BoolArray, mate: IntArray, held: FloatArray
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
    keep = (a >= 0) & (d >= 0) & (c != a) & (g1 > EPS)
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
    graph: Graph,
    neighbours: Neighbours,
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
    keep = (g2 > EPS) & (f >= 0) & (e != c) & (e != a) & (e != b)
    keep &= g2 - held[e] + graph.ceiling > EPS
    a, b, c, d, e, f, g2, w_bc, w_de = (x[keep] for x in (a, b, c, d, e, f, g2, w_bc, w_de))
    w_fa, ok = graph.weigh(f, a)
    gain = g2 - held[e] + w_fa
    good = ok & (gain > EPS)
    return (
        gain[good],
        np.stack([a, b, c, d, e, f], axis=1)[good],
        np.stack([w_bc, w_de, w_fa], axis=1)[good],
    )


def _shift_moves(graph: Graph, live: IntArray, mate: IntArray, held: FloatArray) -> _Moves:
    u, v, w = graph.u[live], graph.v[live], graph.w[live]
    gains, rows, weights = [], [], []
    for free, paired in ((u, v), (v, u)):
        pick = np.flatnonzero((mate[free] < 0) & (mate[paired] >= 0))
        gain = w[pick] - held[paired[pick]]
        pick = pick[gain > EPS]
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
