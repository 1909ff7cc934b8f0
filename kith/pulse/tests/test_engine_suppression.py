"""Privacy suppression: nothing about fewer than k people can be derived from the published
cells by any linear combination (brute force over every small set of people), the classic
attacks one by one, and the repeated-waves rule. No database."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kith.pulse.engine.results import Cell, Tree, cell_counts
from kith.pulse.engine.suppression import (
    DEFAULT_COMMENT_K,
    DEFAULT_K,
    MAX_K,
    MIN_K,
    Wave,
    publishable_cells,
    stable_across_waves,
)

# --- the brute-force oracle -----------------------------------------------------------------

MAX_FULL_ATOMS = 14  # up to here every subset of atoms is tried (16k)
MAX_COMBINATIONS = 50_000


def contains(parent: list[int], cell: Cell, unit: int, codes: tuple[int, ...]) -> bool:
    """Is a person in `unit` with attribute `codes` inside `cell`? Plain Python, no engine."""
    u, j, v = cell
    if j >= 0 and codes[j] != v:
        return False
    while unit != -1:
        if unit == u:
            return True
        unit = parent[unit]
    return False


def derivable_small_sets(
    parent: list[int], unit: np.ndarray, attrs: np.ndarray, published: set[Cell], k: int
) -> list[tuple[int, ...]]:
    """Sets of atoms with 1..k-1 people whose indicator is a linear combination of the
    published cells' membership rows (so their sum, mean, ... could be derived)."""
    rows = [(int(u), tuple(int(a) for a in codes)) for u, codes in zip(unit, attrs, strict=True)]
    atoms = sorted(set(rows))
    people = np.array([rows.count(a) for a in atoms])
    if not published or not atoms:
        return []
    matrix = np.array(
        [[contains(parent, cell, u, codes) for u, codes in atoms] for cell in sorted(published)],
        dtype=np.float64,
    )
    _, s, vt = np.linalg.svd(matrix)
    basis = vt[: int((s > 1e-9).sum())]

    def in_row_space(sets: np.ndarray) -> np.ndarray:
        residual = sets - (sets @ basis.T) @ basis
        return np.abs(residual).max(axis=1) < 1e-8

    if len(atoms) <= MAX_FULL_ATOMS:
        bits = (np.arange(1, 2 ** len(atoms))[:, None] >> np.arange(len(atoms))) & 1
        sets = bits.astype(np.float64)
    else:
        # Any row-space vector is equal on atoms with identical columns, so only unions of
        # such column groups can be derived; try every union of groups under k people.
        groups: dict[tuple[float, ...], list[int]] = {}
        for a in range(len(atoms)):
            groups.setdefault(tuple(matrix[:, a]), []).append(a)
        small = [g for g in groups.values() if people[g].sum() < k]
        found = []
        for size in range(1, k):
            for combo in itertools.islice(itertools.combinations(small, size), MAX_COMBINATIONS):
                member = [a for g in combo for a in g]
                if people[member].sum() < k:
                    vec = np.zeros(len(atoms))
                    vec[member] = 1
                    found.append(vec)
        if not found:
            return []
        sets = np.array(found)
    total = sets @ people
    sets = sets[(total >= 1) & (total < k)]
    leaks = sets[in_row_space(sets)] if sets.size else sets
    return [tuple(int(i) for i in np.flatnonzero(row)) for row in leaks]


def naive(unit: np.ndarray, attrs: np.ndarray, tree: Tree, k: int) -> set[Cell]:
    """What a plain "at least k people" rule would publish."""
    return {c for c, n in cell_counts(tree, unit, attrs).items() if n >= k}


# --- property test --------------------------------------------------------------------------


