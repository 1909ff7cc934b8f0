"""Per org unit network metrics, each over the unit's whole subtree.

Vectorised over the tree's depth (a handful of levels), never over people or ties: every
person and tie is placed once with array operations, then figures roll up to ancestors
level by level.
"""

from __future__ import annotations

from dataclasses import dataclass

import igraph
import numpy as np

from kith.insights.engine.network import (
    MINUTES_PER_HOUR,
    FloatArray,
    IntArray,
    Window,
    ends_count,
    ratio,
    tie_ends,
)


@dataclass(frozen=True, slots=True)
class UnitTree:
    """Org units 0..U-1 as a forest (normally one root: the organisation)."""

    parent: IntArray  # (U,) parent unit, -1 for a root
    depth: IntArray  # (U,) 0 for a root
    ancestor: IntArray  # (D+1, U): u's ancestor at depth d (u itself at its depth), else -1

    @classmethod
    def build(cls, parent: IntArray) -> UnitTree:
        parent = np.asarray(parent, dtype=np.int64).reshape(-1)
        size = parent.size
        bad = (parent < -1) | (parent >= size) | (parent == np.arange(size))
        if bad.any():
            unit = int(np.flatnonzero(bad)[0])
            raise ValueError(f"unit {unit}: parent {int(parent[unit])} is not another unit")
        depth = unit_depths(parent)
        return cls(parent=parent, depth=depth, ancestor=ancestor_table(parent, depth))

    @property
    def size(self) -> int:
        return int(self.parent.size)

    def subtree_sum(self, direct: IntArray) -> IntArray:
        """Per unit, the sum of `direct` over the unit and all its descendants: each unit adds
        its own value to every ancestor, one depth at a time."""
        total = np.zeros(self.size, dtype=np.int64)
        for row in self.ancestor:
            held = row >= 0
            np.add.at(total, row[held], direct[held])
        return total

    def lowest_common_ancestor(self, x: IntArray, y: IntArray) -> IntArray:
        """Per pair of units, the deepest unit whose subtree holds both (-1 when they are in
        different trees). Ancestors agree from the root down to the LCA and differ below,
        so the deepest depth at which they agree gives it."""
        lca = np.full(x.size, -1, dtype=np.int64)
        for row in self.ancestor:
            ax = row[x]
            same = (ax == row[y]) & (ax >= 0)
            lca[same] = ax[same]
        return lca


def unit_depths(parent: IntArray) -> IntArray:
    """Depth of every unit, walking all units up at once (one step per level)."""
    depth = np.zeros(parent.size, dtype=np.int64)
    node = parent.copy()
    for _ in range(parent.size + 1):
        alive = node >= 0
        if not alive.any():
            return depth
        depth += alive
        node[alive] = parent[node[alive]]
    unit = int(np.flatnonzero(node >= 0)[0])
    raise ValueError(f"unit {unit}: the unit tree has a cycle above it")


def ancestor_table(parent: IntArray, depth: IntArray) -> IntArray:
    levels = int(depth.max()) + 1 if depth.size else 0
    table = np.full((levels, parent.size), -1, dtype=np.int64)
    unit = np.arange(parent.size)
    node = unit.copy()
    while node.size:
        table[depth[node], unit] = node
        up = parent[node] >= 0
        node, unit = parent[node[up]], unit[up]
    return table


@dataclass(frozen=True, slots=True)
class UnitMetrics:
    """One value per unit (arrays (U,)), each over the unit's whole subtree.

    Figures without a base are nan, never 0: with 0 members every share, the density and the
    median are nan (counts are 0); with 1 member the density is nan (no pair to be tied) and
    the E-I index is +1 if they have any tie, nan if none. Nothing here is withheld: the
    disclosure layer decides what may be published (k >= 5)."""

    people: IntArray
    ties_internal: IntArray  # I: both ends in the subtree
    ties_external: IntArray  # E: exactly one end in the subtree
    ei_index: FloatArray  # (E - I)/(E + I), Krackhardt & Stern; nan without ties
    density: FloatArray  # I / (n(n-1)/2); nan when n < 2
    isolated: IntArray  # members with no tie
    isolated_share: FloatArray
    cross_team_share: FloatArray  # of members' tie ends, the share to a person of another team
    after_hours_share: FloatArray  # sum(after_hours) / sum(interactions) over members
    meeting_hours: FloatArray  # mean per member per week
    median_network_size: FloatArray


