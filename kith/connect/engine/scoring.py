"""How well two people fit for a Connect round, and whether they may meet at all.

Two views of the same rules: `pair_score` / `is_allowed` for one pair of `Participant`s (what
the Django side and the tests call), and `Population`, the same arithmetic over numpy arrays
for millions of pairs at once (what the matcher calls). Both add the same float terms in the
same order, so they agree to the last bit.

Score of a pair (every term is 0..1 times its weight; negative weights count as 0):

- different_team / different_department: 1 when the two units differ. A missing unit (-1) on
  both sides says nothing, so it scores 0.
- shared_interests: count-based, min(shared, 3) / 3. Jaccard would punish people who list
  many interests; three shared interests is plenty to start a conversation.
- working_hours_overlap: min(overlap, 8 h) / 8 h, overlap = minutes both are at work in the
  week. Unknown hours on either side score 0.
- same_city: 1 when both cities are known and equal, plus IN_PERSON_BONUS when one of them
  prefers to meet in person (their contact preference).
- seniority_mix: 1 when tenure bands differ (< 1 y, 1-3 y, 3-7 y, 7 y+); new joiners are in
  the first band; unknown tenure (0 days, not a new joiner) scores 0.
- new_joiners_first: 1 when either is a new joiner, so joiners are placed before others.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from kith.connect.engine.types import Participant, Rules, Weights

TENURE_BAND_EDGES_DAYS = (365, 3 * 365, 7 * 365)
OVERLAP_FULL_MINUTES = 8 * 60
SHARED_INTERESTS_FULL = 3
# How much more a shared city counts when someone in the pair prefers meeting in person.
IN_PERSON_BONUS = 1.0
_CHUNK = 1 << 19  # pairs scored per numpy pass; bounds the temporaries (~40 MB)
# Working-hour patterns repeat (a city, a usual start time): with at most this many distinct
# patterns the overlap of every two patterns is computed once, up front, as a table.
MAX_PATTERNS_FOR_TABLE = 1500

Windows = tuple[tuple[int, int], ...]
IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


# --- one pair ---------------------------------------------------------------------------------


def merged_windows(windows: Iterable[tuple[int, int]]) -> Windows:
    """Sorted, non-empty, non-overlapping intervals (touching ones joined)."""
    return _merged(tuple(windows))


@lru_cache(maxsize=8192)  # working-hour patterns repeat a lot across people
def _merged(windows: Windows) -> Windows:
    merged: list[list[int]] = []
    for start, end in sorted((int(s), int(e)) for s, e in windows if e > s):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((s, e) for s, e in merged)


def overlap_minutes(a: Windows, b: Windows) -> int:
    """Minutes inside both sets of intervals (each set merged first)."""
    a, b = merged_windows(a), merged_windows(b)
    total, i, j = 0, 0, 0
    while i < len(a) and j < len(b):
        total += max(0, min(a[i][1], b[j][1]) - max(a[i][0], b[j][0]))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


def tenure_band(person: Participant) -> int:
    """0..3 for < 1 y, 1-3 y, 3-7 y, 7 y+; -1 when unknown."""
    if person.is_new_joiner:
        return 0
    if person.tenure_days <= 0:
        return -1
    return bisect.bisect_right(TENURE_BAND_EDGES_DAYS, person.tenure_days)


def units_differ(a: int, b: int) -> bool:
    return a != b and not (a == -1 and b == -1)


def _positive(weight: float) -> float:
    return float(weight) if weight > 0 else 0.0


def pair_score(a: Participant, b: Participant, weights: Weights) -> float:
    """The pair's score (>= 0); see the module docstring for the terms."""
    shared = len(a.interests & b.interests)
    overlap = overlap_minutes(a.work_windows, b.work_windows)
    band_a, band_b = tenure_band(a), tenure_band(b)
    score = 0.0
    score += _positive(weights.different_team) * float(units_differ(a.team, b.team))
    score += _positive(weights.different_department) * float(
        units_differ(a.department, b.department)
    )
    score += _positive(weights.shared_interests) * (
        min(shared, SHARED_INTERESTS_FULL) / SHARED_INTERESTS_FULL
    )
    score += _positive(weights.working_hours_overlap) * (
        min(overlap, OVERLAP_FULL_MINUTES) / OVERLAP_FULL_MINUTES
    )
    same_city = bool(a.city) and a.city == b.city
    score += _positive(weights.same_city) * float(same_city)
    score += (_positive(weights.same_city) * IN_PERSON_BONUS) * float(
        same_city and (a.prefers_in_person or b.prefers_in_person)
    )
    score += _positive(weights.seniority_mix) * float(
        band_a >= 0 and band_b >= 0 and band_a != band_b
    )
    score += _positive(weights.new_joiners_first) * float(a.is_new_joiner or b.is_new_joiner)
    return score