@st.composite
def organisations(draw: st.DrawFn) -> tuple[list[int], np.ndarray, np.ndarray, int]:
    m = draw(st.integers(1, 8))
    parent = [-1] + [draw(st.integers(0, i - 1)) for i in range(1, m)]
    n = draw(st.integers(0, 40))
    sizes = [draw(st.integers(2, 3)), draw(st.integers(2, 3))]
    # Skewed units so that some teams are small and some are large.
    weights = draw(st.lists(st.integers(1, 6), min_size=m, max_size=m))
    pool = [u for u, w in enumerate(weights) for _ in range(w)]
    unit = [draw(st.sampled_from(pool)) for _ in range(n)]
    attrs = [[draw(st.integers(0, s - 1)) for s in sizes] for _ in range(n)]
    k = draw(st.integers(3, 6))
    return (
        parent,
        np.array(unit, dtype=np.int64),
        np.array(attrs, dtype=np.int64).reshape(n, 2),
        k,
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(organisations())
def test_no_group_under_k_can_be_derived(
    case: tuple[list[int], np.ndarray, np.ndarray, int],
) -> None:
    parent, unit, attrs, k = case
    tree = Tree(parent=np.array(parent, dtype=np.int64))
    published = publishable_cells(tree, unit, attrs, k)
    counts = cell_counts(tree, unit, attrs)
    assert all(counts[c] >= k for c in published)
    assert published <= set(counts)
    assert derivable_small_sets(parent, unit, attrs, published, k) == []


@settings(max_examples=50, deadline=None)
@given(organisations(), st.randoms(use_true_random=False))
def test_deterministic_whatever_the_input_order(
    case: tuple[list[int], np.ndarray, np.ndarray, int], rnd: random.Random
) -> None:
    parent, unit, attrs, k = case
    tree = Tree(parent=np.array(parent, dtype=np.int64))
    order = list(range(unit.size))
    rnd.shuffle(order)
    assert publishable_cells(tree, unit, attrs, k) == publishable_cells(
        tree, unit[order], attrs[order], k
    )


# --- the attacks, one by one ----------------------------------------------------------------


def people(*groups: tuple[int, tuple[int, ...], int]) -> tuple[np.ndarray, np.ndarray]:
    """(unit, attribute codes, how many) groups -> unit and attrs arrays."""
    unit = [u for u, _, n in groups for _ in range(n)]
    attrs = [list(codes) for _, codes, n in groups for _ in range(n)]
    width = len(groups[0][1])
    return np.array(unit, dtype=np.int64), np.array(attrs, dtype=np.int64).reshape(-1, width)


def test_parent_minus_children() -> None:
    # 0 org -> 1 department (no one directly) -> 2 team of 3, 3 team of 6; 4 team of 6.
    parent = [-1, 0, 1, 1, 0]
    tree = Tree(parent=np.array(parent))
    unit, attrs = people((2, (0,), 3), (3, (0,), 6), (4, (0,), 6))
    k = 5
    # The attack works on the naive rule: department minus team 3 is team 2's three people.
    assert derivable_small_sets(parent, unit, attrs, naive(unit, attrs, tree, k), k)
    published = publishable_cells(
        tree, unit, attrs, k, candidates=[c for c in cell_counts(tree, unit, attrs) if c[1] == -1]
    )
    assert derivable_small_sets(parent, unit, attrs, published, k) == []
    # The next-smallest sibling is withheld; the department and the organisation stay.
    assert published == {(0, -1, -1), (1, -1, -1), (4, -1, -1)}


def test_two_overlapping_filters() -> None:
    # One team of 12: 9 with more than a year's tenure (code 1), 3 newer (code 0).
    parent = [-1]
    tree = Tree(parent=np.array(parent))
    unit, attrs = people((0, (1,), 9), (0, (0,), 3))
    k = 5
    assert derivable_small_sets(parent, unit, attrs, naive(unit, attrs, tree, k), k)
    published = publishable_cells(tree, unit, attrs, k)
    assert derivable_small_sets(parent, unit, attrs, published, k) == []
    assert published == {(0, -1, -1)}  # the filter slice goes, the team stays


def test_cross_attribute_difference() -> None:
    # 20 people. Attribute 0 (a): 6 have a = 1. Attribute 1 (b): 8 have b = 1, including all
    # six with a = 1, so b1 minus a1 is 2 people.
    parent = [-1]
    tree = Tree(parent=np.array(parent))
    unit, attrs = people((0, (1, 1), 6), (0, (0, 1), 2), (0, (0, 0), 12))
    k = 5
    assert derivable_small_sets(parent, unit, attrs, naive(unit, attrs, tree, k), k)
    published = publishable_cells(tree, unit, attrs, k)
    assert derivable_small_sets(parent, unit, attrs, published, k) == []
    assert (0, -1, -1) in published
    assert not {(0, 0, 1), (0, 1, 1)} <= published


def test_filter_in_a_child_against_its_parent() -> None:
    # Parent 0 with child team 1. People with code 1: 5 in team 1, 1 directly in 0.
    parent = [-1, 0]
    tree = Tree(parent=np.array(parent))
    unit, attrs = people((1, (1,), 5), (0, (1,), 1), (1, (0,), 6), (0, (0,), 6))
    k = 5
    assert derivable_small_sets(parent, unit, attrs, naive(unit, attrs, tree, k), k)
    published = publishable_cells(tree, unit, attrs, k)
    assert derivable_small_sets(parent, unit, attrs, published, k) == []


def test_candidates_limit_what_is_published() -> None:
    tree = Tree(parent=np.array([-1, 0]))
    unit, attrs = people((1, (0,), 7), (0, (1,), 7))
    got = publishable_cells(tree, unit, attrs, 5, candidates=[(0, -1, -1)])
    assert got == {(0, -1, -1)}
    assert publishable_cells(tree, unit[:0], attrs[:0], 5) == set()


def test_k_limits() -> None:
    assert (MIN_K, MAX_K, DEFAULT_K, DEFAULT_COMMENT_K) == (3, 10, 5, 10)
    tree = Tree(parent=np.array([-1]))
    with pytest.raises(ValueError, match="at least 3"):
        publishable_cells(tree, np.zeros(3, dtype=np.int64), np.zeros((3, 0), dtype=np.int64), 2)
    # Comment thresholds may be higher than MAX_K.
    assert publishable_cells(
        tree, np.zeros(20, dtype=np.int64), np.zeros((20, 0), dtype=np.int64), 20
    ) == {(0, -1, -1)}


def test_comment_cells_without_attributes() -> None:
    tree = Tree(parent=np.array([-1, 0, 0]))
    unit = np.array([1] * 10 + [2] * 4)
    attrs = np.zeros((unit.size, 0), dtype=np.int64)
    candidates = [c for c in cell_counts(tree, unit, attrs) if c[1] == -1]
    got = publishable_cells(tree, unit, attrs, 10, candidates=candidates)
    # Team 1 alone (10) would reveal team 2's 4 comments as the organisation minus team 1.
    assert derivable_small_sets([-1, 0, 0], unit, attrs, got, 10) == []
    assert got in ({(0, -1, -1)}, {(1, -1, -1)})


# --- repeated waves -------------------------------------------------------------------------

# 0 organisation with team 1 (the one that changes) and team 2 (20 people, steady).
WAVE_TREE = Tree(parent=np.array([-1, 0, 0]))
STEADY = list(range(100, 120))


def wave(team: list[int]) -> Wave:
    person = team + STEADY
    unit = [1] * len(team) + [2] * len(STEADY)
    return Wave(
        person=np.array(person, dtype=np.int64),
        unit=np.array(unit, dtype=np.int64),
        attrs=np.zeros((len(person), 0), dtype=np.int64),
    )


SHOWN = {(0, -1, -1), (1, -1, -1), (2, -1, -1)}


@pytest.mark.parametrize(
    ("second", "team_shown"),
    [
        ([1, 2, 3, 4, 5, 6, 7], False),  # gained one respondent
        ([1, 2, 3, 4, 5], False),  # lost one
        ([1, 2, 3, 4, 5, 7], False),  # one swapped: two differ
        ([1, 2, 3, 4, 5, 6], True),  # the same people
        ([1, 7, 8, 9, 10, 11], True),  # five left, five joined: ten differ
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], True),  # five more
    ],
)
def test_a_team_of_six_across_two_waves(second: list[int], team_shown: bool) -> None:
    first = wave([1, 2, 3, 4, 5, 6])
    got = stable_across_waves(WAVE_TREE, [(first, SHOWN)], wave(second), SHOWN, 5)
    assert ((1, -1, -1) in got) is team_shown
    assert (2, -1, -1) in got  # the steady team is untouched
    assert ((0, -1, -1) in got) is team_shown  # the organisation changed by the same people


