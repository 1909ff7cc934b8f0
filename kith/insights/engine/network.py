"""Ties and per-person network metrics over one window of interaction metadata.

Pure computation (numpy and igraph, no Django): the caller reduces the stored person-pair ×
week × channel counts of a window (4 ISO weeks by default) to a `Window`, people indexed
0..n-1, and gets arrays back in the same order. Individual figures are meant for the person
they describe only; nothing here decides what is published.
"""

from __future__ import annotations

from dataclasses import dataclass

import igraph
import numpy as np
from numpy.typing import NDArray

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

# Viva Insights' generic tie: at least two meaningful interactions in the last four weeks.
MIN_INTERACTIONS = 2
# A tie is strong when the pair shares at least this many contacts (other people both have a
# tie with), diverse otherwise. Viva splits on shared connections without publishing the cut.
# With 2, a tie is strong once the pair sits in a common group (it closes two triangles or
# more); a tie with no or a single shared contact reaches beyond the person's own circle,
# which is what "diverse" is meant to show (Granovetter's weak ties, Burt's bridges).
STRONG_SHARED = 2
MINUTES_PER_HOUR = 60


@dataclass(frozen=True, slots=True)
class Window:
    """The reduced metadata of one window (4 ISO weeks by default), people indexed 0..n-1.

    Pairs are unordered and unique (a < b), and only pairs with at least one interaction
    appear. Every array is converted to int64 and checked on construction, so a bad reduction
    fails here with the row and reason instead of giving wrong figures later.
    """

    n: int
    a: IntArray  # (m,) one row per unordered pair with any interaction, a < b
    b: IntArray
    count: IntArray  # interactions of the pair in the window, all channels together
    one_to_one_minutes: IntArray  # (m,) minutes in meetings attended by exactly these two
    team: IntArray  # (n,) each person's own org unit (index into the unit tree)
    manager: IntArray  # (n,) person index of their manager, -1 if none / not in the window
    interactions: IntArray  # (n,) the person's interactions (each event once per participant)
    after_hours: IntArray  # (n,) of those, outside the person's own working hours
    meeting_minutes: IntArray  # (n,)
    weeks: int = 4

    def __post_init__(self) -> None:
        if self.n < 0 or self.weeks < 1:
            raise ValueError(f"a window needs n >= 0 and weeks >= 1, not {self.n}, {self.weeks}")
        for name in ("a", "b", "count", "one_to_one_minutes"):
            self._coerce(name, None)
        m = self.a.size
        for name in ("b", "count", "one_to_one_minutes"):
            self._check_length(name, m)
        for name in ("team", "manager", "interactions", "after_hours", "meeting_minutes"):
            self._coerce(name, self.n)
        self._check_pairs()
        self._check_people()

    def _coerce(self, name: str, length: int | None) -> None:
        value = np.asarray(getattr(self, name))
        if value.ndim != 1 or not (value.size == 0 or np.issubdtype(value.dtype, np.integer)):
            raise ValueError(f"Window.{name}: expected a 1-d integer array")
        object.__setattr__(self, name, value.astype(np.int64, copy=False))
        if length is not None:
            self._check_length(name, length)

    def _check_length(self, name: str, length: int) -> None:
        size = getattr(self, name).size
        if size != length:
            raise ValueError(f"Window.{name}: {size} values, expected {length}")

    def _fail_at(self, what: str, bad: BoolArray, reason: str) -> None:
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ValueError(f"Window: {what} {row}: {reason}")

    def _check_pairs(self) -> None:
        self._fail_at(
            "pair", (self.a < 0) | (self.b >= self.n), f"a person outside 0..{self.n - 1}"
        )
        self._fail_at("pair", self.a >= self.b, "needs a < b (unordered, no self pair)")
        self._fail_at("pair", self.count < 1, "a pair is listed only with interactions")
        self._fail_at("pair", self.one_to_one_minutes < 0, "negative 1:1 minutes")
        key = np.sort(pair_key(self.a, self.b, self.n))
        # Duplicates would become multi-edges and double-count ties.
        duplicate = np.zeros(key.size, dtype=bool)
        duplicate[1:] = key[1:] == key[:-1]
        if duplicate.any():
            k = int(key[np.flatnonzero(duplicate)[0]])
            raise ValueError(f"Window: pair ({k // self.n}, {k % self.n}) is listed twice")

    def _check_people(self) -> None:
        people = np.arange(self.n)
        self._fail_at("person", self.team < 0, "no team (place them at the root unit instead)")
        bad_manager = (self.manager < -1) | (self.manager >= self.n) | (self.manager == people)
        self._fail_at("person", bad_manager, "manager is not another person of the window")
        self._fail_at("person", self.interactions < 0, "negative interactions")
        bad_after = (self.after_hours < 0) | (self.after_hours > self.interactions)
        self._fail_at("person", bad_after, "after-hours interactions outside 0..interactions")
        self._fail_at("person", self.meeting_minutes < 0, "negative meeting minutes")


def pair_key(a: IntArray, b: IntArray, n: int) -> IntArray:
    """One int64 per unordered pair (a < b), unique for n up to 3 billion people."""
    return a * np.int64(n) + b


def tie_graph(window: Window, min_interactions: int = MIN_INTERACTIONS) -> igraph.Graph:
    """The undirected tie graph: n vertices (people), an edge per pair with at least
    `min_interactions` interactions in the window. No loops or multi-edges (the window's
    pairs are unique with a < b); edges keep the window's pair order."""
    if min_interactions < 1:
        raise ValueError(f"min_interactions must be >= 1, not {min_interactions}")
    tie = window.count >= min_interactions
    ends = np.column_stack((window.a[tie], window.b[tie]))
    graph = igraph.Graph(n=window.n)
    # add_edges on an (m, 2) array is ~3x faster than the constructor's edges= at 2M ties.
    graph.add_edges(ends)
    graph[ENDS] = ends
    return graph


