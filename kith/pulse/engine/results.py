"""Aggregating a wave's responses into the groups ("cells") that results are shown for.

A cell is (unit, attribute, value): everyone whose response sits in the unit's subtree, and
when attribute >= 0 whose coarse attribute `attribute` has code `value` (e.g. tenure band 2).
(u, -1, -1) is the whole subtree, no filter.

Everything is vectorised: responses are counted once per "atom group" (the unit a response
sits in, with one attribute value) with `np.bincount`, then rolled up the org tree (children
before parents) with one `np.add.at` per tree level. Nothing loops over responses in Python.
Which cells may be computed at all is decided by suppression.py, not here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.stats import t as student_t

from kith.pulse.engine.instruments import (
    CHOICE,
    ENPS,
    ENPS_DETRACTOR_MAX,
    ENPS_PROMOTER_MIN,
    ITEMS,
    MEAN,
    SUM,
    TEXT,
    Instrument,
    Item,
)

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

Cell = tuple[int, int, int]  # (unit index, attribute index or -1, value code or -1)
NO_FILTER = -1
CONFIDENCE = 0.95


# --- the org tree ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tree:
    """Org units 0..m-1 as a forest: `parent[u]` is u's parent, -1 for a root (usually one
    root, the organisation). The derived arrays are computed once, on construction."""

    parent: IntArray
    depth: IntArray = field(init=False, repr=False, compare=False)  # 0 for roots
    preorder: IntArray = field(init=False, repr=False, compare=False)  # parents first
    tin: IntArray = field(init=False, repr=False, compare=False)  # position in preorder
    # tin + subtree size: the subtree of u is preorder[tin[u]:tout[u]] (Euler tour)
    tout: IntArray = field(init=False, repr=False, compare=False)
    levels: tuple[IntArray, ...] = field(init=False, repr=False, compare=False)  # by depth
    _child_ptr: IntArray = field(init=False, repr=False, compare=False)
    _child_idx: IntArray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parent = np.asarray(self.parent, dtype=np.int64).reshape(-1)
        m = parent.size
        if m and (parent.min() < -1 or parent.max() >= m):
            bad = int(np.flatnonzero((parent < -1) | (parent >= m))[0])
            raise ValueError(f"unit {bad}: parent {int(parent[bad])} is not a unit (0..{m - 1})")
        has_parent = parent >= 0
        child_idx = np.flatnonzero(has_parent)[np.argsort(parent[has_parent], kind="stable")]
        child_ptr = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(np.bincount(parent[has_parent], minlength=m), out=child_ptr[1:])
        preorder, depth, tout = _euler_tour(parent, child_ptr, child_idx)
        tin = np.empty(m, dtype=np.int64)
        tin[preorder] = np.arange(m, dtype=np.int64)
        max_depth = int(depth.max()) if m else -1
        levels = tuple(np.flatnonzero(depth == d) for d in range(max_depth + 1))
        for name, value in (
            ("parent", parent),
            ("depth", depth),
            ("preorder", preorder),
            ("tin", tin),
            ("tout", tout),
            ("levels", levels),
            ("_child_ptr", child_ptr),
            ("_child_idx", child_idx.astype(np.int64)),
        ):
            object.__setattr__(self, name, value)

    @property
    def size(self) -> int:
        return int(self.parent.size)

    @property
    def max_depth(self) -> int:
        return len(self.levels) - 1

    def children(self, unit: int) -> IntArray:
        return self._child_idx[self._child_ptr[unit] : self._child_ptr[unit + 1]]

    def subtree(self, unit: int) -> IntArray:
        """The unit and everyone below it, in preorder."""
        return self.preorder[self.tin[unit] : self.tout[unit]]

    def is_ancestor(self, ancestor: IntArray | int, unit: IntArray | int) -> BoolArray:
        """Elementwise: is `ancestor` the unit itself or above it?"""
        a = np.asarray(ancestor, dtype=np.int64)
        u = np.asarray(unit, dtype=np.int64)
        return np.asarray((self.tin[a] <= self.tin[u]) & (self.tin[u] < self.tout[a]))

    def ancestors_by_depth(self, units: IntArray) -> IntArray:
        """(len(units), max_depth + 1): the ancestor of each unit at each depth, -1 below it."""
        out = np.full((units.size, self.max_depth + 1), -1, dtype=np.int64)
        rows = np.arange(units.size)
        cur = units.astype(np.int64)
        while rows.size:
            out[rows, self.depth[cur]] = cur
            up = self.parent[cur]
            keep = up >= 0
            rows, cur = rows[keep], up[keep]
        return out

    def lca(self, a: IntArray, b: IntArray) -> IntArray:
        """Elementwise lowest common ancestor, -1 when the two are in different roots' trees."""
        a = a.astype(np.int64).copy()
        b = b.astype(np.int64).copy()
        for _ in range(self.max_depth + 1):
            deeper_a = (a >= 0) & (b >= 0) & (self.depth[a] > self.depth[b])
            a[deeper_a] = self.parent[a[deeper_a]]
            deeper_b = (a >= 0) & (b >= 0) & (self.depth[b] > self.depth[a])
            b[deeper_b] = self.parent[b[deeper_b]]
        for _ in range(self.max_depth + 1):
            differ = (a != b) & (a >= 0) & (b >= 0)
            if not differ.any():
                break
            a[differ] = self.parent[a[differ]]
            b[differ] = self.parent[b[differ]]
        return np.where(a == b, a, -1)

    def rollup(self, table: NDArray[np.float64]) -> NDArray[np.float64]:
        """Subtree sums: row u of the result is the sum of `table`'s rows over u's subtree.
        `table` has one row per unit; levels are added bottom-up, children before parents."""
        out = np.array(table, dtype=np.float64, copy=True)
        for units in reversed(self.levels[1:]):
            np.add.at(out, self.parent[units], out[units])
        return out


