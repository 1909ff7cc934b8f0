"""The network engine against an independent oracle: networkx and plain Python over the same
ties, on random windows (random org trees with empty units, people without ties, a single
person, no one) and on worked examples. No database.

The oracle (`oracle_people`, `oracle_units`) is shared with the other test_engine_* files.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

import igraph
import networkx as nx
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kith.insights.engine import (
    MIN_INTERACTIONS,
    STRONG_SHARED,
    PersonMetrics,
    UnitMetrics,
    Window,
    person_metrics,
    shared_contacts,
    tie_graph,
    unit_metrics,
)

NAN = float("nan")

# --- the oracle: networkx and plain Python, nothing from the engine --------------------------


def ties_nx(window: Window, min_interactions: int = MIN_INTERACTIONS) -> nx.Graph:
    graph = nx.Graph()
    graph.add_nodes_from(range(window.n))
    for a, b, count in zip(
        window.a.tolist(), window.b.tolist(), window.count.tolist(), strict=True
    ):
        if count >= min_interactions:
            graph.add_edge(a, b)
    return graph


def share(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else NAN


@dataclass
class Expected:
    values: dict[str, list[float]]

    def check(self, actual: PersonMetrics | UnitMetrics) -> None:
        for name, expected in self.values.items():
            got = np.asarray(getattr(actual, name), dtype=np.float64)
            np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12, err_msg=name)


def oracle_people(window: Window, graph: nx.Graph) -> Expected:
    team, weeks = window.team.tolist(), window.weeks
    one_to_one = {
        frozenset((a, b)): minutes
        for a, b, minutes in zip(
            window.a.tolist(), window.b.tolist(), window.one_to_one_minutes.tolist(), strict=True
        )
    }
    rows: dict[str, list[float]] = {name: [] for name in PersonMetrics.__slots__}
    for p in range(window.n):
        neighbours = list(graph.neighbors(p))
        strong = [q for q in neighbours if len(list(nx.common_neighbors(graph, p, q))) >= 2]
        cross = [q for q in neighbours if team[q] != team[p]]
        boss = int(window.manager[p])
        rows["network_size"].append(len(neighbours))
        rows["strong_ties"].append(len(strong))
        rows["diverse_ties"].append(len(neighbours) - len(strong))
        rows["cross_team_share"].append(share(len(cross), len(neighbours)))
        rows["after_hours_share"].append(
            share(int(window.after_hours[p]), int(window.interactions[p]))
        )
        rows["meeting_hours"].append(int(window.meeting_minutes[p]) / 60 / weeks)
        minutes = one_to_one.get(frozenset((p, boss)), 0) / weeks if boss >= 0 else NAN
        rows["manager_one_to_one_minutes"].append(minutes)
    return Expected(rows)


def subtree_members(parent: list[int], team: list[int]) -> list[set[int]]:
    """Per unit, the people whose own unit is it or lies below it (walk up from each)."""
    members: list[set[int]] = [set() for _ in parent]
    for person, unit in enumerate(team):
        while unit != -1:
            members[unit].add(person)
            unit = parent[unit]
    return members


def oracle_units(window: Window, graph: nx.Graph, parent: list[int]) -> Expected:
    team = window.team.tolist()
    rows: dict[str, list[float]] = {name: [] for name in UnitMetrics.__slots__}
    for members in subtree_members(parent, team):
        n = len(members)
        inside = graph.subgraph(members)
        internal = inside.number_of_edges()
        external = nx.cut_size(graph, members) if members else 0
        degrees = [graph.degree(p) for p in members]
        isolated = sum(1 for d in degrees if d == 0)
        cross_ends = sum(1 for p in members for q in graph.neighbors(p) if team[q] != team[p])
        rows["people"].append(n)
        rows["ties_internal"].append(internal)
        rows["ties_external"].append(external)
        rows["ei_index"].append(share(external - internal, external + internal))
        rows["density"].append(nx.density(inside) if n >= 2 else NAN)
        rows["isolated"].append(isolated)
        rows["isolated_share"].append(share(isolated, n))
        rows["cross_team_share"].append(share(cross_ends, sum(degrees)))
        after = sum(int(window.after_hours[p]) for p in members)
        rows["after_hours_share"].append(
            share(after, sum(int(window.interactions[p]) for p in members))
        )
        minutes = sum(int(window.meeting_minutes[p]) for p in members)
        rows["meeting_hours"].append(share(minutes / 60 / window.weeks, n))
        rows["median_network_size"].append(statistics.median(degrees) if degrees else NAN)
    return Expected(rows)


# --- random windows ---------------------------------------------------------------------------


@dataclass
class Case:
    window: Window
    parent: list[int]


def random_tree(units: int, rng: np.random.Generator) -> list[int]:
    """A random tree with one root, its units numbered in a random order (the engine must
    not rely on parents coming first)."""
    parent = [-1] + [int(rng.integers(0, i)) for i in range(1, units)]
    order = rng.permutation(units)  # new index of each old unit
    shuffled = [0] * units
    for old, p in enumerate(parent):
        shuffled[order[old]] = int(order[p]) if p >= 0 else -1
    return shuffled


def random_case(n: int, units: int, density: float, seed: int) -> Case:
    rng = np.random.default_rng(seed)
    parent = random_tree(units, rng)
    # Some units get nobody: people go to a random subset of the units.
    used = rng.choice(units, size=int(rng.integers(1, units + 1)), replace=False)
    team = rng.choice(used, size=n)
    a, b = np.triu_indices(n, k=1)
    keep = rng.random(a.size) < density
    a, b = a[keep], b[keep]
    interactions = rng.integers(0, 30, n)
    manager = np.where(rng.random(n) < 0.7, rng.integers(0, max(n, 1), n), -1)
    manager[manager == np.arange(n)] = -1
    window = Window(
        n=n,
        a=a,
        b=b,
        count=rng.integers(1, 5, a.size),  # about a quarter of the pairs are not ties
        one_to_one_minutes=rng.integers(0, 3, a.size) * 30,
        team=team,
        manager=manager,
        interactions=interactions,
        after_hours=rng.integers(0, interactions + 1),
        meeting_minutes=rng.integers(0, 900, n),
        weeks=int(rng.integers(1, 6)),
    )
    return Case(window, parent)


cases = st.builds(
    random_case,
    n=st.integers(0, 40),
    units=st.integers(1, 9),
    density=st.sampled_from([0.0, 0.05, 0.15, 0.4, 0.8, 1.0]),
    seed=st.integers(0, 2**32 - 1),
)


@settings(max_examples=150, deadline=None)
@given(case=cases, min_interactions=st.integers(1, 3))
@example(case=random_case(1, 1, 1.0, 0), min_interactions=2)  # a single person
@example(case=random_case(0, 3, 1.0, 0), min_interactions=2)  # nobody
@example(case=random_case(30, 1, 1.0, 1), min_interactions=1)  # a clique in one unit
def test_every_metric_equals_networkx(case: Case, min_interactions: int) -> None:
    window = case.window
    graph = tie_graph(window, min_interactions)
    expected = ties_nx(window, min_interactions)
    assert graph.vcount() == window.n
    assert {frozenset(e) for e in graph.get_edgelist()} == {frozenset(e) for e in expected.edges}
    assert graph.is_simple()
    oracle_people(window, expected).check(person_metrics(window, graph))
    oracle_units(window, expected, case.parent).check(
        unit_metrics(window, graph, np.array(case.parent))
    )


@settings(max_examples=60, deadline=None)
@given(case=cases)
def test_shared_contacts_are_common_neighbours(case: Case) -> None:
    graph = tie_graph(case.window, 1)
    expected = ties_nx(case.window, 1)
    got = shared_contacts(graph).tolist()
    want = [len(list(nx.common_neighbors(expected, u, v))) for u, v in graph.get_edgelist()]
    assert got == want


# --- worked example -------------------------------------------------------------------------
#
#   units: 0 organisation ── 1 Engineering ── 3 Platform
#                         └─ 2 Sales          4 Legal (empty, under the organisation)
#   people: 0,1,2 in Platform (a triangle, plus 0—3 and 3—4 cross ties), 3 in Engineering
#   itself (the head), 4 in Sales, 5 in Sales with no tie.


def worked_window() -> tuple[Window, np.ndarray]:
    pairs = [(0, 1, 2), (0, 2, 3), (1, 2, 2), (0, 3, 5), (3, 4, 2), (1, 4, 1), (2, 5, 1)]
    a, b, count = (np.array(column) for column in zip(*pairs, strict=True))
    window = Window(
        n=6,
        a=a,
        b=b,
        count=count,
        one_to_one_minutes=np.array([0, 0, 0, 60, 0, 0, 0]),
        team=np.array([3, 3, 3, 1, 2, 2]),
        manager=np.array([3, 3, 3, -1, 3, 4]),
        interactions=np.array([12, 6, 6, 8, 4, 0]),
        after_hours=np.array([3, 0, 6, 2, 0, 0]),
        meeting_minutes=np.array([240, 0, 120, 480, 0, 0]),
    )
    return window, np.array([-1, 0, 0, 1, 0])


def test_worked_example_people() -> None:
    window, _ = worked_window()
    got = person_metrics(window, tie_graph(window))
    assert got.network_size.tolist() == [3, 2, 2, 2, 1, 0]
    # Only triangle 0-1-2 exists: every pair shares at most one contact, so no tie is strong
    # at STRONG_SHARED = 2.
    assert STRONG_SHARED == 2
    assert got.strong_ties.tolist() == [0] * 6
    assert got.diverse_ties.tolist() == [3, 2, 2, 2, 1, 0]
    np.testing.assert_allclose(got.cross_team_share, [1 / 3, 0, 0, 1, 1, NAN])
    np.testing.assert_allclose(got.after_hours_share, [0.25, 0, 1, 0.25, 0, NAN])
    np.testing.assert_allclose(got.meeting_hours, [1, 0, 0.5, 2, 0, 0])
    # Person 0 had 60 minutes alone with manager 3 over 4 weeks; 4 and 5 had none.
    np.testing.assert_allclose(got.manager_one_to_one_minutes, [15, 0, 0, NAN, 0, 0])


def test_worked_example_units() -> None:
    window, parent = worked_window()
    got = unit_metrics(window, tie_graph(window), parent)
    assert got.people.tolist() == [6, 4, 2, 3, 0]
    assert got.ties_internal.tolist() == [5, 4, 0, 3, 0]
    assert got.ties_external.tolist() == [0, 1, 1, 1, 0]
    np.testing.assert_allclose(got.ei_index, [-1, -0.6, 1, -0.5, NAN])
    np.testing.assert_allclose(got.density, [5 / 15, 4 / 6, 0, 1, NAN])
    assert got.isolated.tolist() == [1, 0, 1, 0, 0]
    np.testing.assert_allclose(got.isolated_share, [1 / 6, 0, 0.5, 0, NAN])
    # Tie ends going to another team: 0→3, 3→0, 3→4, 4→3 of 10 ends in all.
    np.testing.assert_allclose(got.cross_team_share, [0.4, 3 / 9, 1, 1 / 7, NAN])
    np.testing.assert_allclose(got.after_hours_share, [11 / 36, 11 / 32, 0, 9 / 24, NAN])
    np.testing.assert_allclose(got.meeting_hours, [840 / 240 / 6, 840 / 240 / 4, 0, 0.5, NAN])
    np.testing.assert_allclose(got.median_network_size, [2, 2, 0.5, 2, NAN])


def test_parents_may_come_after_their_children() -> None:
    window, parent = worked_window()
    # The same tree renumbered so that every unit is listed before its parent.
    order = np.array([4, 2, 3, 0, 1])  # new index of each old unit
    renumbered = np.empty_like(parent)
    renumbered[order] = np.where(parent >= 0, order[parent], -1)
    moved = Window(**{**window_fields(window), "team": order[window.team]})
    expected = unit_metrics(window, tie_graph(window), parent)
    got = unit_metrics(moved, tie_graph(moved), renumbered)
    assert got.people[order].tolist() == expected.people.tolist()
    np.testing.assert_allclose(got.ei_index[order], expected.ei_index)


def test_a_graph_built_or_edited_elsewhere_gives_the_same_figures() -> None:
    """tie_graph keeps the edge ends as numpy; any other graph is read through igraph."""
    window, parent = worked_window()
    ours = tie_graph(window)
    plain = igraph.Graph(n=window.n, edges=ours.get_edgelist())
    for got, expected in (
        (person_metrics(window, plain), person_metrics(window, ours)),
        (unit_metrics(window, plain, parent), unit_metrics(window, ours, parent)),
    ):
        for name in type(got).__slots__:
            np.testing.assert_array_equal(getattr(got, name), getattr(expected, name))
    ours.add_edge(4, 5)  # edited after tie_graph: the kept ends no longer describe it
    assert person_metrics(window, ours).network_size.tolist() == [3, 2, 2, 2, 2, 1]
    edited = tie_graph(window)
    edited.delete_edges([0])  # 0—1 out, 1—5 in: as many edges as tie_graph kept
    edited.add_edge(1, 5)
    assert person_metrics(window, edited).network_size.tolist() == [2, 2, 2, 2, 1, 1]


def window_fields(window: Window) -> dict[str, object]:
    return {name: getattr(window, name) for name in Window.__slots__}


def test_a_forest_keeps_ties_across_trees_external() -> None:
    window, parent = worked_window()
    forest = parent.copy()
    forest[1] = -1  # Engineering becomes a second root: 3—4 now joins two trees
    got = unit_metrics(window, tie_graph(window), forest)
    assert got.people.tolist() == [2, 4, 2, 3, 0]
    assert got.ties_internal.tolist() == [0, 4, 0, 3, 0]
    assert got.ties_external.tolist() == [1, 1, 1, 1, 0]


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"a": np.array([1, 0]), "b": np.array([1, 2])}, "pair 0: needs a < b"),
        ({"a": np.array([0, 0]), "b": np.array([1, 1])}, r"pair \(0, 1\) is listed twice"),
        ({"b": np.array([1, 3])}, "pair 1: a person outside 0..2"),
        ({"count": np.array([2, 0])}, "pair 1: a pair is listed only with interactions"),
        ({"count": np.array([2])}, "Window.count: 1 values, expected 2"),
        ({"team": np.array([0, -1, 0])}, "person 1: no team"),
        ({"manager": np.array([-1, 1, 0])}, "person 1: manager is not another person"),
        ({"after_hours": np.array([0, 5, 0])}, "person 1: after-hours"),
        ({"meeting_minutes": np.array([0.5, 0, 0])}, "Window.meeting_minutes: expected a 1-d"),
    ],
)
def test_a_bad_window_names_the_row(change: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {
        "n": 3,
        "a": np.array([0, 0]),
        "b": np.array([1, 2]),
        "count": np.array([2, 2]),
        "one_to_one_minutes": np.array([0, 0]),
        "team": np.array([0, 0, 0]),
        "manager": np.array([-1, 0, 0]),
        "interactions": np.array([1, 1, 1]),
        "after_hours": np.array([0, 0, 0]),
        "meeting_minutes": np.array([0, 0, 0]),
    }
    with pytest.raises(ValueError, match=message):
        Window(**{**fields, **change})


def test_a_bad_tree_is_refused() -> None:
    window, parent = worked_window()
    graph = tie_graph(window)
    cycle = parent.copy()
    cycle[1] = 3  # Engineering under its own Platform
    with pytest.raises(ValueError, match="cycle"):
        unit_metrics(window, graph, cycle)
    with pytest.raises(ValueError, match="person 0: team 3 is not a unit"):
        unit_metrics(window, graph, parent[:3])
    with pytest.raises(ValueError, match="unit 2: parent 2 is not another unit"):
        unit_metrics(window, graph, np.array([-1, 0, 2, 1, 0]))


def test_window_arrays_become_int64() -> None:
    window, _ = worked_window()
    small = Window(**{**window_fields(window), "team": window.team.astype(np.int8)})
    assert small.team.dtype == np.int64