def is_allowed(a: Participant, b: Participant, rules: Rules) -> bool:
    """Whether the hard rules let these two meet (in a pair, or inside a group)."""
    if a.id == b.id:
        return False
    if (a.id, b.id) in rules.forbidden_pairs or (b.id, a.id) in rules.forbidden_pairs:
        return False
    if rules.avoid_manager_pairs and (a.manager == b.id or b.manager == a.id):
        return False
    if rules.min_overlap_minutes > 0 and a.work_windows and b.work_windows:
        return overlap_minutes(a.work_windows, b.work_windows) >= rules.min_overlap_minutes
    return True


# --- many pairs at once -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Population:
    """The participants of one round as arrays, indexed 0..n-1 in the order given."""

    ids: IntArray
    team: IntArray
    department: IntArray
    city: IntArray  # code per distinct city; -1 when unknown
    band: IntArray  # tenure band, -1 when unknown
    joiner: BoolArray
    in_person: BoolArray  # prefers meeting in person
    manager: IntArray  # index of their manager in this round, -1 when absent
    pattern: IntArray  # index of their working-hours pattern (distinct merged windows)
    starts: IntArray  # (w, patterns): each pattern's windows, padded with empty intervals
    ends: IntArray
    overlap_table: IntArray  # (patterns, patterns) minutes, or (0, 0) when too many
    has_windows: BoolArray
    interest_bits: NDArray[np.uint64]  # (n, words): interests held by 2+ people
    forbidden: IntArray  # sorted lo * n + hi keys of forbidden pairs inside the round
    forbidden_filter: NDArray[np.bool_]  # hashed keys: False means surely not forbidden
    weights: tuple[float, ...]  # the seven weights, clamped at 0, in pair_score's order
    avoid_manager_pairs: bool
    min_overlap_minutes: int

    @property
    def size(self) -> int:
        return int(self.ids.size)

    @classmethod
    def build(cls, people: Sequence[Participant], weights: Weights, rules: Rules) -> Population:
        ids = np.array([p.id for p in people], dtype=np.int64)
        if np.any(ids[1:] <= ids[:-1]):
            raise ValueError("participants must be sorted by id, each id once")
        index = {int(pid): i for i, pid in enumerate(ids)}
        pattern, patterns = _patterns([merged_windows(p.work_windows) for p in people])
        starts, ends = _window_arrays(patterns)
        return cls(
            ids=ids,
            team=np.array([p.team for p in people], dtype=np.int64),
            department=np.array([p.department for p in people], dtype=np.int64),
            city=_codes([p.city for p in people]),
            band=np.array([tenure_band(p) for p in people], dtype=np.int64),
            joiner=np.array([p.is_new_joiner for p in people], dtype=np.bool_),
            in_person=np.array([p.prefers_in_person for p in people], dtype=np.bool_),
            manager=np.array(
                [index.get(p.manager, -1) if p.manager is not None else -1 for p in people],
                dtype=np.int64,
            ),
            pattern=pattern,
            starts=starts,
            ends=ends,
            overlap_table=_overlap_table(starts, ends),
            has_windows=np.asarray((ends > starts).any(axis=0))[pattern],
            interest_bits=_interest_bits([p.interests for p in people]),
            forbidden=(forbidden := _forbidden_keys(rules.forbidden_pairs, ids)),
            forbidden_filter=_key_filter(forbidden),
            weights=tuple(
                _positive(w)
                for w in (
                    weights.different_team,
                    weights.different_department,
                    weights.shared_interests,
                    weights.working_hours_overlap,
                    weights.same_city,
                    weights.seniority_mix,
                    weights.new_joiners_first,
                )
            ),
            avoid_manager_pairs=rules.avoid_manager_pairs,
            min_overlap_minutes=max(0, int(rules.min_overlap_minutes)),
        )

    def scores(self, u: IntArray, v: IntArray) -> FloatArray:
        """pair_score for every (u[i], v[i]), bit for bit."""
        return self.evaluate(u, v)[0]

    def allowed(self, u: IntArray, v: IntArray) -> BoolArray:
        """is_allowed for every (u[i], v[i])."""
        out = np.empty(u.size, dtype=np.bool_)
        for lo in range(0, u.size, _CHUNK):
            a, b = u[lo : lo + _CHUNK], v[lo : lo + _CHUNK]
            out[lo : lo + _CHUNK] = self._allowed(a, b, self._minutes(a, b))
        return out

    def evaluate(
        self, u: IntArray, v: IntArray, *, check_list: bool = True
    ) -> tuple[FloatArray, BoolArray]:
        """(scores, allowed) for every (u[i], v[i]), sharing the work of both. With
        check_list=False the forbidden-pairs list (the costly lookup) is left to the caller:
        see `listed`."""
        scores = np.empty(u.size, dtype=np.float64)
        allowed = np.empty(u.size, dtype=np.bool_)
        for lo in range(0, u.size, _CHUNK):
            a, b = u[lo : lo + _CHUNK], v[lo : lo + _CHUNK]
            minutes = self._minutes(a, b)
            scores[lo : lo + _CHUNK] = self._scores(a, b, minutes)
            allowed[lo : lo + _CHUNK] = self._allowed(a, b, minutes, check_list=check_list)
        return scores, allowed

    def listed(self, u: IntArray, v: IntArray) -> BoolArray:
        """On the forbidden-pairs list (met recently, do-not-pair)."""
        out = np.zeros(u.size, dtype=np.bool_)
        if not self.forbidden.size:
            return out
        keys = np.minimum(u, v) * self.size + np.maximum(u, v)
        # A hashed filter first: a binary search only for the few keys it cannot rule out.
        maybe = np.flatnonzero(self.forbidden_filter[_key_hash(keys, self.forbidden_filter.size)])
        at = np.minimum(np.searchsorted(self.forbidden, keys[maybe]), self.forbidden.size - 1)
        out[maybe] = self.forbidden[at] == keys[maybe]
        return out

    def blocked_by(self, person: int) -> tuple[BoolArray, BoolArray]:
        """For one person against everyone: (ruled out by lists or managers, too little
        overlap). Used to explain why someone was left unmatched."""
        others = np.arange(self.size, dtype=np.int64)
        me = np.full(self.size, person, dtype=np.int64)
        listed = self._listed(me, others) | (others == person)
        return listed, ~listed & ~self._overlap_ok(me, others, self.overlap(me, others))

    def overlap(self, u: IntArray, v: IntArray) -> IntArray:
        pu, pv = self.pattern[u], self.pattern[v]
        if self.overlap_table.size:
            return self.overlap_table[pu, pv]
        return _interval_overlap(self.starts, self.ends, pu, pv)

    def shared_interests(self, u: IntArray, v: IntArray) -> IntArray:
        both = self.interest_bits[u] & self.interest_bits[v]
        counts: IntArray = np.bitwise_count(both).sum(axis=1, dtype=np.int64)
        return counts

    def _minutes(self, u: IntArray, v: IntArray) -> IntArray | None:
        """Overlap minutes when a score term or the rule needs them."""
        if self.weights[3] or self.min_overlap_minutes > 0:
            return self.overlap(u, v)
        return None

    def _scores(self, u: IntArray, v: IntArray, minutes: IntArray | None) -> FloatArray:
        """The same terms in the same order as pair_score. Adding a weight where a term is 1
        equals adding weight * 1.0 and, elsewhere, 0.0, so the sums agree bit for bit."""
        w_team, w_dept, w_interests, w_overlap, w_city, w_seniority, w_joiner = self.weights
        score = np.zeros(u.size, dtype=np.float64)
        if w_team:
            np.add(score, w_team, out=score, where=_differ(self.team[u], self.team[v]))
        if w_dept:
            differ = _differ(self.department[u], self.department[v])
            np.add(score, w_dept, out=score, where=differ)
        if w_interests:
            shared = np.minimum(self.shared_interests(u, v), SHARED_INTERESTS_FULL)
            score += w_interests * (shared / SHARED_INTERESTS_FULL)
        if w_overlap and minutes is not None:
            capped = np.minimum(minutes, OVERLAP_FULL_MINUTES)
            score += w_overlap * (capped / OVERLAP_FULL_MINUTES)
        if w_city:
            cu = self.city[u]
            same = (cu >= 0) & (cu == self.city[v])
            np.add(score, w_city, out=score, where=same)
            if self.in_person.any():
                keen = same & (self.in_person[u] | self.in_person[v])
                np.add(score, w_city * IN_PERSON_BONUS, out=score, where=keen)
        if w_seniority:
            bu, bv = self.band[u], self.band[v]
            np.add(score, w_seniority, out=score, where=(bu >= 0) & (bv >= 0) & (bu != bv))
        if w_joiner:
            np.add(score, w_joiner, out=score, where=self.joiner[u] | self.joiner[v])
        return score

    def _allowed(
        self, u: IntArray, v: IntArray, minutes: IntArray | None, *, check_list: bool = True
    ) -> BoolArray:
        ok: BoolArray = (u != v) & self._overlap_ok(u, v, minutes)
        if self.avoid_manager_pairs:
            ok &= (self.manager[u] != v) & (self.manager[v] != u)
        if check_list:
            ok &= ~self.listed(u, v)
        return ok

    def _listed(self, u: IntArray, v: IntArray) -> BoolArray:
        """Forbidden by the do-not-pair/history list or a manager line."""
        blocked = self.listed(u, v)
        if self.avoid_manager_pairs:
            blocked |= (self.manager[u] == v) | (self.manager[v] == u)
        return blocked

    def _overlap_ok(self, u: IntArray, v: IntArray, minutes: IntArray | None) -> BoolArray:
        if self.min_overlap_minutes <= 0 or minutes is None:
            return np.ones(u.size, dtype=np.bool_)
        exempt = ~(self.has_windows[u] & self.has_windows[v])
        ok: BoolArray = exempt | (minutes >= self.min_overlap_minutes)
        return ok


