"""Where an answer is filed at rest: stored groups of no fewer than k invitees.

A response (and each comment) is stored with its invitee's *stored* unit and attribute codes,
never finer ones. `storage_groups` computes them once, when a wave is sent, from every
invitee's true snapshot codes, so that from a database dump no answer narrows to fewer than k
people: every distinct (stored unit, stored attributes) holds at least k invitees.

Guarantees, for every invitee i:
- stored_unit[i] is unit[i] or one of its ancestors;
- stored_attrs[i, j] is attrs[i, j] or -1 (generalised away);
- invitees with the same (unit, attrs) (an *atom*) get the same stored codes;
- every distinct stored (unit, attrs) holds >= k of the given invitees.

Algorithm, bottom-up (deepest units first). At unit u the pool is u's own atoms plus what its
children pushed up. Groups of >= k invitees stay as they are. Smaller groups give up their
attributes one at a time, last attribute first, merging with groups that become equal; a
group stops as soon as it reaches k. What is left once every attribute is gone is u's
residual (it keeps the values all its members share):
- >= k invitees: it is a group of its own;
- fewer, but u's subtree holds >= k: it joins the smallest group formed at u, or, if none
  was, a group formed below u, which moves up to u: of the groups nearest to u (the
  shallowest), the smallest. Attributes that differ between the two become -1. (Nearest
  first: a group moved up from unit v blurs the unit groups between v and u, so a shallow
  group blurs fewest; in a small organisation the smallest group is often a whole team two
  levels down, and moving it would lose that team and its department both.)
- u's whole subtree holds fewer than k: it is pushed up to u's parent with its original
  attributes (there is no group below u to join: every group holds k).
A root whose subtree holds 1..k-1 invitees cannot be placed: ValueError (a wave of fewer
than k invitees is not sent at all).

Vectorised per tree level: one np.unique per level and attribute step over the open atoms,
a Python loop only over units left with a small residual.
"""

from __future__ import annotations

import numpy as np

from kith.pulse.engine.results import IntArray, Tree

GENERALISED = -1
_MAX_KEY = 2**62


class TooFewInvitees(ValueError):
    """Some root's subtree holds 1..k-1 invitees, so they cannot share a group of k."""


def storage_groups(
    tree: Tree, unit: IntArray, attrs: IntArray, k: int
) -> tuple[IntArray, IntArray]:
    """Stored codes for each invitee: (stored_unit (n,), stored_attrs (n, a)), -1 where an
    attribute is generalised away. See the module docstring for the guarantees."""
    unit, attrs = _checked(tree, unit, attrs, k)
    if unit.size == 0:
        return unit.copy(), attrs.copy()
    return _Grouping(tree, unit, attrs, k).run()


def _checked(tree: Tree, unit: IntArray, attrs: IntArray, k: int) -> tuple[IntArray, IntArray]:
    unit = np.asarray(unit, dtype=np.int64).reshape(-1)
    attrs = np.asarray(attrs, dtype=np.int64)
    if attrs.ndim != 2 or attrs.shape[0] != unit.size:
        raise ValueError(f"attrs must be ({unit.size}, a), not {attrs.shape}")
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    if unit.size and (unit.min() < 0 or unit.max() >= tree.size):
        bad = int(np.flatnonzero((unit < 0) | (unit >= tree.size))[0])
        raise ValueError(f"invitee {bad}: unit {int(unit[bad])} is not a unit (0..{tree.size - 1})")
    if attrs.size and attrs.min() < 0:
        row, col = (int(x[0]) for x in np.nonzero(attrs < 0))
        raise ValueError(f"invitee {row}: attribute {col} has code {int(attrs[row, col])} < 0")
    return unit, attrs