def _euler_tour(
    parent: IntArray, child_ptr: IntArray, child_idx: IntArray
) -> tuple[IntArray, IntArray, IntArray]:
    """Preorder (children in ascending order), depth and tout, or ValueError on a cycle."""
    m = parent.size
    preorder = np.empty(m, dtype=np.int64)
    depth = np.zeros(m, dtype=np.int64)
    tout = np.zeros(m, dtype=np.int64)
    ptr, idx = child_ptr.tolist(), child_idx.tolist()
    seen = 0
    for root in np.flatnonzero(parent < 0).tolist():
        stack: list[tuple[int, int]] = [(root, 0)]
        while stack:
            unit, d = stack.pop()
            if unit < 0:  # marker: the subtree of ~unit is complete
                tout[~unit] = seen
                continue
            preorder[seen] = unit
            depth[unit] = d
            seen += 1
            stack.append((~unit, d))
            stack.extend((c, d + 1) for c in reversed(idx[ptr[unit] : ptr[unit + 1]]))
    if seen != m:
        raise ValueError(f"the org tree has a cycle: {m - seen} units never reach a root")
    return preorder, depth, tout


# --- people and cells -----------------------------------------------------------------------


def as_people(tree: Tree, unit: IntArray, attrs: IntArray) -> tuple[IntArray, IntArray]:
    """Validated (unit, attrs) arrays: attrs is (n, a); a negative code means "in no filtered
    cell for that attribute"."""
    unit = np.asarray(unit, dtype=np.int64).reshape(-1)
    attrs = np.asarray(attrs, dtype=np.int64)
    if attrs.ndim != 2 or attrs.shape[0] != unit.size:
        raise ValueError(f"attrs must be (n, a) with n = {unit.size}; got {attrs.shape}")
    if unit.size and (unit.min() < 0 or unit.max() >= tree.size):
        bad = int(np.flatnonzero((unit < 0) | (unit >= tree.size))[0])
        raise ValueError(f"row {bad}: unit {int(unit[bad])} is not in the tree")
    return unit, attrs