def _differ(a: IntArray, b: IntArray) -> BoolArray:
    differ: BoolArray = (a != b) & ((a != -1) | (b != -1))
    return differ


def _codes(values: Sequence[str]) -> IntArray:
    """A small integer per distinct non-empty value, in order of first appearance."""
    codes: dict[str, int] = {}
    return np.array(
        [codes.setdefault(value, len(codes)) if value else -1 for value in values],
        dtype=np.int64,
    )


def _patterns(windows: Sequence[Windows]) -> tuple[IntArray, list[Windows]]:
    """Each person's pattern number, and the distinct patterns in order of first use."""
    number: dict[Windows, int] = {}
    pattern = np.array([number.setdefault(w, len(number)) for w in windows], dtype=np.int64)
    return pattern, list(number)


def _window_arrays(patterns: Sequence[Windows]) -> tuple[IntArray, IntArray]:
    """(w, patterns) starts and ends: one row per window slot, so a slot is contiguous."""
    width = max((len(w) for w in patterns), default=0)
    starts = np.zeros((max(width, 1), max(len(patterns), 1)), dtype=np.int64)
    ends = np.zeros_like(starts)
    for col, intervals in enumerate(patterns):
        for row, (start, end) in enumerate(intervals):
            starts[row, col], ends[row, col] = start, end
    return starts, ends


