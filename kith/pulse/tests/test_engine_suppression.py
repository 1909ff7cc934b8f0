"""Privacy suppression: nothing about fewer than k people can be derived from the published
cells by any linear combination (brute force over every small set of people), the classic
attacks one by one, repeated waves and campaigns through earlier publications' classes,
participation and skipped items. No database."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kith.core.disclosure.engine import mix64
from kith.pulse.engine.results import Cell, Tree, cell_counts
from kith.pulse.engine.suppression import (
    DEFAULT_COMMENT_K,
    DEFAULT_K,
    MAX_K,
    MIN_K,
    Wave,
    item_cells,
    prior_for,
    publishable_cells,
    wave_signatures,
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


# --- repeated waves and overlapping campaigns (earlier publications' classes) ---------------

# 0 organisation with team 1 (the one that changes) and team 2 (20 people, steady).
WAVE_TREE = Tree(parent=np.array([-1, 0, 0]))
STEADY = list(range(100, 120))
SHOWN = {(0, -1, -1), (1, -1, -1), (2, -1, -1)}


def wave(team: list[int]) -> Wave:
    person = team + STEADY
    unit = [1] * len(team) + [2] * len(STEADY)
    return Wave(
        person=np.array(person, dtype=np.int64),
        unit=np.array(unit, dtype=np.int64),
        attrs=np.zeros((len(person), 0), dtype=np.int64),
    )


def publish_in_turn(
    tree: Tree | list[Tree], waves: list[Wave], k: int, cells: set[Cell] | None = None
):
    """Each wave published in turn against everything published before it, as the ledger
    does (one tree, or each wave's own). Returns [(wave, published cells)]."""
    trees = tree if isinstance(tree, list) else [tree] * len(waves)
    done: list[tuple[Wave, set[Cell]]] = []
    tag = iter(range(1, 10**6))
    sums: dict[int, int] = {}
    known: list[int] = []
    for tree, w in zip(trees, waves, strict=True):
        persons = np.array(sorted(sums), dtype=np.int64)
        hashes = np.array([sums[p] for p in persons.tolist()], dtype=np.uint64)
        prior = prior_for(w.person, persons, hashes, np.array(known, dtype=np.uint64))
        got = publishable_cells(tree, w.unit, w.attrs, k, candidates=cells, prior=prior)
        tags = {c: int(mix64(np.array([next(tag)]))[0]) for c in got}
        who, sig, populations = wave_signatures(tree, w, got, tags)
        for p, h in zip(who.tolist(), sig.tolist(), strict=True):
            sums[p] = (sums.get(p, 0) + h) % 2**64
        known += populations.tolist()
        done.append((w, got))
    return done


@pytest.mark.parametrize(
    ("second", "team_shown", "organisation_shown"),
    [
        ([1, 2, 3, 4, 5, 6, 7], False, False),  # gained one respondent
        ([1, 2, 3, 4, 5], False, False),  # lost one
        ([1, 2, 3, 4, 5, 7], False, False),  # one swapped
        ([1, 2, 3, 4, 5, 6], True, True),  # the same people
        # Five left, five joined: the organisation's change is ten people, but the team's
        # would single out the one who stayed.
        ([1, 7, 8, 9, 10, 11], False, True),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], True, True),  # five more
    ],
)
def test_a_team_of_six_across_two_waves(
    second: list[int], team_shown: bool, organisation_shown: bool
) -> None:
    (_, first), (_, got) = publish_in_turn(WAVE_TREE, [wave([1, 2, 3, 4, 5, 6]), wave(second)], 5)
    assert first == SHOWN
    assert ((1, -1, -1) in got) is team_shown
    assert (2, -1, -1) in got  # the steady team is untouched
    assert ((0, -1, -1) in got) is organisation_shown