def attribute_sizes(attrs: IntArray, cells: Iterable[Cell] = ()) -> list[int]:
    """Number of value codes per attribute: enough for the data and for every cell asked."""
    sizes = [int(attrs[:, j].max()) + 1 if attrs.shape[0] else 1 for j in range(attrs.shape[1])]
    for _, j, v in cells:
        if 0 <= j < len(sizes):
            sizes[j] = max(sizes[j], v + 1)
    return [max(s, 1) for s in sizes]


class CellSpace:
    """Numbers every possible cell: (u, -1, -1) -> u; (u, j, v) -> offset[j] + u * V_j + v.
    The same numbering indexes the "groups" responses are counted in before the roll-up."""

    def __init__(self, m: int, sizes: Sequence[int]) -> None:
        self.m = m
        self.sizes = list(sizes)
        offsets = [m]
        for size in self.sizes:
            offsets.append(offsets[-1] + m * size)
        self.offsets = offsets  # offsets[j] for attribute j; offsets[-1] = total
        self.total = offsets[-1]

    def ids(self, cells: Sequence[Cell]) -> IntArray:
        if not cells:
            return np.zeros(0, dtype=np.int64)
        arr = np.array(cells, dtype=np.int64).reshape(-1, 3)
        u, j, v = arr[:, 0], arr[:, 1], arr[:, 2]
        bad = (u < 0) | (u >= self.m) | (j < -1) | (j >= len(self.sizes))
        bad |= np.where(j < 0, v != -1, v < 0)
        if bad.any():
            raise ValueError(f"cell {cells[int(np.flatnonzero(bad)[0])]} is not a valid cell")
        sizes = np.array([1, *self.sizes], dtype=np.int64)[j + 1]
        offsets = np.array([0, *self.offsets[:-1]], dtype=np.int64)[j + 1]
        big = (j >= 0) & (v >= sizes)
        if big.any():
            raise ValueError(f"cell {cells[int(np.flatnonzero(big)[0])]}: value out of range")
        return np.where(j < 0, u, offsets + u * sizes + v)

    def cells(self, ids: IntArray) -> list[Cell]:
        ids = np.sort(np.asarray(ids, dtype=np.int64))
        j = np.searchsorted(np.asarray(self.offsets), ids, side="right") - 1
        filtered = ids >= self.m
        size = np.array([1, *self.sizes], dtype=np.int64)[j + 1]
        offset = np.array([0, *self.offsets[:-1]], dtype=np.int64)[j + 1]
        u, v = np.divmod(ids - offset, size)
        u = np.where(filtered, u, ids)
        j = np.where(filtered, j, NO_FILTER)
        v = np.where(filtered, v, NO_FILTER)
        return list(zip(u.tolist(), j.tolist(), v.tolist(), strict=True))

    def depth_of(self, tree: Tree) -> IntArray:
        """Depth of each cell's unit, by cell id."""
        return np.concatenate([tree.depth, *(np.repeat(tree.depth, s) for s in self.sizes)])

    def filtered(self) -> BoolArray:
        """True for cells with an attribute filter, by cell id."""
        flags = np.ones(self.total, dtype=np.bool_)
        flags[: self.m] = False
        return flags

    def group_keys(self, unit: IntArray, attrs: IntArray) -> tuple[IntArray, IntArray]:
        """(group id, row) pairs: each person is in their unit's group and, per attribute with
        a code, in that (unit, value) group."""
        keys = [unit]
        rows = [np.arange(unit.size, dtype=np.int64)]
        for j, size in enumerate(self.sizes):
            has = attrs[:, j] >= 0
            keys.append(self.offsets[j] + unit[has] * size + attrs[has, j])
            rows.append(np.flatnonzero(has))
        return np.concatenate(keys), np.concatenate(rows)

    def rollup(self, tree: Tree, table: NDArray[np.float64]) -> NDArray[np.float64]:
        """Group sums (by group id, any trailing shape) -> cell sums (by cell id)."""
        out = np.empty_like(table)
        out[: self.m] = tree.rollup(table[: self.m])
        for j in range(len(self.sizes)):
            seg = slice(self.offsets[j], self.offsets[j + 1])
            block = table[seg].reshape(self.m, -1)
            out[seg] = tree.rollup(block).reshape(table[seg].shape)
        return out


