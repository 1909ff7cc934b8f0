"""Span of control over the manager tree, in numpy: no Django, no database.

People are positions 0..n-1; `manager[i]` is the position of i's manager, or -1 (no manager,
or one outside the people given). Everything below is linear or n·log n in the number of
people, so the whole organisation of 100k people takes milliseconds (bench/span.py):

- direct reports: one bincount of `manager`;
- reporting line (everyone below, all levels): depths by pointer jumping, then each level,
  deepest first, adds its subtree sizes to its managers;
- implied 1:1 time and 1:1 coverage: bincounts of per-report figures onto their managers;
  coverage as anyone but the manager sees it is withheld for small teams and rounded;
- flags, archetype bands and the distribution: comparisons and counts.

Bad data can hold a loop of managers (the HRIS import refuses one, an API client might not):
the loop is cut at its lowest position so that every figure is still defined and finite.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

NO_FLAG, WIDE, TOO_WIDE = 0, 1, 2
FLAG_KEYS = ("none", "wide", "too wide")


@dataclass(frozen=True)
class Band:
    """A range of direct reports; the archetypes of McKinsey's "spans of control" (3–5
    player/coach up to 15+ coordinator), with the narrowest spans as a band of their own."""

    key: str
    low: int
    high: int | None  # inclusive; None: no upper end

    def holds(self, span: int) -> bool:
        return span >= self.low and (self.high is None or span <= self.high)

    @property
    def label(self) -> str:
        if self.high is None:
            return f"{self.low - 1}+"
        return f"{self.low}–{self.high}"


# McKinsey puts 15 in both "facilitator 11–15" and "coordinator 15+"; 15 goes to the
# facilitator here, so every span has exactly one archetype.
BANDS: tuple[Band, ...] = (
    Band("narrow", 1, 2),
    Band("player_coach", 3, 5),
    Band("coach", 6, 7),
    Band("supervisor", 8, 10),
    Band("facilitator", 11, 15),
    Band("coordinator", 16, None),
)


def positions(ids: IntArray, wanted: IntArray) -> IntArray:
    """The position of each of `wanted` in the sorted unique `ids`, or -1 where it is not
    there (a manager who left, or outside the reporting line being looked at)."""
    ids = np.asarray(ids, dtype=np.int64)
    wanted = np.asarray(wanted, dtype=np.int64)
    if ids.size == 0:
        return np.full(wanted.shape, -1, dtype=np.int64)
    at = np.searchsorted(ids, wanted)
    at = np.minimum(at, ids.size - 1)
    return np.where(ids[at] == wanted, at, -1).astype(np.int64)


def direct_reports(manager: IntArray) -> IntArray:
    n = manager.size
    has = manager >= 0
    return np.bincount(manager[has], minlength=n).astype(np.int64)[:n]


def _jump(manager: IntArray) -> tuple[IntArray, BoolArray]:
    """Depth of every position (roots 0) by pointer jumping, and which positions never reach
    a root (in a loop, or below one)."""
    n = manager.size
    parent = np.append(np.where(manager >= 0, manager, n), n)  # n: a sentinel above roots
    depth = np.append((manager >= 0).astype(np.int64), 0)
    jump = parent
    for _ in range(max(1, math.ceil(math.log2(n + 1))) + 1):
        if bool((jump[:n] == n).all()):
            break
        depth = depth + depth[jump]
        jump = jump[jump]
    return depth[:n], jump[:n] != n


def without_loops(manager: IntArray) -> IntArray:
    """`manager` with every loop cut at its lowest position (made a root). Loops are bad data
    and rare, so the positions caught in or below one are walked one by one."""
    _, stuck = _jump(manager)
    if not bool(stuck.any()):
        return manager
    cut = manager.copy()
    state = np.zeros(manager.size, dtype=np.int8)  # 0 unseen, 1 on the walk, 2 done
    for start in np.flatnonzero(stuck).tolist():
        walk: list[int] = []
        node = start
        while node >= 0 and state[node] == 0:
            state[node] = 1
            walk.append(node)
            node = int(cut[node])
        if node >= 0 and state[node] == 1:  # came back to this walk: a loop
            loop = walk[walk.index(node) :]
            cut[min(loop)] = -1
        state[walk] = 2
    return cut


def reporting_line(manager: IntArray) -> IntArray:
    """How many people sit below each position, at every level."""
    manager = without_loops(manager)
    n = manager.size
    depth, _ = _jump(manager)
    size = np.zeros(n, dtype=np.int64)
    order = np.argsort(-depth, kind="stable")
    levels = np.split(order, np.flatnonzero(np.diff(depth[order])) + 1)
    for level in levels:
        if level.size == 0 or depth[level[0]] == 0:
            break
        np.add.at(size, manager[level], size[level] + 1)
    return size


def below(manager: IntArray, root: int) -> BoolArray:
    """Who sits below `root`, at any level (root excluded): each level, top down, inherits
    from its managers."""
    manager = without_loops(manager)
    depth, _ = _jump(manager)
    inside = np.zeros(manager.size, dtype=np.bool_)
    inside[root] = True
    deeper = np.flatnonzero(depth > depth[root])
    order = deeper[np.argsort(depth[deeper], kind="stable")]
    for level in np.split(order, np.flatnonzero(np.diff(depth[order])) + 1):
        if level.size:
            inside[level] = inside[manager[level]]
    inside[root] = False
    return inside


def flags(direct: IntArray, *, warn_at: int, alert_at: int) -> NDArray[np.int8]:
    """0 none, 1 wide (>= warn_at), 2 too wide (>= alert_at)."""
    out = np.zeros(direct.size, dtype=np.int8)
    out[direct >= warn_at] = WIDE
    out[direct >= alert_at] = TOO_WIDE
    return out


def bands(direct: IntArray) -> NDArray[np.int8]:
    """The index into BANDS of each span; -1 for people without reports."""
    out = np.full(direct.size, -1, dtype=np.int8)
    for index, band in enumerate(BANDS):
        inside = direct >= band.low
        if band.high is not None:
            inside &= direct <= band.high
        out[inside] = index
    return out


def weekly_minutes(manager: IntArray, cadence_days: FloatArray, minutes: float) -> FloatArray:
    """The 1:1 time each position's cadences imply per week: the sum over their direct
    reports of minutes × 7 / cadence in days."""
    has = manager >= 0
    weights = minutes * 7.0 / cadence_days[has]
    out = np.bincount(manager[has], weights=weights, minlength=manager.size)[: manager.size]
    return out.astype(np.float64)


def coverage(manager: IntArray, held: BoolArray) -> FloatArray:
    """The share of each position's direct reports with a held 1:1 (NaN without reports)."""
    has = manager >= 0
    n = manager.size
    met = np.bincount(manager[has], weights=held[has].astype(np.float64), minlength=n)[:n]
    direct = np.bincount(manager[has], minlength=n)[:n]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(direct > 0, met / np.maximum(direct, 1), np.nan)