def test_every_earlier_wave_counts_not_only_the_last() -> None:
    first = wave([1, 2, 3, 4, 5, 6])
    second = wave([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
    third = wave([1, 2, 3, 4, 5, 6, 7])  # one more than wave 1, four fewer than wave 2
    *_, (_, got) = publish_in_turn(WAVE_TREE, [first, second, third], 5)
    assert (1, -1, -1) not in got
    assert (0, -1, -1) not in got


def test_a_person_who_moved_splits_both_teams() -> None:
    tree = Tree(parent=np.array([-1, 0, 0]))
    a = Wave(
        person=np.arange(12), unit=np.array([1] * 6 + [2] * 6), attrs=np.zeros((12, 1), np.int64)
    )
    # person 0 moved from team 1 to team 2
    b = Wave(
        person=np.arange(12),
        unit=np.array([2] + [1] * 5 + [2] * 6),
        attrs=np.zeros((12, 1), np.int64),
    )
    shown = {(0, -1, -1), (1, -1, -1), (2, -1, -1), (0, 0, 0)}
    (_, first), (_, got) = publish_in_turn(tree, [a, b], 5, shown)
    assert first == shown
    assert got == {(0, -1, -1), (0, 0, 0)}


def test_two_overlapping_campaigns_department_and_team() -> None:
    """Issue 9, attack 1: a department of 7 (Alpha 6, Beta 1); campaign X over the
    department, campaign Y over Alpha. Each is safe alone; together X minus Y is Beta."""
    tree = Tree(parent=np.array([-1, 0, 0]))  # 0 department, 1 Alpha, 2 Beta
    x = Wave(person=np.arange(7), unit=np.array([1] * 6 + [2]), attrs=np.zeros((7, 0), np.int64))
    y = Wave(person=np.arange(6), unit=np.array([1] * 6), attrs=np.zeros((6, 0), np.int64))
    assert publishable_cells(tree, y.unit, y.attrs, 5) == {(0, -1, -1), (1, -1, -1)}
    (_, shown_x), (_, shown_y) = publish_in_turn(tree, [x, y], 5)
    assert shown_x == {(0, -1, -1)}
    assert shown_y == set()


def people_leaks(rows: list[set[int]], people: list[int], k: int) -> list[tuple[int, ...]]:
    """Sets of 1..k-1 people that carry a non-zero linear combination of the published cells'
    membership rows (people as atoms, every wave and campaign stacked): a combination that is
    zero on everyone else. Stronger than asking for the set's indicator: a signed mix of a
    few people's answers is a leak too. Tested by rank: S carries one iff removing S's
    columns lowers the rank."""
    if not rows or not people:
        return []
    index = {p: i for i, p in enumerate(people)}
    matrix = np.zeros((len(rows), len(people)))
    for r, members in enumerate(rows):
        for p in members:
            matrix[r, index[p]] = 1
    rank = np.linalg.matrix_rank(matrix)
    groups: dict[tuple[float, ...], list[int]] = {}
    for a in range(len(people)):
        groups.setdefault(tuple(matrix[:, a]), []).append(a)
    small = [g for key, g in groups.items() if len(g) < k and any(key)]
    found = []
    for size in range(1, k):
        for combo in itertools.islice(itertools.combinations(small, size), 20_000):
            member = [a for g in combo for a in g]
            if 1 <= len(member) < k:
                rest = np.delete(matrix, member, axis=1)
                if np.linalg.matrix_rank(rest) < rank:
                    found.append(tuple(people[a] for a in member))
    return found


@st.composite
def campaigns(draw: st.DrawFn) -> tuple[list[list[int]], list[Wave], int]:
    """Up to four publications (waves of one campaign, or campaigns over parts of the
    organisation) over a pool of people who move, join, leave and skip waves, while the org
    tree grows between waves (a new unit somewhere, people moving into it)."""
    m = draw(st.integers(2, 6))
    parent = [-1] + [draw(st.integers(0, i - 1)) for i in range(1, m)]
    pool = draw(st.integers(6, 24))
    home = {p: draw(st.integers(0, m - 1)) for p in range(pool)}
    code = {p: draw(st.integers(0, 1)) for p in range(pool)}
    parents, waves = [], []
    for _ in range(draw(st.integers(2, 4))):
        if draw(st.booleans()):  # reorganised: a new unit under an existing one
            parent = [*parent, draw(st.integers(0, len(parent) - 1))]
        for p in draw(st.sets(st.integers(0, pool - 1), max_size=3)):  # some move
            home[p] = draw(st.integers(0, len(parent) - 1))
        who = sorted(draw(st.sets(st.integers(0, pool - 1), min_size=1, max_size=pool)))
        parents.append(list(parent))
        waves.append(
            Wave(
                person=np.array(who, dtype=np.int64),
                unit=np.array([home[p] for p in who], dtype=np.int64),
                attrs=np.array([[code[p]] for p in who], dtype=np.int64).reshape(-1, 1),
            )
        )
    return parents, waves, draw(st.integers(3, 5))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(campaigns())
def test_nothing_under_k_derivable_across_waves_and_campaigns(
    case: tuple[list[list[int]], list[Wave], int],
) -> None:
    parents, waves, k = case
    trees = [Tree(parent=np.array(parent, dtype=np.int64)) for parent in parents]
    rows: list[set[int]] = []
    for parent, (w, shown) in zip(parents, publish_in_turn(trees, waves, k), strict=True):
        for cell in shown:
            rows.append(
                {
                    int(p)
                    for p, u, codes in zip(w.person, w.unit, w.attrs, strict=True)
                    if contains(parent, cell, int(u), tuple(int(c) for c in codes))
                }
            )
    people = sorted({int(p) for w in waves for p in w.person})
    assert people_leaks(rows, people, k) == []


def test_participation_the_one_invitee_outside_every_department() -> None:
    """Issue 9, attack 6: the organisation's respondents minus its departments' would say
    whether the one person outside every department (the CEO) answered."""
    tree = Tree(parent=np.array([-1, 0, 0]))
    invited_unit = np.array([0] + [1] * 6 + [2] * 6)
    invited = (invited_unit, np.zeros((13, 0), np.int64))
    for ceo_answered in (True, False):
        answered = np.array([ceo_answered] + [True] * 12)
        unit = invited_unit[answered]
        got = publishable_cells(tree, unit, np.zeros((unit.size, 0), np.int64), 5, invited=invited)
        # Whether or not the CEO answered, the same cells are shown, and never all three.
        assert got == {(0, -1, -1), (1, -1, -1)}


def test_item_skipped_by_a_few_is_withheld_where_it_would_show_them() -> None:
    tree = Tree(parent=np.array([-1, 0, 0]))
    unit = np.array([1] * 10 + [2] * 10)
    attrs = np.zeros((20, 0), np.int64)
    cells = {(0, -1, -1), (1, -1, -1), (2, -1, -1)}
    everyone = np.ones(20, dtype=np.bool_)
    assert item_cells(tree, unit, attrs, everyone, cells, 5) == cells
    one_skip = everyone.copy()
    one_skip[0] = False  # one person in team 1 skipped the item
    got = item_cells(tree, unit, attrs, one_skip, cells, 5)
    # Team 1 (9 of 10 answered) and the organisation minus team 2 would show one skip.
    assert (1, -1, -1) not in got
    assert (0, -1, -1) not in got or (2, -1, -1) not in got
    few = np.zeros(20, dtype=np.bool_)
    few[:3] = True  # only three answered, in team 1: nowhere but where nobody answered
    assert item_cells(tree, unit, attrs, few, cells, 5) == {(2, -1, -1)}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(organisations(), st.data())
def test_no_item_figure_about_fewer_than_k(
    case: tuple[list[int], np.ndarray, np.ndarray, int], data: st.DataObject
) -> None:
    parent, unit, attrs, k = case
    tree = Tree(parent=np.array(parent, dtype=np.int64))
    shown = publishable_cells(tree, unit, attrs, k)
    answered = np.array(
        data.draw(st.lists(st.booleans(), min_size=unit.size, max_size=unit.size)), dtype=np.bool_
    )
    got = item_cells(tree, unit, attrs, answered, shown, k)
    assert got <= shown
    # Answers and skips, each as its own population, leak nothing under k.
    for mask in (answered, ~answered):
        assert derivable_small_sets(parent, unit[mask], attrs[mask], got, k) == []