def test_compares_with_the_last_wave_that_published_the_cell() -> None:
    first = wave([1, 2, 3, 4, 5, 6])
    second = wave([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])  # team not published this time
    third = wave([1, 2, 3, 4, 5, 6, 7])  # one more than wave 1, four fewer than wave 2
    earlier = [(first, SHOWN), (second, SHOWN - {(1, -1, -1)})]
    got = stable_across_waves(WAVE_TREE, earlier, third, SHOWN, 5)
    assert (1, -1, -1) not in got  # vs wave 1: one person differs
    assert (0, -1, -1) not in got  # vs wave 2: four differ
    assert stable_across_waves(WAVE_TREE, [], third, SHOWN, 5) == SHOWN


def test_a_person_who_moved_counts_as_changed() -> None:
    tree = Tree(parent=np.array([-1, 0, 0]))
    a = Wave(
        person=np.arange(12),
        unit=np.array([1] * 6 + [2] * 6),
        attrs=np.zeros((12, 1), dtype=np.int64),
    )
    b = Wave(  # person 0 moved from team 1 to team 2
        person=np.arange(12),
        unit=np.array([2] + [1] * 5 + [2] * 6),
        attrs=np.zeros((12, 1), dtype=np.int64),
    )
    shown = {(0, -1, -1), (1, -1, -1), (2, -1, -1), (0, 0, 0)}
    got = stable_across_waves(tree, [(a, shown)], b, shown, 5)
    assert got == {(0, -1, -1), (0, 0, 0)}