def count_by_cell_id(space: CellSpace, tree: Tree, unit: IntArray, attrs: IntArray) -> FloatArray:
    """How many people are in each cell, by cell id (subtrees included)."""
    keys, _ = space.group_keys(unit, attrs)
    table = np.bincount(keys, minlength=space.total).astype(np.float64)
    return space.rollup(tree, table)


def cell_counts(tree: Tree, unit: IntArray, attrs: IntArray) -> dict[Cell, int]:
    """Every non-empty cell and its head count: (u, -1, -1) counts everyone in u's subtree,
    (u, j, v) those of them whose attribute j is v."""
    unit, attrs = as_people(tree, unit, attrs)
    space = CellSpace(tree.size, attribute_sizes(attrs))
    counts = count_by_cell_id(space, tree, unit, attrs)
    ids = np.flatnonzero(counts > 0)
    return dict(zip(space.cells(ids), np.rint(counts[ids]).astype(np.int64).tolist(), strict=True))


# --- results --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Responses:
    """One wave's responses, never linked to a person."""

    unit: IntArray  # (n,) unit index of each response (snapshot at send)
    attrs: IntArray  # (n, a) coarse attribute value codes (>= 0)
    # (n, q) item values already passed through item_value (reverse-scored), NaN = unanswered.
    # Free-text items are not in here.
    values: FloatArray


@dataclass(frozen=True, slots=True)
class ItemStat:
    n: int  # people who answered the item
    mean: float | None  # mean scored value; None for choice items or when n == 0
    # Count per scored value (as in Responses.values, i.e. after reversal: the answer a person
    # chose on a reverse-scored item is lo + hi - key). Every possible value is listed, zeros
    # included, ascending.
    distribution: dict[int, int]
    favourable_pct: float | None  # 0-100; None for choice items, items without a threshold, n == 0


@dataclass(frozen=True, slots=True)
class ScoreStat:
    """One instrument's score in a cell. For "mean"/"sum" instruments: the mean of the
    respondents' scores with a 95% t-interval. For "enps": `mean` is the eNPS itself
    (% promoters - % detractors, -100..100, the same as `enps`), its interval from the
    standard error of the per-person +100/0/-100 values, and favourable_pct is % promoters.
    Intervals are clipped to the instrument's score range."""

    n: int  # respondents with a score
    mean: float
    ci_low: float
    ci_high: float
    favourable_pct: float | None  # 0-100
    enps: float | None = None


@dataclass(frozen=True, slots=True)
class CellResult:
    cell: Cell
    respondents: int
    items: dict[str, ItemStat]  # every item, by key
    scores: dict[str, ScoreStat]  # instruments with a scale score and >= 1 scored respondent


class _Aggregator:
    """Sums per-response quantities over the requested cells."""

    def __init__(self, tree: Tree, unit: IntArray, attrs: IntArray, cells: list[Cell]) -> None:
        self.tree = tree
        self.space = CellSpace(tree.size, attribute_sizes(attrs, cells))
        self.keys, self.rows = self.space.group_keys(unit, attrs)
        self.cell_ids = self.space.ids(cells)

    def sums(self, weight: FloatArray) -> FloatArray:
        """(cells,) sum of `weight` over each cell's responses."""
        return self.by_value(weight, np.zeros(weight.size, dtype=np.int64), 1)[:, 0]

    def by_value(self, weight: FloatArray, sub: IntArray, width: int) -> FloatArray:
        """(cells, width): sum of `weight` per cell and per `sub` code (0..width-1)."""
        key = self.keys * width + sub[self.rows]
        sums = np.bincount(key, weights=weight[self.rows], minlength=self.space.total * width)
        table = np.asarray(sums, dtype=np.float64).reshape(self.space.total, width)
        return self.space.rollup(self.tree, table)[self.cell_ids]


