"""The results pages' walk of a wave's org tree (kith/pulse/engine/navigation.py), pure."""

from __future__ import annotations

from kith.pulse.engine import navigation

# 0 organisation
# ├ 1 Engineering ─ 3 Platform ─ 5 Mobile
# │               └ 4 Data
# └ 2 People ───── 6 Recruiting
PARENTS = [-1, 0, 0, 1, 1, 3, 2]


def _units(rows: list[navigation.Shown]) -> list[int]:
    return [r.unit for r in rows]


def test_depths_children_and_subtrees():
    assert navigation.depths(PARENTS) == [0, 1, 1, 2, 2, 3, 2]
    assert navigation.children_of(PARENTS) == {0: [1, 2], 1: [3, 4], 3: [5], 2: [6]}
    assert navigation.subtree(PARENTS, {1}) == {1, 3, 4, 5}
    assert navigation.subtree(PARENTS, {3, 6}) == {3, 5, 6}
    assert navigation.subtree(PARENTS, set()) == set()


def test_hr_sees_the_organisation_and_the_units_under_it_then_drills_down():
    top = navigation.rows_shown(PARENTS, allowed=None, parent=None)
    assert _units(top) == [0, 1, 2]
    assert [r.depth for r in top] == [0, 1, 1] and all(r.drillable for r in top)
    engineering = navigation.rows_shown(PARENTS, allowed=None, parent=1)
    assert _units(engineering) == [1, 3, 4]
    assert [r.drillable for r in engineering] == [True, True, False]


def test_a_manager_sees_the_organisation_and_their_own_units_only():
    scope = {0, 3, 5}  # Platform and below, plus the organisation for comparison
    top = navigation.rows_shown(PARENTS, allowed=scope, parent=None)
    assert _units(top) == [0, 3, 5]
    # The organisation is no one's parent here: opening it would show units out of scope.
    assert [r.drillable for r in top] == [False, True, False]
    assert navigation.scope_tops(PARENTS, scope) == [3]


def test_a_parent_outside_the_scope_or_the_tree_shows_the_top_view():
    scope = {0, 3, 5}
    top = _units(navigation.rows_shown(PARENTS, allowed=scope, parent=None))
    for parent in (1, 2, 6, 99, -5):
        assert _units(navigation.rows_shown(PARENTS, allowed=scope, parent=parent)) == top
    # Inside the scope, only children inside it are listed.
    assert _units(navigation.rows_shown(PARENTS, allowed={0, 1, 3}, parent=1)) == [1, 3]


def test_a_scope_with_two_separate_teams_lists_both_tops():
    scope = {0, 4, 6}
    assert _units(navigation.rows_shown(PARENTS, allowed=scope, parent=None)) == [0, 4, 6]
    assert navigation.scope_tops(PARENTS, scope) == [4, 6]