class _Grouping:
    """State of one run. Atoms are the distinct (unit, attrs); an open atom is one that is not
    in a group yet, sitting at `cur` (its own unit, or an ancestor it was pushed up to)."""

    def __init__(self, tree: Tree, unit: IntArray, attrs: IntArray, k: int) -> None:
        self.tree, self.k = tree, k
        self.width = attrs.shape[1]
        radix = (attrs.max(axis=0) + 1) if self.width else np.zeros(0, dtype=np.int64)
        # prefix[s]: divide an atom's attribute code by this to forget its last s attributes
        self.prefix = np.ones(self.width + 1, dtype=np.int64)
        for s in range(1, self.width + 1):
            self.prefix[s] = self.prefix[s - 1] * int(radix[self.width - s])
        whole = int(self.prefix[-1])
        if tree.size * whole >= _MAX_KEY:
            raise ValueError("too many attribute combinations to encode in 64 bits")
        self.whole = whole
        weights = (self.prefix[: self.width][::-1]).astype(np.int64)
        code = attrs @ weights if self.width else np.zeros(unit.size, dtype=np.int64)
        keys, first, self.inverse = np.unique(
            unit * whole + code, return_index=True, return_inverse=True
        )
        self.inverse = self.inverse.reshape(-1)
        self.code = keys % whole
        self.attrs = attrs[first]
        self.count = np.bincount(self.inverse).astype(np.int64)
        atoms = keys.size
        self.cur = keys // whole
        self.group = np.full(atoms, -1, dtype=np.int64)
        self.g_unit = np.zeros(atoms, dtype=np.int64)
        self.g_attrs = np.zeros((atoms, self.width), dtype=np.int64)
        self.g_count = np.zeros(atoms, dtype=np.int64)
        self.groups = 0
        self.subtree = _subtree_counts(tree, unit)
        self.base = atoms + 1  # a group's rank: count * base + id (smallest count, then id)

    def run(self) -> tuple[IntArray, IntArray]:
        for depth in range(self.tree.max_depth, -1, -1):
            self._level(depth)
        group = self.group[self.inverse]
        return self.g_unit[group], self.g_attrs[group]

    def _level(self, depth: int) -> None:
        first_new = self.groups
        pool = np.flatnonzero((self.group < 0) & (self.tree.depth[self.cur] == depth))
        for step in range(self.width):
            pool = self._form(pool, step)
        if pool.size:
            self._residuals(pool, self._smallest_at_units(np.arange(first_new, self.groups)))

    def _form(self, pool: IntArray, step: int) -> IntArray:
        """Groups of >= k among the open atoms, with their last `step` attributes forgotten.
        Returns the atoms still open."""
        if pool.size == 0:
            return pool
        key = self.cur[pool] * self.whole + self.code[pool] // self.prefix[step]
        _keys, first, inv = np.unique(key, return_index=True, return_inverse=True)
        inv = inv.reshape(-1)
        sizes = np.bincount(inv, weights=self.count[pool]).astype(np.int64)
        big = np.flatnonzero(sizes >= self.k)
        ids = np.full(sizes.size, -1, dtype=np.int64)
        ids[big] = self._new_groups(
            self.cur[pool[first[big]]], self.attrs[pool[first[big]]], sizes[big], step
        )
        self.group[pool] = ids[inv]
        return pool[ids[inv] < 0]

    def _new_groups(self, unit: IntArray, attrs: IntArray, size: IntArray, step: int) -> IntArray:
        ids = np.arange(self.groups, self.groups + unit.size)
        self.g_unit[ids] = unit
        kept = attrs.copy()
        if step:
            kept[:, self.width - step :] = GENERALISED
        self.g_attrs[ids] = kept
        self.g_count[ids] = size
        self.groups += unit.size
        return ids

    def _residuals(self, pool: IntArray, at_unit: IntArray) -> None:
        """Per unit, what no attribute step placed: a group of its own, merged into a group,
        or pushed up to the parent."""
        units, inv = np.unique(self.cur[pool], return_inverse=True)
        inv = inv.reshape(-1)
        size = np.bincount(inv, weights=self.count[pool]).astype(np.int64)
        shared = _shared_values(self.attrs[pool], inv, units.size)
        target = np.full(units.size, -1, dtype=np.int64)
        big = np.flatnonzero(size >= self.k)
        target[big] = self._new_groups(units[big], shared[big], size[big], 0)
        for r in np.flatnonzero(size < self.k).tolist():
            u = int(units[r])
            if self.subtree[u] >= self.k:
                target[r] = self._merge(u, shared[r], int(size[r]), int(at_unit[u]))
            elif self.tree.parent[u] < 0:
                raise TooFewInvitees(
                    f"unit {u} and everything under it hold {int(self.subtree[u])} invitees, "
                    f"fewer than k = {self.k}"
                )
        self.group[pool] = target[inv]
        pushed = target[inv] < 0
        self.cur[pool[pushed]] = self.tree.parent[self.cur[pool[pushed]]]

    def _merge(self, u: int, shared: IntArray, size: int, gid: int) -> int:
        """A residual under k joins the smallest group formed at u (`gid`, -1 if none), else
        the nearest one below u, which moves up to u. Attributes that differ between the
        two are generalised away."""
        if gid < 0:
            gid = self._nearest_below(u)
        keep = self.g_attrs[gid] == shared
        self.g_attrs[gid] = np.where(keep, shared, GENERALISED)
        self.g_unit[gid] = u
        self.g_count[gid] += size
        return gid

    def _smallest_at_units(self, ids: IntArray) -> IntArray:
        """Per unit, the smallest of the groups `ids` placed at it, or -1."""
        none = np.iinfo(np.int64).max
        best = np.full(self.tree.size, none, dtype=np.int64)
        np.minimum.at(best, self.g_unit[ids], self._rank(ids))
        return np.where(best < none, best % self.base, -1)

    def _nearest_below(self, u: int) -> int:
        """Of the groups now placed strictly below u, the smallest of the shallowest (an
        Euler-tour range over the groups so far; one exists, as u's subtree holds >= k
        invitees outside u's pool)."""
        tin = self.tree.tin[self.g_unit[: self.groups]]
        below = np.flatnonzero((tin > self.tree.tin[u]) & (tin < self.tree.tout[u]))
        if below.size == 0:
            raise AssertionError(f"unit {u}: no group below to join")
        depth = self.tree.depth[self.g_unit[below]]
        nearest = below[depth == depth.min()]
        return int(nearest[np.argmin(self._rank(nearest))])

    def _rank(self, ids: IntArray) -> IntArray:
        return self.g_count[ids] * self.base + ids


def _subtree_counts(tree: Tree, unit: IntArray) -> IntArray:
    counts = np.bincount(unit, minlength=tree.size).astype(np.int64)
    for units in reversed(tree.levels[1:]):
        np.add.at(counts, tree.parent[units], counts[units])
    return counts


def _shared_values(attrs: IntArray, inv: IntArray, groups: int) -> IntArray:
    """Per group of rows: each attribute's value where all rows agree, else -1."""
    width = attrs.shape[1]
    low = np.full((groups, width), np.iinfo(np.int64).max, dtype=np.int64)
    high = np.full((groups, width), -1, dtype=np.int64)
    np.minimum.at(low, inv, attrs)
    np.maximum.at(high, inv, attrs)
    return np.where(low == high, low, GENERALISED)