def compute(
    items: Sequence[Item],
    instruments: Sequence[Instrument],
    tree: Tree,
    responses: Responses,
    cells: Iterable[Cell],
) -> dict[Cell, CellResult]:
    """Results for the given cells only (the caller passes the publishable ones).

    `items` are the columns of `responses.values`, in order. Each instrument's items must all
    be among them. Per respondent and instrument the score follows `instrument_score`; per
    cell: the mean score, a 95% t-interval (n = 1: the mean itself), the favourable percent
    and, for eNPS, % promoters - % detractors.
    """
    unit, attrs = as_people(tree, responses.unit, responses.attrs)
    values = np.asarray(responses.values, dtype=np.float64)
    if values.shape != (unit.size, len(items)):
        raise ValueError(f"values must be ({unit.size}, {len(items)}); got {values.shape}")
    column = _columns(items)
    wanted = sorted(set(cells))
    agg = _Aggregator(tree, unit, attrs, wanted)
    respondents = np.rint(agg.sums(np.ones(unit.size))).astype(np.int64).tolist()
    item_stats = [_item_stats(item, values[:, i], agg) for i, item in enumerate(items)]
    score_stats = {
        inst.key: _score_stats(inst, _scores(inst, values, column), agg)
        for inst in instruments
        if inst.scoring != ITEMS
    }
    keys = [item.key for item in items]
    results: dict[Cell, CellResult] = {}
    for c, cell in enumerate(wanted):
        results[cell] = CellResult(
            cell=cell,
            respondents=respondents[c],
            items={key: stats[c] for key, stats in zip(keys, item_stats, strict=True)},
            scores={key: s for key, stats in score_stats.items() if (s := stats[c]) is not None},
        )
    return results


def _columns(items: Sequence[Item]) -> dict[str, int]:
    column: dict[str, int] = {}
    for i, item in enumerate(items):
        if item.kind == TEXT:
            raise ValueError(f"item {item.key!r} is free text; it has no column in the values")
        if item.key in column:
            raise ValueError(f"item {item.key!r} appears twice")
        column[item.key] = i
    return column


def _item_stats(item: Item, x: FloatArray, agg: _Aggregator) -> list[ItemStat]:
    allowed = np.array(item.scored_values, dtype=np.float64)
    answered = ~np.isnan(x)
    bad = answered & ~np.isin(x, allowed)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"item {item.key!r}, response {row}: {float(x[row])} is not a scored value"
        )
    sub = np.searchsorted(allowed, np.where(answered, x, allowed[0])).astype(np.int64)
    dist = np.rint(agg.by_value(answered.astype(np.float64), sub, allowed.size)).astype(np.int64)
    n = dist.sum(axis=1)
    safe_n = np.maximum(n, 1)
    means = (dist @ allowed) / safe_n
    favourable = _favourable_mask(item, allowed)
    fav_pct = 100.0 * dist[:, favourable].sum(axis=1) / safe_n
    value_keys = [int(v) for v in allowed.tolist()]
    counts = n.tolist()
    means_or_none = _none_where_empty(means, counts) if item.kind != CHOICE else None
    fav_or_none = _none_where_empty(fav_pct, counts) if item.has_favourable else None
    return [
        ItemStat(
            count,
            None if means_or_none is None else means_or_none[c],
            dict(zip(value_keys, row, strict=True)),
            None if fav_or_none is None else fav_or_none[c],
        )
        for c, (count, row) in enumerate(zip(counts, dist.tolist(), strict=True))
    ]


def _none_where_empty(x: FloatArray, counts: list[int]) -> list[float | None]:
    return [v if n else None for v, n in zip(x.tolist(), counts, strict=True)]


