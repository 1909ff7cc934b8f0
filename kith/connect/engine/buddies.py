"""Onboarding buddies: give every new joiner a settled colleague to ask the small questions.

Hard rules, never broken: the buddy is from another team, has been here at least
`min_tenure_days`, is neither the joiner nor in a reporting line with them, and looks after no
more than `max_buddies` joiners at once (counting the ones they already have).

Among the placements that respect them, the engine picks, in strict order of importance:
1. as many joiners placed as possible;
2. as many buddies in the joiner's own city as possible (they can meet for lunch);
3. mild preferences: buddies with fewer joiners already (spread the load), then longer tenure.
Each buddy's free places become columns of a rectangular assignment problem solved exactly:
densely while it is small, else (a 100k organisation's monthly round: 1,500 joiners, 150,000
places) with each joiner's n best places only, which provably keeps the optimum, as a sparse
problem (about n² edges instead of a joiners × places matrix).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_array
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from kith.connect.engine.mentoring import best_slot_assignment
from kith.connect.engine.types import (
    BuddyAssignment,
    BuddyCandidate,
    BuddyResult,
    Joiner,
    Unmatched,
    UnmatchedReason,
)

LOAD_PENALTY = 1.0  # per joiner the buddy already looks after (including ones given now)
TENURE_BONUS = 0.5  # for the longest tenure that counts
TENURE_CAP_DAYS = 5 * 365  # beyond five years, more tenure adds nothing
# Up to this many joiner × free-place cells the whole value matrix is built (with numpy) and
# solved densely; above it, each joiner keeps only its best places (see `_pruned_edges`).
DENSE_CELLS = 1_000_000
CHUNK_CELLS = 4_000_000  # joiners × ranked places read at once while pruning

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


def assign_buddies(
    joiners: Sequence[Joiner],
    candidates: Sequence[BuddyCandidate],
    *,
    min_tenure_days: int = 182,
    max_buddies: int = 2,
    forbidden_pairs: frozenset[tuple[int, int]] = frozenset(),
) -> BuddyResult:
    """One buddy per joiner under the hard rules; unplaced joiners come back with a reason.
    `forbidden_pairs` ((smaller id, larger id): do-not-pair lists, declined pairings) never
    become an assignment."""
    problem = slot_problem(
        joiners,
        candidates,
        min_tenure_days=min_tenure_days,
        max_buddies=max_buddies,
        forbidden_pairs=forbidden_pairs,
    )
    placed = problem.solve()
    assignments = tuple(
        _assignment(problem.joiners[row], problem.candidates[int(problem.slot_candidate[slot])])
        for row, slot in placed
    )
    placed_rows = {row for row, _slot in placed}
    unplaced = [joiner for row, joiner in enumerate(problem.joiners) if row not in placed_rows]
    unassigned: tuple[Unmatched, ...] = ()
    if unplaced:
        eligible = _Eligible(problem.candidates, min_tenure_days)
        unassigned = tuple(
            _unassigned(joiner, eligible, min_tenure_days, max_buddies) for joiner in unplaced
        )
    return BuddyResult(assignments=assignments, unassigned=unassigned)


@dataclass(frozen=True, eq=False)
class SlotProblem:
    """The assignment problem: rows are the joiners (by id), columns every eligible
    candidate's free places (candidates by id, then how many joiners the buddy would have
    before, ascending), valued `city_tier * same_city + tenure bonus - LOAD_PENALTY * taken`.
    Small problems keep the whole matrix (`value`, NaN where a pair is not allowed); large ones
    only each joiner's best places (`edges`)."""

    joiners: Sequence[Joiner]
    candidates: Sequence[BuddyCandidate]
    slot_candidate: Ints  # each column's candidate (index into `candidates`)
    value: Floats | None = None
    edges: _Edges | None = None
    stats: dict[str, int] | None = None  # how the edges were counted

    def solve(self) -> list[tuple[int, int]]:
        """(row, column) pairs, sorted: the most joiners placed, then the largest summed value."""
        if self.value is not None:
            return best_slot_assignment(self.value)
        assert self.edges is not None
        return _sparse_assignment(self.edges, self.slot_candidate.size)

    def describe(self) -> dict[str, Any]:
        """Its size, for benchmarks and tests."""
        slots = int(self.slot_candidate.size)
        out: dict[str, Any] = {"rows": len(self.joiners), "slots": slots}
        if self.value is not None:
            return {"kind": "dense", **out, "cells": int(self.value.size)}
        assert self.edges is not None
        places = self.edges.columns[self.edges.columns < slots]
        columns = int(np.count_nonzero(np.bincount(places, minlength=slots)))
        return {
            "kind": "pruned",
            **out,
            "columns": columns,
            "edges": int(places.size),
            **(self.stats or {}),
        }