# Graph attribute holding the (m, 2) edge ends as numpy: reading them back from igraph builds
# one Python tuple per edge (~250 MB and 0.4 s at 2M ties), once per metric.
ENDS = "ends"


def tie_ends(graph: igraph.Graph) -> tuple[IntArray, IntArray]:
    """Both ends of every edge, in edge order: kept by `tie_graph`, else read from igraph
    (a graph built another way, or edited since)."""
    ends = kept_ends(graph)
    if ends is None:
        ends = np.array(graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    return ends[:, 0], ends[:, 1]


def kept_ends(graph: igraph.Graph) -> IntArray | None:
    """The ends `tie_graph` kept, if they still describe the graph: same edge count and the
    same last edge (igraph appends new edges, so a deletion then an addition shows there)."""
    kept = graph[ENDS] if ENDS in graph.attributes() else None
    m = graph.ecount()
    if not isinstance(kept, np.ndarray) or kept.shape != (m, 2):
        return None
    if m and graph.es[m - 1].tuple != (int(kept[-1, 0]), int(kept[-1, 1])):
        return None
    return kept.astype(np.int64, copy=False)


def shared_contacts(graph: igraph.Graph) -> IntArray:
    """Per edge (u, v), in edge order: how many people have a tie with both u and v."""
    return common_neighbours(graph, *tie_ends(graph))


def common_neighbours(graph: igraph.Graph, u: IntArray, v: IntArray) -> IntArray:
    """Per pair (u[i], v[i]) of adjacent vertices, their common neighbours.

    igraph's Jaccard similarity of the two neighbourhoods runs in C over sorted adjacency
    lists; with J = c / (deg u + deg v - c) (v is u's neighbour and not its own), the count
    is c = J (deg u + deg v) / (1 + J), exact after rounding for any realistic degree."""
    if u.size == 0:
        return np.zeros(0, dtype=np.int64)
    pairs = np.column_stack((u, v))
    # loops=False: igraph's default counts each vertex as its own neighbour.
    jaccard: FloatArray = np.array(graph.similarity_jaccard(pairs=pairs, loops=False))
    degree = np.array(graph.degree(), dtype=np.int64)
    shared: FloatArray = jaccard * (degree[u] + degree[v]) / (1.0 + jaccard)
    return np.rint(shared).astype(np.int64)


def ratio(numerator: NDArray[np.number], denominator: NDArray[np.number]) -> FloatArray:
    """numerator / denominator, nan where the denominator is 0 (no basis for a share)."""
    out = np.full(np.shape(denominator), np.nan)
    np.divide(numerator, denominator, out=out, where=np.asarray(denominator) != 0)
    return out


def ends_count(n: int, u: IntArray, v: IntArray, selected: BoolArray) -> IntArray:
    """Per person, how many of their selected edges they are an end of."""
    return np.bincount(np.concatenate((u[selected], v[selected])), minlength=n).astype(np.int64)


@dataclass(frozen=True, slots=True)
class PersonMetrics:
    """Per person (arrays (n,)), for that person's eyes only. Shares are nan without a base
    (no tie, no interaction, no manager) rather than 0, so "nothing to measure" never reads
    as "none of it"."""

    network_size: IntArray  # ties
    strong_ties: IntArray  # ties sharing >= STRONG_SHARED contacts
    diverse_ties: IntArray  # the other ties
    cross_team_share: FloatArray  # share of the person's ties to people of another team
    after_hours_share: FloatArray  # after_hours / interactions
    meeting_hours: FloatArray  # per week
    manager_one_to_one_minutes: FloatArray  # per week, with their manager; nan without one


def person_metrics(window: Window, graph: igraph.Graph) -> PersonMetrics:
    """Every person's metrics from the window and its tie graph (see `tie_graph`).

    "Another team" compares `Window.team`, the person's own unit: a head of department placed
    in the department unit has cross-team ties to the people in its sub-units."""
    n = window.n
    u, v = tie_ends(graph)
    size = ends_count(n, u, v, np.ones(u.size, dtype=bool))
    strong = ends_count(n, u, v, common_neighbours(graph, u, v) >= STRONG_SHARED)
    cross = ends_count(n, u, v, window.team[u] != window.team[v])
    return PersonMetrics(
        network_size=size,
        strong_ties=strong,
        diverse_ties=size - strong,
        cross_team_share=ratio(cross, size),
        after_hours_share=ratio(window.after_hours, window.interactions),
        meeting_hours=window.meeting_minutes / (MINUTES_PER_HOUR * window.weeks),
        manager_one_to_one_minutes=manager_minutes(window) / window.weeks,
    )


def manager_minutes(window: Window) -> FloatArray:
    """Per person, the window's 1:1 minutes with their manager (0 when they had none), nan
    for people without a manager. Looks the n (person, manager) pairs up among the m pairs
    by sorting the n queries only: O(m log n), no sort of the m pairs."""
    n = window.n
    has = window.manager >= 0
    person = np.flatnonzero(has)
    boss = window.manager[has]
    query = pair_key(np.minimum(person, boss), np.maximum(person, boss), n)
    keys, slot = np.unique(query, return_inverse=True)  # two people may manage each other
    minutes = np.zeros(keys.size, dtype=np.int64)
    if keys.size and window.a.size:
        pair = pair_key(window.a, window.b, n)
        at = np.minimum(np.searchsorted(keys, pair), keys.size - 1)
        hit = keys[at] == pair
        minutes[at[hit]] = window.one_to_one_minutes[hit]  # pairs are unique: one hit per key
    out = np.full(n, np.nan)
    out[person] = minutes[slot]
    return out