def _favourable_mask(item: Item, allowed: FloatArray) -> BoolArray:
    mask = np.zeros(allowed.size, dtype=np.bool_)
    if item.favourable_min is not None:
        mask |= allowed >= item.favourable_min
    if item.favourable_max is not None:
        mask |= allowed <= item.favourable_max
    return mask


def _scores(inst: Instrument, values: FloatArray, column: dict[str, int]) -> FloatArray:
    """(n,) each respondent's score on `inst`, NaN when they have none (vectorised
    `instrument_score`)."""
    missing = [i.key for i in inst.items if i.key not in column]
    if missing:
        raise ValueError(f"instrument {inst.key!r}: items {', '.join(missing)} are not in the wave")
    block = values[:, [column[i.key] for i in inst.items]]
    answered = (~np.isnan(block)).sum(axis=1)
    total = np.nansum(block, axis=1)
    k = len(inst.items)
    if inst.scoring == MEAN:
        ok = (answered > 0) & (2 * answered >= k)
        return np.where(ok, total / np.maximum(answered, 1), np.nan)
    if inst.scoring == SUM:
        return np.where(answered == k, total, np.nan)
    if inst.scoring == ENPS:
        return block[:, 0].copy()
    raise ValueError(f"instrument {inst.key!r}: scoring {inst.scoring!r} has no score")


def _score_stats(inst: Instrument, score: FloatArray, agg: _Aggregator) -> list[ScoreStat | None]:
    has = ~np.isnan(score)
    s = np.where(has, score, 0.0)
    favourable = np.zeros(score.size, dtype=np.bool_)
    if inst.favourable_score_min is not None:
        favourable = favourable | (has & (s >= inst.favourable_score_min))
    if inst.favourable_score_max is not None:
        favourable = favourable | (has & (s <= inst.favourable_score_max))
    if inst.scoring == ENPS:
        promoter = has & (s >= ENPS_PROMOTER_MIN)
        detractor = has & (s <= ENPS_DETRACTOR_MAX)
        x = 100.0 * promoter - 100.0 * detractor
        shift = 0.0
    else:
        x = s
        shift = (inst.score_range[0] + inst.score_range[1]) / 2  # less cancellation in var
    centred = np.where(has, x - shift, 0.0)
    n = np.rint(agg.sums(has.astype(np.float64))).astype(np.int64)
    total = agg.sums(centred)
    squares = agg.sums(centred * centred)
    fav = agg.sums(favourable.astype(np.float64))
    safe_n = np.maximum(n, 1)
    mean_c = total / safe_n
    var = np.maximum(squares - total * mean_c, 0.0) / np.maximum(n - 1, 1)
    half = _t_quantile(n) * np.sqrt(var / safe_n)
    lo_range, hi_range = inst.score_range
    mean = mean_c + shift
    low = np.clip(mean - half, lo_range, hi_range)
    high = np.clip(mean + half, lo_range, hi_range)
    pct = 100.0 * fav / safe_n
    has_fav = inst.favourable_score_min is not None or inst.favourable_score_max is not None
    is_enps = inst.scoring == ENPS
    stats: list[ScoreStat | None] = []
    for count, m_, lo, hi, p in zip(
        n.tolist(), mean.tolist(), low.tolist(), high.tolist(), pct.tolist(), strict=True
    ):
        if count == 0:
            stats.append(None)
            continue
        stats.append(
            ScoreStat(
                n=count,
                mean=m_,
                ci_low=lo,
                ci_high=hi,
                favourable_pct=p if has_fav else None,
                enps=m_ if is_enps else None,
            )
        )
    return stats


def _t_quantile(n: IntArray) -> FloatArray:
    """Two-sided 95% Student t critical value with n - 1 degrees of freedom (0 for n <= 1,
    so a single respondent's interval is the mean itself)."""
    q = np.zeros(n.size, dtype=np.float64)
    many = n > 1
    if many.any():
        q[many] = np.asarray(student_t.ppf(0.5 + CONFIDENCE / 2, n[many] - 1), dtype=np.float64)
    return q