class _Edges(NamedTuple):
    """Each joiner's kept places, row by row (CSR): row r's are columns[start[r]:start[r + 1]]
    and their values; the last one is its own "not placed" column (slots + r, value NaN)."""

    start: npt.NDArray[np.int32]
    columns: npt.NDArray[np.int32]
    values: Floats


def slot_problem(
    joiners: Sequence[Joiner],
    candidates: Sequence[BuddyCandidate],
    *,
    min_tenure_days: int = 182,
    max_buddies: int = 2,
    forbidden_pairs: frozenset[tuple[int, int]] = frozenset(),
) -> SlotProblem:
    """The problem `assign_buddies` solves. Up to DENSE_CELLS cells it is the whole matrix,
    cell for cell the one the engine always built (so the same assignment, ties included);
    above, each joiner's kept places, whose optimum is the whole matrix's (`_pruned_edges`
    says why; ties may break differently)."""
    _require_unique_ids(joiners, "joiner")
    _require_unique_ids(candidates, "buddy candidate")
    joiners = sorted(joiners, key=lambda joiner: joiner.id)
    candidates = sorted(candidates, key=lambda candidate: candidate.id)
    people = _Arrays.of(joiners, candidates)
    # One column per free place: (candidate's index, how many joiners they would have before).
    eligible = np.flatnonzero(people.tenure >= min_tenure_days)
    already = np.maximum(people.current[eligible], 0)
    places = np.maximum(np.minimum(max_buddies, already + len(joiners)) - already, 0)
    slot_candidate = np.repeat(eligible, places)
    first_slot = np.zeros(len(candidates), dtype=np.int64)
    first_slot[eligible] = np.cumsum(places) - places
    slot_count = np.zeros(len(candidates), dtype=np.int64)
    slot_count[eligible] = places
    taken = np.repeat(already - first_slot[eligible], places) + np.arange(slot_candidate.size)
    # Secondary preferences span less than this per pair; a shared city outweighs all of them.
    city_tier = len(joiners) * (LOAD_PENALTY * max_buddies + TENURE_BONUS) + 1.0
    bonus = TENURE_BONUS * np.minimum(people.tenure, TENURE_CAP_DAYS) / TENURE_CAP_DAYS
    # The same float operations, in the same order, as `city_tier * same_city + bonus - load`.
    elsewhere = bonus[slot_candidate] - LOAD_PENALTY * taken
    nearby = (city_tier + bonus[slot_candidate]) - LOAD_PENALTY * taken
    forbidden = _forbidden_candidates(joiners, candidates, forbidden_pairs)
    if len(joiners) * slot_candidate.size <= DENSE_CELLS:
        value = _dense_values(people, slot_candidate, elsewhere, nearby)
        for row, column in forbidden:
            start = first_slot[column]
            value[row, start : start + slot_count[column]] = np.nan
        return SlotProblem(joiners, candidates, slot_candidate, value=value)
    edges, stats = _pruned_edges(people, slot_candidate, slot_count, elsewhere, nearby, forbidden)
    return SlotProblem(joiners, candidates, slot_candidate, edges=edges, stats=stats)