COVERAGE_STEP = 0.1  # what anyone but the manager sees: the share rounded to 10 % steps


def shown_coverage(coverage: FloatArray, direct: IntArray, *, min_reports: int) -> FloatArray:
    """Coverage as others may see it: NaN (withheld) for fewer than `min_reports` direct
    reports, where a share would tell whether one named person had a 1:1; otherwise rounded
    to 10 % steps (halves up), never finer."""
    coverage = np.asarray(coverage, dtype=np.float64)
    direct = np.asarray(direct, dtype=np.int64)
    steps = np.floor(coverage / COVERAGE_STEP + 0.5 + 1e-9) * COVERAGE_STEP
    steps = np.round(steps, 1)
    return np.where((direct >= max(min_reports, 1)) & ~np.isnan(coverage), steps, np.nan)


def pair_values(
    manager: IntArray,
    pair_manager: IntArray,
    pair_report: IntArray,
    values: FloatArray,
    default: float,
) -> FloatArray:
    """A value per report from the pairs (manager, report) that match the report's current
    manager; `default` for reports without such a pair. Positions are -1 outside."""
    out = np.full(manager.size, float(default), dtype=np.float64)
    ok = (pair_report >= 0) & (pair_manager >= 0)
    ok[ok] = manager[pair_report[ok]] == pair_manager[ok]
    out[pair_report[ok]] = values[ok]
    return out