def _interval_overlap(starts: IntArray, ends: IntArray, pu: IntArray, pv: IntArray) -> IntArray:
    """Minutes in common between patterns pu[i] and pv[i] (merged, so disjoint, windows)."""
    total = np.zeros(pu.size, dtype=np.int64)
    su, eu = [row[pu] for row in starts], [row[pu] for row in ends]
    sv, ev = [row[pv] for row in starts], [row[pv] for row in ends]
    for i in range(len(su)):
        for j in range(len(sv)):
            total += np.maximum(np.minimum(eu[i], ev[j]) - np.maximum(su[i], sv[j]), 0)
    return total


def _overlap_table(starts: IntArray, ends: IntArray) -> IntArray:
    count = starts.shape[1]
    if count > MAX_PATTERNS_FOR_TABLE:
        return np.zeros((0, 0), dtype=np.int64)
    table = np.zeros((count, count), dtype=np.int64)
    for i in range(starts.shape[0]):
        for j in range(starts.shape[0]):
            common = np.minimum(ends[i][:, None], ends[j][None, :]) - np.maximum(
                starts[i][:, None], starts[j][None, :]
            )
            table += np.maximum(common, 0)
    return table


def _interest_bits(interests: Sequence[frozenset[str]]) -> NDArray[np.uint64]:
    """One bit per interest that at least two people hold (others are never shared)."""
    counts: dict[str, int] = {}
    for held in interests:
        for name in held:
            counts[name] = counts.get(name, 0) + 1
    shared = sorted(name for name, count in counts.items() if count >= 2)
    bit = {name: i for i, name in enumerate(shared)}
    words = max(1, -(-len(shared) // 64))
    out = np.zeros((len(interests), words), dtype=np.uint64)
    rows = [row for row, held in enumerate(interests) for name in held if name in bit]
    bits = np.array(
        [bit[name] for held in interests for name in held if name in bit], dtype=np.int64
    )
    if bits.size:
        values = np.left_shift(np.uint64(1), (bits & 63).astype(np.uint64))
        np.bitwise_or.at(out, (np.array(rows, dtype=np.int64), bits >> 6), values)
    return out


def _forbidden_keys(pairs: Iterable[tuple[int, int]], ids: IntArray) -> IntArray:
    """Sorted lo * n + hi keys for the forbidden pairs between two people of the round
    (ids sorted)."""
    n = ids.size
    flat = np.fromiter((x for pair in pairs for x in pair), dtype=np.int64)
    if flat.size == 0 or n == 0:
        return np.zeros(0, dtype=np.int64)
    at = np.minimum(np.searchsorted(ids, flat), n - 1)
    index = np.where(ids[at] == flat, at, -1).reshape(-1, 2)
    i, j = index[:, 0], index[:, 1]
    keep = (i >= 0) & (j >= 0) & (i != j)
    keys = np.minimum(i, j)[keep] * n + np.maximum(i, j)[keep]
    return np.unique(keys)


def _key_hash(keys: IntArray, size: int) -> IntArray:
    """Fibonacci hashing of keys into 0..size-1 (size a power of two)."""
    mixed = keys.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    return (mixed >> np.uint64(64 - size.bit_length() + 1)).astype(np.int64)


def _key_filter(keys: IntArray) -> NDArray[np.bool_]:
    """A table ~32 times the number of keys, True where some key hashes."""
    size = 1 << max(16, int(keys.size * 32).bit_length())
    table = np.zeros(size, dtype=np.bool_)
    if keys.size:
        table[_key_hash(keys, size)] = True
    return table