@dataclass(frozen=True)
class _Arrays:
    """The joiners' and candidates' fields the hard rules and the value read, as arrays.
    Cities are codes: a joiner's known city and every candidate in it share one; a joiner
    with no city has -2 and a candidate in no joiner's city -1, so neither is ever shared."""

    joiner_id: Ints
    joiner_team: Ints  # -1: no team, shared with nobody
    joiner_city: Ints
    joiner_manager: Ints
    joiner_has_manager: npt.NDArray[np.bool_]
    candidate_id: Ints
    candidate_team: Ints
    candidate_city: Ints
    candidate_manager: Ints
    candidate_has_manager: npt.NDArray[np.bool_]
    tenure: Ints
    current: Ints

    @classmethod
    def of(cls, joiners: Sequence[Joiner], candidates: Sequence[BuddyCandidate]) -> _Arrays:
        codes: dict[str, int] = {}
        for joiner in joiners:
            if joiner.city:
                codes.setdefault(joiner.city, len(codes))

        def ints(values: Iterable[int]) -> Ints:
            return np.fromiter(values, dtype=np.int64)

        def flags(values: Iterable[bool]) -> npt.NDArray[np.bool_]:
            return np.fromiter(values, dtype=np.bool_)

        return cls(
            joiner_id=ints(j.id for j in joiners),
            joiner_team=ints(j.team for j in joiners),
            joiner_city=ints(codes[j.city] if j.city else -2 for j in joiners),
            joiner_manager=ints(j.manager or 0 for j in joiners),
            joiner_has_manager=flags(j.manager is not None for j in joiners),
            candidate_id=ints(c.id for c in candidates),
            candidate_team=ints(c.team for c in candidates),
            candidate_city=ints(codes.get(c.city, -1) for c in candidates),
            candidate_manager=ints(c.manager or 0 for c in candidates),
            candidate_has_manager=flags(c.manager is not None for c in candidates),
            tenure=ints(c.tenure_days for c in candidates),
            current=ints(c.current_buddies for c in candidates),
        )

    def allowed(self, rows: Ints | int, columns: Ints) -> npt.NDArray[np.bool_]:
        """The hard rules except tenure and capacity (those shape the places) and forbidden
        pairs, for joiners `rows` (an index, or a column of indices to broadcast) against
        candidates `columns`: not the joiner, not in their team, neither their manager nor
        one of their reports."""
        joiner_id, team = self.joiner_id[rows], self.joiner_team[rows]
        manager, has_manager = self.joiner_manager[rows], self.joiner_has_manager[rows]
        candidate_id = self.candidate_id[columns]
        allowed: npt.NDArray[np.bool_] = (
            (candidate_id != joiner_id)
            & ((team == -1) | (self.candidate_team[columns] != team))
            & ~(has_manager & (candidate_id == manager))
            & ~(
                self.candidate_has_manager[columns] & (self.candidate_manager[columns] == joiner_id)
            )
        )
        return allowed


def _forbidden_candidates(
    joiners: Sequence[Joiner],
    candidates: Sequence[BuddyCandidate],
    forbidden_pairs: frozenset[tuple[int, int]],
) -> list[tuple[int, int]]:
    """(row, candidate index) of each forbidden pair: a pair counts when it is written
    (smaller id, larger id), whichever of the two is the joiner."""
    row_of = {joiner.id: row for row, joiner in enumerate(joiners)}
    index_of = {candidate.id: index for index, candidate in enumerate(candidates)}
    out = []
    for low, high in forbidden_pairs:
        if low >= high:
            continue
        for joiner_id, candidate_id in ((low, high), (high, low)):
            row, index = row_of.get(joiner_id), index_of.get(candidate_id)
            if row is not None and index is not None:
                out.append((row, index))
    return out