@st.composite
def wave_pairs(draw: st.DrawFn) -> tuple[list[int], Wave, Wave, set[Cell], int]:
    m = draw(st.integers(1, 5))
    parent = [-1] + [draw(st.integers(0, i - 1)) for i in range(1, m)]

    def one_wave() -> Wave:
        who = sorted(draw(st.sets(st.integers(0, 25), max_size=25)))
        return Wave(
            person=np.array(who, dtype=np.int64),
            unit=np.array([draw(st.integers(0, m - 1)) for _ in who], dtype=np.int64),
            # -1: no code in this wave's snapshot (then in no filtered cell)
            attrs=np.array([draw(st.integers(-1, 1)) for _ in who], dtype=np.int64)[:, None],
        )

    cells = {(u, -1, -1) for u in range(m)} | {(u, 0, v) for u in range(m) for v in (0, 1)}
    return parent, one_wave(), one_wave(), cells, draw(st.integers(3, 6))


@settings(max_examples=150, deadline=None)
@given(wave_pairs())
def test_waves_rule_matches_set_arithmetic(
    case: tuple[list[int], Wave, Wave, set[Cell], int],
) -> None:
    parent, before, now, cells, k = case
    tree = Tree(parent=np.array(parent, dtype=np.int64))

    def members(w: Wave, cell: Cell) -> set[int]:
        return {
            int(p)
            for p, u, codes in zip(w.person, w.unit, w.attrs, strict=True)
            if contains(parent, cell, int(u), tuple(int(c) for c in codes))
        }

    expected = {c for c in cells if not 1 <= len(members(before, c) ^ members(now, c)) < k}
    assert stable_across_waves(tree, [(before, cells)], now, cells, k) == expected
