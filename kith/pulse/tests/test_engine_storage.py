"""Stored groups (engine/storage.py): every stored (unit, attributes) holds at least k
invitees, only ever by generalising (an ancestor unit, an attribute set to -1), and as a
function of the atom. No database."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kith.pulse.engine.results import Tree
from kith.pulse.engine.storage import GENERALISED, TooFewInvitees, storage_groups


def _groups(stored_unit: np.ndarray, stored_attrs: np.ndarray) -> dict[tuple[int, ...], int]:
    rows = np.column_stack([stored_unit, stored_attrs])
    keys, counts = np.unique(rows, axis=0, return_counts=True)
    return {tuple(int(x) for x in key): int(n) for key, n in zip(keys, counts, strict=True)}


def assert_guarantees(tree: Tree, unit, attrs, k: int, stored_unit, stored_attrs) -> None:
    assert stored_unit.shape == unit.shape and stored_attrs.shape == attrs.shape
    assert min(_groups(stored_unit, stored_attrs).values(), default=k) >= k
    assert tree.is_ancestor(stored_unit, unit).all()
    assert ((stored_attrs == attrs) | (stored_attrs == GENERALISED)).all()
    seen: dict[tuple[int, ...], tuple[int, ...]] = {}
    for i in range(unit.size):
        atom = (int(unit[i]), *attrs[i].tolist())
        stored = (int(stored_unit[i]), *stored_attrs[i].tolist())
        assert seen.setdefault(atom, stored) == stored, f"atom {atom} stored two ways"


def test_small_groups_generalise_then_merge_then_move_up():
    # 0 ├ 1 ├ 3 (six people)
    #   │   └ 4 (two people: under k, so is their subtree: pushed up to 1)
    #   └ 2 (three identical people: a group as they are)
    # and one person directly in 0.
    tree = Tree(parent=np.array([-1, 0, 0, 1, 1]))
    unit = np.array([3] * 6 + [4] * 2 + [2] * 3 + [0])
    attrs = np.array(
        [[0, 0]] * 3 + [[0, 1]] * 2 + [[1, 1]] + [[0, 0], [1, 0]] + [[0, 0]] * 3 + [[1, 1]]
    )
    stored_unit, stored_attrs = storage_groups(tree, unit, attrs, 3)
    got = [(int(u), a) for u, a in zip(stored_unit, stored_attrs.tolist(), strict=True)]
    # Unit 3: (0, 0) x3 stays; the other three share only their second attribute.
    # Unit 1: the two pushed up from 4 (different countries, tenure 0) join the smallest
    # group below (3's (0, 0), formed first), which moves up to 1 keeping tenure 0.
    # Unit 0: its one person joins the nearest group below, the smaller of those at depth 1
    # (2's three people, not 1's five); 3's (-1, 1), as small but deeper, stays where it is.
    assert got == (
        [(1, [-1, 0])] * 3 + [(3, [-1, 1])] * 3 + [(1, [-1, 0])] * 2 + [(0, [-1, -1])] * 3
    ) + [(0, [-1, -1])]
    assert_guarantees(tree, unit, attrs, 3, stored_unit, stored_attrs)


def test_attributes_are_given_up_last_first():
    tree = Tree(parent=np.array([-1]))
    unit = np.zeros(6, dtype=np.int64)
    attrs = np.array([[0, 0], [0, 1], [0, 2], [1, 0], [1, 0], [1, 0]])
    stored_unit, stored_attrs = storage_groups(tree, unit, attrs, 3)
    assert stored_attrs.tolist() == [[0, -1]] * 3 + [[1, 0]] * 3
    assert stored_unit.tolist() == [0] * 6


def test_a_small_residual_joins_the_smallest_group_at_its_unit():
    tree = Tree(parent=np.array([-1]))
    unit = np.zeros(9, dtype=np.int64)
    attrs = np.array([[0]] * 4 + [[1]] * 3 + [[2]] * 2)
    _, stored_attrs = storage_groups(tree, unit, attrs, 3)
    assert stored_attrs.ravel().tolist() == [0] * 4 + [-1] * 5


def test_what_all_members_share_is_kept():
    tree = Tree(parent=np.array([-1, 0, 0]))
    unit = np.array([1, 1, 2, 2])
    attrs = np.array([[3, 0], [3, 1], [3, 2], [3, 0]])  # one country, four tenures
    stored_unit, stored_attrs = storage_groups(tree, unit, attrs, 4)
    assert stored_unit.tolist() == [0] * 4
    assert stored_attrs.tolist() == [[3, -1]] * 4


def test_without_attributes_units_merge_upwards():
    tree = Tree(parent=np.array([-1, 0, 0, 2]))
    unit = np.array([1] * 5 + [3] * 2 + [2])
    stored_unit, stored_attrs = storage_groups(tree, unit, np.zeros((8, 0), dtype=np.int64), 3)
    assert stored_unit.tolist() == [1] * 5 + [2] * 3
    assert stored_attrs.shape == (8, 0)


def test_groups_of_k_are_stored_as_they_are():
    tree = Tree(parent=np.array([-1, 0, 1]))
    unit = np.array([1] * 5 + [2] * 5)
    attrs = np.array([[0]] * 5 + [[1]] * 5)
    stored_unit, stored_attrs = storage_groups(tree, unit, attrs, 5)
    assert stored_unit.tolist() == unit.tolist() and (stored_attrs == attrs).all()


def test_fewer_than_k_invitees_cannot_be_stored():
    tree = Tree(parent=np.array([-1, 0]))
    with pytest.raises(TooFewInvitees, match="hold 4 invitees, fewer than k = 5"):
        storage_groups(tree, np.array([1, 1, 0, 0]), np.zeros((4, 1), dtype=np.int64), 5)
    forest = Tree(parent=np.array([-1, -1]))  # each root must reach k on its own
    with pytest.raises(TooFewInvitees, match="unit 1"):
        storage_groups(forest, np.array([0] * 5 + [1]), np.zeros((6, 0), dtype=np.int64), 5)
    empty_unit, empty_attrs = storage_groups(tree, np.zeros(0), np.zeros((0, 2)), 5)
    assert empty_unit.size == 0 and empty_attrs.shape == (0, 2)


def test_a_small_remainder_takes_the_nearest_group_not_a_deeper_team():
    # The Pulse test organisation: Engineering (5) ├ Platform (7) └ Data (3), People (1).
    tree = Tree(parent=np.array([-1, 0, 0, 1, 1]))
    unit = np.array([1] * 5 + [3] * 7 + [4] * 3 + [2])
    stored_unit, _ = storage_groups(tree, unit, np.zeros((16, 0), dtype=np.int64), 5)
    # Data joins Engineering's own people (8); the one person in People goes to the top and
    # takes Engineering's group with them (Platform, 7 and smaller, is a level deeper).
    assert stored_unit.tolist() == [0] * 5 + [3] * 7 + [0] * 3 + [0]


def test_bad_input_is_named():
    tree = Tree(parent=np.array([-1, 0]))
    with pytest.raises(ValueError, match="invitee 1: unit 7 is not a unit"):
        storage_groups(tree, np.array([0, 7]), np.zeros((2, 0), dtype=np.int64), 1)
    with pytest.raises(ValueError, match="invitee 0: attribute 1 has code -1"):
        storage_groups(tree, np.array([0]), np.array([[0, -1]]), 1)
    with pytest.raises(ValueError, match=r"attrs must be \(2, a\)"):
        storage_groups(tree, np.array([0, 1]), np.zeros(2, dtype=np.int64), 1)


@st.composite
def waves(draw: st.DrawFn) -> tuple[Tree, np.ndarray, np.ndarray, int]:
    m = draw(st.integers(1, 12))
    parent = [-1] + [draw(st.integers(0, i - 1)) for i in range(1, m)]
    width = draw(st.integers(0, 3))
    sizes = [draw(st.integers(1, 4)) for _ in range(width)]
    k = draw(st.integers(1, 7))
    n = draw(st.integers(k, 60))
    weights = draw(st.lists(st.integers(0, 6), min_size=m, max_size=m))
    pool = [u for u, w in enumerate(weights) for _ in range(w)] or [0]
    unit = [draw(st.sampled_from(pool)) for _ in range(n)]
    attrs = [[draw(st.integers(0, s - 1)) for s in sizes] for _ in range(n)]
    return (
        Tree(parent=np.array(parent, dtype=np.int64)),
        np.array(unit, dtype=np.int64),
        np.array(attrs, dtype=np.int64).reshape(n, width),
        k,
    )


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(waves())
def test_every_stored_group_holds_k_and_only_generalises(case) -> None:
    tree, unit, attrs, k = case
    stored_unit, stored_attrs = storage_groups(tree, unit, attrs, k)
    assert_guarantees(tree, unit, attrs, k, stored_unit, stored_attrs)


@settings(max_examples=100, deadline=None)
@given(waves(), st.randoms(use_true_random=False))
def test_the_order_of_invitees_changes_nothing(case, rng) -> None:
    tree, unit, attrs, k = case
    order = list(range(unit.size))
    rng.shuffle(order)
    stored_unit, stored_attrs = storage_groups(tree, unit, attrs, k)
    again_unit, again_attrs = storage_groups(tree, unit[order], attrs[order], k)
    assert (again_unit == stored_unit[order]).all()
    assert (again_attrs == stored_attrs[order]).all()


@settings(max_examples=100, deadline=None)
@given(waves())
def test_atoms_of_k_or_more_everywhere_are_kept_exactly(case) -> None:
    tree, unit, attrs, k = case
    big = np.repeat(np.arange(unit.size), k)  # every atom now has at least k people
    stored_unit, stored_attrs = storage_groups(tree, unit[big], attrs[big], k)
    assert (stored_unit == unit[big]).all() and (stored_attrs == attrs[big]).all()