def _dense_values(
    people: _Arrays, slot_candidate: Ints, elsewhere: Floats, nearby: Floats
) -> Floats:
    rows = np.arange(people.joiner_id.size)[:, None]
    same_city = people.joiner_city[rows] == people.candidate_city[slot_candidate][None, :]
    value = np.where(same_city, nearby[None, :], elsewhere[None, :])
    value[~people.allowed(rows, slot_candidate[None, :])] = np.nan
    return value


def _pruned_edges(
    people: _Arrays,
    slot_candidate: Ints,
    slot_count: Ints,
    elsewhere: Floats,
    nearby: Floats,
    forbidden: list[tuple[int, int]],
) -> tuple[_Edges, dict[str, int]]:
    """Each joiner's best allowed places, as edges (row, column, value): few enough to stay
    small at 100k, enough that the optimum survives. Also how they were counted.

    In exact arithmetic (the floats round by far less than the 1/3650 between two different
    totals), a place p of buddy c is worth w(p) = bonus(c) - load to a joiner elsewhere and
    city_tier + w(p) to a joiner in c's city; city_tier exceeds any difference of w. A joiner
    ranks the places it may take by its value, ties by column: its own city's, then the rest.

    With n joiners, n_x of them in city x, and B at least the most joiners who may not take
    one place (`_most_ruled_out`: team, manager, reports, forbidden pairs): a joiner in city x
    who may take at least K_x = n_x + B places there is *settled* and keeps its K_x best
    places in x; any other joiner (no city, or too few places there) keeps its n best places.

    (1) In every optimal assignment (most joiners placed, then most value) each settled
    joiner j sits in its own city. Else j sits at r elsewhere, and its K_x kept places are all
    held (a free one would gain city_tier + w - w > 0): at most n_x - 1 by joiners of x and at
    most B by joiners who may not take r, so one, t, is held by a joiner i from another city
    who may take r. j to t and i to r gains at least city_tier: j gains
    city_tier + w(t) - w(r), and i, who valued t at w(t), values r at w(r) or more.
    (2) Take an optimal assignment with the fewest joiners outside their kept places, and j
    outside them, at s. An unsettled j's n kept places outrank s and the n - 1 others cannot
    hold them all: move j to a free one. A settled j's kept places are in x like s (by 1) and
    outrank it; if one is free, move j there. Else they are held by at most n_x - 1 settled
    joiners (those of other cities sit in theirs, by 1) and so by at least B + 1 unsettled
    ones, one of whom, i at t, may take s. Swap them: both places are in x, so i loses what j
    gains. Then if i is outside its kept places, its n kept places outrank s and the n - 1
    others cannot hold them all: move i to a free one. Each time as many joiners are placed,
    no value is lost and fewer joiners are outside: a contradiction. So an optimal
    assignment uses kept places only, and the kept problem has the whole problem's optimum.

    A 100k organisation's month (1,500 joiners, ~60 without a city) keeps about
    sum n_x * K_x + 60 * n edges, a few hundred thousand, instead of a 1,500 × 150,000
    matrix. Each joiner walks its city's ranking (sorted once) until it has enough places."""
    n, slots = people.joiner_id.size, slot_candidate.size
    forbidden_by_row: dict[int, list[int]] = defaultdict(list)
    for row, index in forbidden:
        forbidden_by_row[row].append(index)
    ruled_out = _most_ruled_out(people, slot_count, forbidden)
    own = _own_city_places(people, slot_count, forbidden_by_row)
    in_city = np.bincount(people.joiner_city[people.joiner_city >= 0], minlength=1)
    joiners_here = np.where(people.joiner_city >= 0, in_city[np.maximum(people.joiner_city, 0)], 0)
    settled = (people.joiner_city >= 0) & (own >= joiners_here + ruled_out)
    keep = np.where(settled, joiners_here + ruled_out, n)

    column = np.arange(slots)
    by_elsewhere = np.lexsort((column, -elsewhere))
    by_nearby = np.lexsort((column, -nearby))
    slot_city = people.candidate_city[slot_candidate]
    # Joiners of one city who keep the same number of places read the same ranking together.
    batches: dict[tuple[int, bool], list[int]] = defaultdict(list)
    for row, (city, own_only) in enumerate(
        zip(people.joiner_city.tolist(), settled.tolist(), strict=True)
    ):
        batches[city, own_only].append(row)
    found: list[tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], Floats]] = []
    for (city, own_only), rows in batches.items():
        if city < 0:
            order = by_elsewhere
        else:
            here = by_nearby[slot_city[by_nearby] == city]
            order = (
                here
                if own_only
                else np.concatenate([here, by_elsewhere[slot_city[by_elsewhere] != city]])
            )
        ranked_values = np.where(slot_city[order] == city, nearby[order], elsewhere[order])
        want = int(keep[rows[0]])
        for at, position in _first_allowed(
            people, np.array(rows), slot_candidate[order], forbidden_by_row, want
        ):
            found.append(
                (at.astype(np.int32), order[position].astype(np.int32), ranked_values[position])
            )
    stats = {"most_ruled_out": ruled_out, "unsettled": n - int(np.count_nonzero(settled))}
    return _edges(n, slots, found), stats