@dataclass(frozen=True)
class Spans:
    """Per position: the figures of the people who manage (direct > 0); zero or NaN for
    everyone else."""

    direct: IntArray
    line: IntArray
    weekly_minutes: FloatArray
    coverage: FloatArray
    flag: NDArray[np.int8]
    band: NDArray[np.int8]

    @property
    def managers(self) -> IntArray:
        return np.flatnonzero(self.direct > 0).astype(np.int64)


def spans(
    manager: IntArray,
    *,
    cadence_days: FloatArray,
    held: BoolArray,
    minutes: float,
    warn_at: int,
    alert_at: int,
) -> Spans:
    """Every figure at once. `cadence_days[i]` and `held[i]` describe i as a report: the
    cadence of their 1:1 with their current manager, and whether one was held lately."""
    manager = np.asarray(manager, dtype=np.int64)
    direct = direct_reports(manager)
    return Spans(
        direct=direct,
        line=reporting_line(manager),
        weekly_minutes=weekly_minutes(manager, np.asarray(cadence_days, np.float64), minutes),
        coverage=coverage(manager, np.asarray(held, dtype=np.bool_)),
        flag=flags(direct, warn_at=warn_at, alert_at=alert_at),
        band=bands(direct),
    )


@dataclass(frozen=True)
class Distribution:
    managers: int
    median: float
    mean: float
    bands: dict[str, int]  # band label ("3–5") -> managers
    wide: int  # at or above warn, below alert
    too_wide: int  # at or above alert

    @property
    def flagged(self) -> int:
        return self.wide + self.too_wide

    @property
    def flagged_share(self) -> float:
        return self.flagged / self.managers if self.managers else 0.0


def distribution(direct: IntArray, *, warn_at: int, alert_at: int) -> Distribution:
    spans_ = direct[direct > 0]
    counts = np.bincount(bands(spans_).astype(np.int64), minlength=len(BANDS))
    return Distribution(
        managers=int(spans_.size),
        median=float(np.median(spans_)) if spans_.size else 0.0,
        mean=round(float(spans_.mean()), 2) if spans_.size else 0.0,
        bands={band.label: int(counts[i]) for i, band in enumerate(BANDS)},
        wide=int(((spans_ >= warn_at) & (spans_ < alert_at)).sum()),
        too_wide=int((spans_ >= alert_at).sum()),
    )


def teams_needed(direct: int, *, warn_at: int) -> int:
    """How many teams `direct` reports split into so that none is flagged (each below
    `warn_at`)."""
    largest = max(warn_at - 1, 1)
    return max(1, math.ceil(direct / largest))


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float

    @property
    def centre(self) -> float:
        return round(self.x + self.width / 2, 1)

    @property
    def value_y(self) -> float:
        """Where the bar's count sits: just above it."""
        return round(self.y - 6, 1)


def bars(
    counts: Sequence[tuple[str, int]], *, width: float, height: float, gap: float = 8.0
) -> list[Bar]:
    """Geometry of a bar chart with its baseline at `height`: the tallest bar fills it."""
    if not counts:
        return []
    top = max(max(value for _, value in counts), 1)
    step = width / len(counts)
    return [
        Bar(
            label=label,
            value=value,
            x=round(i * step + gap / 2, 1),
            y=round(height - height * value / top, 1),
            width=round(step - gap, 1),
            height=round(height * value / top, 1),
        )
        for i, (label, value) in enumerate(counts)
    ]