def unit_metrics(window: Window, graph: igraph.Graph, parent: IntArray) -> UnitMetrics:
    """Every unit's metrics. `parent` (U,) holds each unit's parent, -1 for a root; the caller
    passes one root (the organisation) above the real units, so ties between departments
    are internal to the organisation. A person belongs to their own unit (`Window.team`) and
    to every unit above it."""
    tree = UnitTree.build(parent)
    team = window.team
    check_teams(team, tree.size)
    u, v = tie_ends(graph)
    size = ends_count(window.n, u, v, np.ones(u.size, dtype=bool))
    cross = ends_count(window.n, u, v, team[u] != team[v])

    def over_subtree(per_person: IntArray) -> IntArray:
        return tree.subtree_sum(per_unit(tree.size, team, per_person))

    people = over_subtree(np.ones(window.n, dtype=np.int64))
    internal = internal_ties(tree, team[u], team[v])
    ends = over_subtree(size)
    external = ends - 2 * internal  # each internal tie has both ends in the subtree
    isolated = over_subtree((size == 0).astype(np.int64))
    return UnitMetrics(
        people=people,
        ties_internal=internal,
        ties_external=external,
        ei_index=ratio(external - internal, external + internal),
        density=ratio(internal, people * (people - 1) // 2),
        isolated=isolated,
        isolated_share=ratio(isolated, people),
        cross_team_share=ratio(over_subtree(cross), ends),
        after_hours_share=ratio(
            over_subtree(window.after_hours), over_subtree(window.interactions)
        ),
        meeting_hours=ratio(
            over_subtree(window.meeting_minutes), people * (MINUTES_PER_HOUR * window.weeks)
        ),
        median_network_size=subtree_medians(tree, team, size),
    )


def check_teams(team: IntArray, units: int) -> None:
    bad = team >= units
    if bad.any():
        person = int(np.flatnonzero(bad)[0])
        raise ValueError(f"person {person}: team {int(team[person])} is not a unit")


def per_unit(units: int, unit: IntArray, value: IntArray) -> IntArray:
    """Sum of `value` per unit index (int64 throughout, unlike a weighted bincount)."""
    out = np.zeros(units, dtype=np.int64)
    np.add.at(out, unit, value)
    return out


def internal_ties(tree: UnitTree, x: IntArray, y: IntArray) -> IntArray:
    """Per unit, the ties with both ends (units x[i], y[i]) in its subtree: those whose
    lowest common unit is in it. Ties across two trees of a forest are internal to none."""
    lca = tree.lowest_common_ancestor(x, y)
    lca = lca[lca >= 0]
    return tree.subtree_sum(per_unit(tree.size, lca, np.ones(lca.size, dtype=np.int64)))


def subtree_medians(tree: UnitTree, team: IntArray, value: IntArray) -> FloatArray:
    """Per unit, the median of `value` over the members of its subtree (nan when empty).

    Lists every (unit, member) pair once (people × depth rows), sorts by unit then value,
    and reads the middle of each unit's run."""
    membership = tree.ancestor[:, team]  # (D+1, n): the units each person belongs to
    held = membership >= 0
    unit = membership[held]
    member_value = np.broadcast_to(value, membership.shape)[held]
    order = np.lexsort((member_value, unit))
    ordered = member_value[order].astype(np.float64)
    count = np.bincount(unit, minlength=tree.size)
    start = np.cumsum(count) - count
    median = np.full(tree.size, np.nan)
    some = count > 0
    low = start[some] + (count[some] - 1) // 2
    high = start[some] + count[some] // 2
    median[some] = (ordered[low] + ordered[high]) / 2
    return median