def _edges(
    rows: int,
    slots: int,
    found: list[tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], Floats]],
) -> _Edges:
    """The kept places, each batch sorted by row, laid out row by row with each row's "not
    placed" column last."""
    counts = np.ones(rows, dtype=np.int64)
    for at, _columns, _values in found:
        counts += np.bincount(at, minlength=rows)
    start = np.zeros(rows + 1, dtype=np.int64)
    np.cumsum(counts, out=start[1:])
    columns = np.empty(int(start[-1]), dtype=np.int32)
    values = np.empty(int(start[-1]))
    fill = start[:-1].copy()
    while found:
        at, kept_columns, kept_values = found.pop()
        distinct, first, run = np.unique(at, return_index=True, return_counts=True)
        within = np.arange(at.size) - np.repeat(first, run)
        where = fill[at] + within
        columns[where], values[where] = kept_columns, kept_values
        fill[distinct] += run
    columns[start[1:] - 1] = slots + np.arange(rows)
    values[start[1:] - 1] = np.nan
    return _Edges(start.astype(np.int32), columns, values)


def _first_allowed(
    people: _Arrays,
    rows: Ints,
    ranked: Ints,
    forbidden_by_row: dict[int, list[int]],
    want: int,
) -> Iterable[tuple[Ints, Ints]]:
    """(row, position) of the first `want` candidates in `ranked` each joiner in `rows` may
    take, sorted by row: reads a prefix that grows until every row has enough (a joiner may
    not take only a few of them), a chunk of rows at a time."""
    length = min(ranked.size, want + 64)
    at = 0
    while at < rows.size:
        chunk = rows[at : at + max(1, CHUNK_CELLS // max(length, 1))]
        while True:
            prefix = ranked[:length]
            ok = people.allowed(chunk[:, None], prefix[None, :])
            for i, row in enumerate(chunk.tolist()):
                if row in forbidden_by_row:
                    ok[i] &= ~np.isin(prefix, forbidden_by_row[row])
            short = want - int(np.count_nonzero(ok, axis=1).min(initial=want))
            if short <= 0 or length == ranked.size:
                break
            length = min(ranked.size, 2 * length + short)
        ok &= np.cumsum(ok, axis=1) <= want
        index, position = np.nonzero(ok)
        yield chunk[index], position
        at += chunk.size


def _most_ruled_out(people: _Arrays, slot_count: Ints, forbidden: list[tuple[int, int]]) -> int:
    """At least the most joiners who may not take one candidate with a free place: the
    joiners in its team, itself, the joiners it manages, its manager, its forbidden pairs."""
    with_places = slot_count > 0
    if not with_places.any():
        return 0
    joiner_team = people.joiner_team[people.joiner_team != -1]
    count = _how_many(people.candidate_team, joiner_team)
    count += np.isin(people.candidate_id, people.joiner_id)
    count += _how_many(people.candidate_id, people.joiner_manager[people.joiner_has_manager])
    count += people.candidate_has_manager & np.isin(people.candidate_manager, people.joiner_id)
    count += np.bincount(
        np.array([index for _row, index in forbidden], dtype=np.int64),
        minlength=slot_count.size,
    )
    return int(count[with_places].max())


def _how_many(values: Ints, pool: Ints) -> Ints:
    """For each value, how many times it occurs in pool."""
    if not pool.size:
        return np.zeros(values.size, dtype=np.int64)
    distinct, counts = np.unique(pool, return_counts=True)
    at = np.minimum(np.searchsorted(distinct, values), distinct.size - 1)
    return np.where(distinct[at] == values, counts[at], 0)


def _own_city_places(
    people: _Arrays, slot_count: Ints, forbidden_by_row: dict[int, list[int]]
) -> Ints:
    """How many places in their own city each joiner may take (-1: no city): the city's
    places, less their team's there, less those of the few others they may not take."""
    city, team = people.candidate_city, people.candidate_team
    local = (slot_count > 0) & (city >= 0)
    city_places = np.bincount(
        city[local], weights=slot_count[local], minlength=int(people.joiner_city.max(initial=0)) + 1
    ).astype(np.int64)
    team_places: dict[tuple[int, int], int] = defaultdict(int)
    for t, c, k in zip(
        team[local].tolist(), city[local].tolist(), slot_count[local].tolist(), strict=True
    ):
        team_places[t, c] += k
    index_of = {pk: index for index, pk in enumerate(people.candidate_id.tolist())}
    reports: dict[int, list[int]] = defaultdict(list)
    for index in np.flatnonzero(local & people.candidate_has_manager).tolist():
        reports[int(people.candidate_manager[index])].append(index)
    own = np.full(people.joiner_id.size, -1, dtype=np.int64)
    for row in np.flatnonzero(people.joiner_city >= 0).tolist():
        here, own_team = int(people.joiner_city[row]), int(people.joiner_team[row])
        joiner_id = int(people.joiner_id[row])
        blocked = team_places.get((own_team, here), 0) if own_team != -1 else 0
        others = {*reports.get(joiner_id, ()), *forbidden_by_row.get(row, ())}
        for pk in (
            joiner_id,
            people.joiner_manager[row] if people.joiner_has_manager[row] else None,
        ):
            if pk is not None and int(pk) in index_of:
                others.add(index_of[int(pk)])
        for index in others:
            if (
                slot_count[index]
                and city[index] == here
                and not (own_team != -1 and team[index] == own_team)
            ):
                blocked += int(slot_count[index])
        own[row] = int(city_places[here]) - blocked
    return own


def _sparse_assignment(edges: _Edges, slots: int) -> list[tuple[int, int]]:
    """`best_slot_assignment` for kept places: the most rows placed, then the largest summed
    value, solved by scipy's sparse Jonker-Volgenant (LAPJVsp). Ties break in its own
    deterministic way, not as the dense solver's."""
    rows = edges.start.size - 1
    if edges.values.size == rows:
        return []
    last = edges.start[1:] - 1
    low, high = float(np.nanmin(edges.values)), float(np.nanmax(edges.values))
    # Costs are positive (the sparse solver reads a zero as no edge). A row's own "not placed"
    # column costs more than any change in summed cost, so one more placed row always wins.
    cost = high - edges.values
    cost += 1.0
    cost[last] = rows * (high - low + 1.0) + 1.0
    matrix = csr_array((cost, edges.columns, edges.start), shape=(rows, slots + rows))
    chosen_rows, chosen_columns = min_weight_full_bipartite_matching(matrix)
    return sorted(
        (int(row), int(column))
        for row, column in zip(chosen_rows, chosen_columns, strict=True)
        if column < slots
    )


def _same_team(joiner: Joiner, candidate: BuddyCandidate) -> bool:
    return joiner.team != -1 and joiner.team == candidate.team


def _same_city(joiner: Joiner, candidate: BuddyCandidate) -> bool:
    return bool(joiner.city) and joiner.city == candidate.city


def _tenure_bonus(candidate: BuddyCandidate) -> float:
    return TENURE_BONUS * min(candidate.tenure_days, TENURE_CAP_DAYS) / TENURE_CAP_DAYS


def _assignment(joiner: Joiner, buddy: BuddyCandidate) -> BuddyAssignment:
    reasons = []
    if joiner.team != -1 and buddy.team != -1:
        reasons.append("from another team")
    same_city = _same_city(joiner, buddy)
    if same_city:
        reasons.append(f"you are both in {city_name(joiner.city)}")
    if buddy.tenure_days >= 30:
        reasons.append(f"has been with us for {duration_words(buddy.tenure_days)}")
    return BuddyAssignment(
        joiner=joiner.id, buddy=buddy.id, same_city=same_city, reasons=tuple(reasons)
    )


class _Eligible:
    """Who could ever be a joiner's buddy: the hard rules except capacity and forbidden pairs
    (the reason an unplaced joiner is given). Counted once; then each joiner costs its
    manager and reports, not a pass over everyone."""

    def __init__(self, candidates: Sequence[BuddyCandidate], min_tenure_days: int) -> None:
        eligible = [c for c in candidates if c.tenure_days >= min_tenure_days]
        self.count = len(eligible)
        self.by_team = Counter(c.team for c in eligible)
        self.by_id = {c.id: c for c in eligible}
        self.reports: dict[int, list[int]] = defaultdict(list)
        for c in eligible:
            if c.manager is not None:
                self.reports[c.manager].append(c.id)

    def anyone_for(self, joiner: Joiner) -> bool:
        same_team = self.by_team[joiner.team] if joiner.team != -1 else 0
        others = {*self.reports.get(joiner.id, ()), joiner.id}
        if joiner.manager is not None:
            others.add(joiner.manager)
        ruled_out = sum(
            1 for i in others if i in self.by_id and not _same_team(joiner, self.by_id[i])
        )
        return self.count > same_team + ruled_out


def _unassigned(
    joiner: Joiner, eligible: _Eligible, min_tenure_days: int, max_buddies: int
) -> Unmatched:
    if not eligible.anyone_for(joiner):
        return Unmatched(
            joiner.id,
            UnmatchedReason.NO_ALLOWED_PARTNER,
            "Nobody from another team who has been here for at least "
            f"{duration_words(min_tenure_days)} can be your buddy yet; we will keep looking",
        )
    newcomers = "newcomer" if max_buddies == 1 else f"{max_buddies} newcomers"
    return Unmatched(
        joiner.id,
        UnmatchedReason.FULL,
        f"Everyone who could be your buddy already looks after {newcomers}; you will get a "
        "buddy as soon as one is free",
    )


def city_name(city: str) -> str:
    """ "Lisbon" from the "Lisbon, PT" city key."""
    name, _comma, _country = city.rpartition(",")
    return name.strip() or city.strip()


def duration_words(days: int) -> str:
    """ "2 years", "6 months", "10 days": rounded down, as people say it."""
    for unit, length in (("year", 365), ("month", 30), ("day", 1)):
        if days >= length or unit == "day":
            amount = days // length
            return f"{amount} {unit}{'' if amount == 1 else 's'}"
    raise AssertionError("unreachable")  # pragma: no cover


def _require_unique_ids(people: Iterable[Joiner | BuddyCandidate], role: str) -> None:
    seen: set[int] = set()
    for person in people:
        if person.id in seen:
            raise ValueError(f"{role} {person.id} appears twice")
        seen.add(person.id)
