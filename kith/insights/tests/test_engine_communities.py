"""Leiden communities: a valid, deterministic partition of the people with ties, whose
modularity equals networkx's on the same partition and whose NMI with the teams equals a
plain-Python computation. No database."""

from __future__ import annotations

import math
from collections import Counter

import igraph
import networkx as nx
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kith.insights.engine import (
    Communities,
    Window,
    communities,
    normalised_mutual_information,
    tie_graph,
)
from kith.insights.tests.test_engine_network import Case, cases, ties_nx

# --- the oracle --------------------------------------------------------------------------------


def nmi_oracle(x: list[int], y: list[int]) -> float:
    """2 I(X;Y) / (H(X) + H(Y)) from counts, in plain Python."""
    total = len(x)
    if total == 0:
        return math.nan
    px, py, pxy = Counter(x), Counter(y), Counter(zip(x, y, strict=True))

    def entropy(counts: Counter[object]) -> float:
        return -sum(c / total * math.log(c / total) for c in counts.values())

    hx, hy = entropy(px), entropy(py)
    if hx + hy == 0:
        return 1.0
    mutual = sum(c / total * math.log(c * total / (px[a] * py[b])) for (a, b), c in pxy.items())
    return 2 * mutual / (hx + hy)


def partition_sets(membership: np.ndarray) -> list[set[int]]:
    """networkx wants every node in a block: people without ties each get their own."""
    blocks: dict[int, set[int]] = {}
    for person, label in enumerate(membership.tolist()):
        blocks.setdefault(label if label >= 0 else -1 - person, set()).add(person)
    return list(blocks.values())


def check_against_oracle(found: Communities, graph: nx.Graph, team: np.ndarray) -> None:
    membership = found.membership
    degree = np.array([graph.degree(p) for p in range(graph.number_of_nodes())], dtype=int)
    assert ((membership == -1) == (degree == 0)).all()
    sizes = np.bincount(membership[membership >= 0], minlength=found.count)
    assert found.count == len(set(membership[membership >= 0].tolist()))
    assert (sizes > 0).all() and (np.diff(sizes) <= 0).all()  # 0..count-1, largest first
    for label in range(found.count):  # Leiden's guarantee: communities are connected
        assert nx.is_connected(graph.subgraph(np.flatnonzero(membership == label).tolist()))
    if graph.number_of_edges():
        expected = nx.community.modularity(graph, partition_sets(membership))
        assert math.isclose(found.modularity, expected, abs_tol=1e-12)
    else:
        assert math.isnan(found.modularity)
    tied = degree > 0
    expected_nmi = nmi_oracle(membership[tied].tolist(), team[tied].tolist())
    assert math.isclose(found.nmi, expected_nmi, abs_tol=1e-12) or (
        math.isnan(found.nmi) and math.isnan(expected_nmi)
    )


# --- random windows -------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(case=cases, resolution=st.sampled_from([0.5, 1.0, 2.0]), seed=st.integers(0, 1000))
def test_partition_modularity_and_nmi_equal_the_oracle(
    case: Case, resolution: float, seed: int
) -> None:
    window = case.window
    found = communities(tie_graph(window, 1), window.team, resolution=resolution, seed=seed)
    check_against_oracle(found, ties_nx(window, 1), window.team)


@settings(max_examples=30, deadline=None)
@given(case=cases, seed=st.integers(0, 1000))
def test_the_same_seed_gives_the_same_partition(case: Case, seed: int) -> None:
    graph = tie_graph(case.window, 1)
    first = communities(graph, case.window.team, seed=seed)
    again = communities(tie_graph(case.window, 1), case.window.team, seed=seed)
    assert first.membership.tolist() == again.membership.tolist()
    assert (first.count, first.modularity) == (again.count, again.modularity) or (
        math.isnan(first.modularity) and math.isnan(again.modularity)
    )


@settings(max_examples=40, deadline=None)
@given(x=st.lists(st.integers(0, 4), max_size=60), data=st.data())
def test_nmi_equals_plain_python_and_igraph(x: list[int], data: st.DataObject) -> None:
    y = data.draw(st.lists(st.integers(0, 6), min_size=len(x), max_size=len(x)))
    got = normalised_mutual_information(np.array(x, dtype=np.int64), np.array(y, dtype=np.int64))
    expected = nmi_oracle(x, y)
    if not x:
        assert math.isnan(got)
        return
    assert math.isclose(got, expected, abs_tol=1e-12)
    if len(set(x)) > 1 or len(set(y)) > 1:  # igraph's "nmi" is the same normalisation
        assert math.isclose(got, igraph.compare_communities(x, y, method="nmi"), abs_tol=1e-9)


# --- fixed cases ------------------------------------------------------------------------------


def planted_window(teams: int, size: int, seed: int) -> Window:
    """Teams of `size` people, 90% of pairs inside a team tied, one bridge per pair of
    neighbouring teams, and one person with no tie at all."""
    rng = np.random.default_rng(seed)
    n = teams * size + 1
    team = np.append(np.repeat(np.arange(teams), size), 0)
    a, b = np.triu_indices(n - 1, k=1)
    inside = (team[a] == team[b]) & (rng.random(a.size) < 0.9)
    bridge = (b == a + size) & (a % size == 0)  # first member of a team to the next team's
    keep = inside | bridge
    m = int(keep.sum())
    return Window(
        n=n,
        a=a[keep],
        b=b[keep],
        count=np.full(m, 3),
        one_to_one_minutes=np.zeros(m, dtype=np.int64),
        team=team,
        manager=np.full(n, -1),
        interactions=np.zeros(n, dtype=np.int64),
        after_hours=np.zeros(n, dtype=np.int64),
        meeting_minutes=np.zeros(n, dtype=np.int64),
    )


def test_dense_teams_are_found_exactly() -> None:
    window = planted_window(teams=8, size=12, seed=3)
    found = communities(tie_graph(window), window.team)
    assert found.count == 8
    assert found.nmi == 1.0
    assert found.membership[-1] == -1  # the person without a tie is in no community
    check_against_oracle(found, ties_nx(window), window.team)


def test_no_ties_no_communities() -> None:
    window = planted_window(teams=1, size=1, seed=0)
    found = communities(tie_graph(window), window.team)
    assert found.count == 0
    assert found.membership.tolist() == [-1, -1]
    assert math.isnan(found.modularity) and math.isnan(found.nmi)


def test_one_team_one_community_is_full_agreement() -> None:
    window = planted_window(teams=1, size=6, seed=0)
    found = communities(tie_graph(window), window.team)
    assert found.count == 1
    assert found.nmi == 1.0
    assert math.isclose(found.modularity, 0.0, abs_tol=1e-12)
