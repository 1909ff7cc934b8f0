"""Aggregating responses into cells: subtree inclusion, attribute filters, means, favourable
percentages, t-intervals and eNPS checked by hand; the vectorised scores against the scalar
`instrument_score`. No database."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kith.pulse.engine.instruments import (
    INSTRUMENTS,
    custom_item,
    instrument,
    instrument_score,
    item_value,
)
from kith.pulse.engine.results import Responses, Tree, cell_counts, compute

NAN = math.nan
# 0 organisation; 1 and 2 under it; 3 under 1
TREE = Tree(parent=np.array([-1, 0, 0, 1]))


def test_tree_helpers() -> None:
    assert TREE.depth.tolist() == [0, 1, 1, 2]
    assert sorted(TREE.subtree(1).tolist()) == [1, 3]
    assert TREE.children(0).tolist() == [1, 2]
    assert TREE.is_ancestor(np.array([0, 1, 1, 2]), np.array([3, 3, 2, 2])).tolist() == [
        True,
        True,
        False,
        True,
    ]
    assert TREE.lca(np.array([3, 3, 2]), np.array([1, 2, 2])).tolist() == [1, 0, 2]
    assert TREE.rollup(np.array([1.0, 2.0, 3.0, 4.0])).tolist() == [10.0, 6.0, 3.0, 4.0]


def test_tree_rejects_cycles_and_bad_parents() -> None:
    with pytest.raises(ValueError, match="cycle"):
        Tree(parent=np.array([-1, 2, 1]))
    with pytest.raises(ValueError, match="unit 1: parent 5"):
        Tree(parent=np.array([-1, 5]))


def test_cell_counts_include_subtrees_and_filters() -> None:
    unit = np.array([1, 1, 3, 3, 2])
    attrs = np.array([[0, 1], [1, 1], [0, 0], [0, 1], [1, 0]])
    counts = cell_counts(TREE, unit, attrs)
    assert counts[(0, -1, -1)] == 5
    assert counts[(1, -1, -1)] == 4  # 1 and 3
    assert counts[(3, -1, -1)] == 2
    assert counts[(1, 0, 0)] == 3
    assert counts[(0, 1, 0)] == 2
    assert counts[(2, 0, 1)] == 1
    assert (2, 0, 0) not in counts  # empty cells are left out
    assert sum(1 for c in counts if c[1] == -1) == 4


AGREE = custom_item("custom.q", "I can be myself at work.", "agree")
CHOICE = custom_item("custom.c", "Where do you work?", "choice", ["Office", "Home", "Mix"])


def small_wave() -> Responses:
    return Responses(
        unit=np.array([1, 1, 3, 3, 2, 2]),
        attrs=np.array([[0], [1], [0], [1], [0], [0]]),
        values=np.array(
            [[5, 1], [4, 2], [2, 2], [NAN, 3], [3, NAN], [1, 1]],
            dtype=np.float64,
        ),
    )


def test_item_means_favourable_and_distributions_by_hand() -> None:
    cells = [(0, -1, -1), (1, -1, -1), (1, 0, 0), (3, -1, -1), (2, 0, 1)]
    got = compute([AGREE, CHOICE], [], TREE, small_wave(), cells)
    assert set(got) == set(cells)

    org = got[(0, -1, -1)]
    assert org.respondents == 6
    q = org.items["custom.q"]
    assert (q.n, q.mean, q.favourable_pct) == (5, 3.0, 40.0)  # (5+4+2+3+1)/5; 5 and 4 agree
    assert q.distribution == {1: 1, 2: 1, 3: 1, 4: 1, 5: 1}
    c = org.items["custom.c"]
    assert (c.n, c.mean, c.favourable_pct) == (5, None, None)  # unordered: no mean
    assert c.distribution == {1: 2, 2: 2, 3: 1}

    team = got[(1, -1, -1)]  # units 1 and 3 (subtree)
    assert team.respondents == 4
    assert round(team.items["custom.q"].mean or 0, 2) == 3.67  # (5+4+2)/3
    assert round(team.items["custom.q"].favourable_pct or 0, 2) == 66.67

    filtered = got[(1, 0, 0)]  # subtree of 1 with attribute 0 == 0: responses 0 and 2
    assert filtered.respondents == 2
    assert filtered.items["custom.q"].mean == 3.5
    assert filtered.items["custom.q"].favourable_pct == 50.0

    leaf = got[(3, -1, -1)]
    assert leaf.items["custom.q"].n == 1 and leaf.items["custom.q"].mean == 2.0

    empty = got[(2, 0, 1)]
    assert empty.respondents == 0
    assert empty.items["custom.q"].mean is None and empty.items["custom.q"].n == 0
    assert empty.scores == {}


def test_only_requested_cells_are_computed() -> None:
    got = compute([AGREE, CHOICE], [], TREE, small_wave(), [(2, -1, -1)])
    assert list(got) == [(2, -1, -1)]


def test_distribution_of_a_reversed_item_is_keyed_by_scored_value() -> None:
    item = instrument("edmondson").items[0]  # reversed
    raw = np.array([[1.0], [1.0], [7.0]])
    scored = np.vectorize(lambda a: item_value(item, a))(raw)
    got = compute(
        [item],
        [],
        Tree(parent=np.array([-1])),
        Responses(
            unit=np.zeros(3, dtype=np.int64), attrs=np.zeros((3, 0), dtype=np.int64), values=scored
        ),
        [(0, -1, -1)],
    )
    stat = got[(0, -1, -1)].items["edmondson.1"]
    assert stat.distribution[7] == 2 and stat.distribution[1] == 1  # two people answered 1
    assert round(stat.favourable_pct or 0, 2) == 66.67


def one_unit(values: list[list[float]]) -> Responses:
    n = len(values)
    return Responses(
        unit=np.zeros(n, dtype=np.int64),
        attrs=np.zeros((n, 0), dtype=np.int64),
        values=np.array(values, dtype=np.float64),
    )


ROOT = Tree(parent=np.array([-1]))


def test_loneliness_mean_interval_and_favourable_by_hand() -> None:
    inst = instrument("loneliness3")
    # sums 4, 5, 6, 7, 8: mean 6, sd sqrt(2.5), t(0.975, 4) = 2.776445
    rows = [[1, 1, 2], [1, 2, 2], [2, 2, 2], [2, 2, 3], [2, 3, 3]]
    got = compute(list(inst.items), [inst], ROOT, one_unit(rows), [(0, -1, -1)])
    s = got[(0, -1, -1)].scores["loneliness3"]
    half = 2.776445 * math.sqrt(2.5) / math.sqrt(5)  # 1.9632
    assert s.n == 5 and s.mean == pytest.approx(6.0)
    assert round(s.ci_low, 2) == round(6 - half, 2) == 4.04
    assert round(s.ci_high, 2) == round(6 + half, 2) == 7.96
    assert s.favourable_pct == 40.0  # sums 4 and 5
    assert s.enps is None


def test_single_respondent_interval_is_the_mean_and_partial_answers_do_not_score() -> None:
    inst = instrument("loneliness3")
    got = compute(list(inst.items), [inst], ROOT, one_unit([[1, 2, 3], [1, NAN, 1]]), [(0, -1, -1)])
    s = got[(0, -1, -1)].scores["loneliness3"]
    assert (s.n, s.mean, s.ci_low, s.ci_high) == (1, 6.0, 6.0, 6.0)
    assert got[(0, -1, -1)].respondents == 2


def test_edmondson_score_in_a_cell() -> None:
    inst = instrument("edmondson")
    raw = [[2, 6, 3, 5, 1, 6, 7], [7, 1, 7, 1, 7, 1, 1]]  # scores 6.00 and 1.00
    scored = [[item_value(i, a) for i, a in zip(inst.items, row, strict=True)] for row in raw]
    got = compute(list(inst.items), [inst], ROOT, one_unit(scored), [(0, -1, -1)])
    s = got[(0, -1, -1)].scores["edmondson"]
    assert s.mean == pytest.approx(3.5)
    assert s.favourable_pct == 50.0  # 6.00 >= 5.5
    assert (s.ci_low, s.ci_high) == (1.0, 7.0)  # t(0.975, 1) = 12.7: clipped to the range
    first = got[(0, -1, -1)].items["edmondson.1"]
    assert first.mean == pytest.approx(3.5)  # scored 6 and 1


def test_enps_by_hand() -> None:
    inst = instrument("enps")
    answers = [9, 10, 10, 9, 7, 8, 7, 0, 6, 5]  # 4 promoters, 3 passives, 3 detractors
    got = compute(list(inst.items), [inst], ROOT, one_unit([[a] for a in answers]), [(0, -1, -1)])
    s = got[(0, -1, -1)].scores["enps"]
    assert s.enps == pytest.approx(10.0) and s.mean == pytest.approx(10.0)
    assert s.favourable_pct == 40.0
    # +100/0/-100 per person: variance (70000 - 10 * 10^2) / 9, t(0.975, 9) = 2.262157
    half = 2.262157 * math.sqrt((70000 - 1000) / 9) / math.sqrt(10)
    assert round(s.ci_low, 2) == round(10 - half, 2) == -52.64
    assert round(s.ci_high, 2) == round(10 + half, 2) == 72.64
    item = got[(0, -1, -1)].items["enps.1"]
    assert item.mean == pytest.approx(7.1) and item.favourable_pct == 40.0


def test_cbi_with_reversed_item_in_a_cell() -> None:
    inst = instrument("cbi_work")
    raw = [[75, 50, 100, 25, 0, 50, 100], [50, 50, 50, 50, 50, 50, 50]]  # 42.86 and 50.00
    scored = [[item_value(i, a) for i, a in zip(inst.items, row, strict=True)] for row in raw]
    got = compute(list(inst.items), [inst], ROOT, one_unit(scored), [(0, -1, -1)])
    s = got[(0, -1, -1)].scores["cbi_work"]
    assert round(s.mean, 2) == round((300 / 7 + 50) / 2, 2) == 46.43
    assert s.favourable_pct == 50.0


def test_bad_input_is_named() -> None:
    with pytest.raises(ValueError, match=r"item 'custom.q', response 0: 9.0"):
        compute([AGREE], [], ROOT, one_unit([[9]]), [(0, -1, -1)])
    with pytest.raises(ValueError, match="free text"):
        compute([custom_item("custom.t", "?", "text")], [], ROOT, one_unit([[1]]), [])
    with pytest.raises(ValueError, match=r"loneliness\.3 are not in the wave"):
        inst = instrument("loneliness3")
        compute(list(inst.items[:2]), [inst], ROOT, one_unit([[1, 1]]), [])
    with pytest.raises(ValueError, match="not a valid cell"):
        compute([AGREE], [], ROOT, one_unit([[1]]), [(0, 0, 1)])


SCORED = [INSTRUMENTS[k] for k in ("edmondson", "cbi_work", "loneliness3", "enps")]


@st.composite
def scored_answers(draw: st.DrawFn) -> list[list[float | None]]:
    """Raw answers of up to 6 people to every item of the scored instruments, some skipped."""
    rows = []
    for _ in range(draw(st.integers(1, 6))):
        row: list[float | None] = []
        for inst in SCORED:
            for item in inst.items:
                values = [o.value for o in item.scale.options]
                row.append(draw(st.one_of(st.none(), st.sampled_from(values))))
        rows.append(row)
    return rows


@settings(max_examples=60, deadline=None)
@given(scored_answers())
def test_vectorised_scores_match_instrument_score(raw: list[list[float | None]]) -> None:
    """One unit per person, so each unit's cell mean is that person's own score."""
    items = [item for inst in SCORED for item in inst.items]
    values = [
        [NAN if a is None else item_value(item, a) for item, a in zip(items, row, strict=True)]
        for row in raw
    ]
    n = len(raw)
    tree = Tree(parent=np.array([-1] + [0] * n))
    responses = Responses(
        unit=np.arange(1, n + 1), attrs=np.zeros((n, 0), dtype=np.int64), values=np.array(values)
    )
    got = compute(items, SCORED, tree, responses, [(u, -1, -1) for u in range(1, n + 1)])
    for person, row in enumerate(values):
        by_key = {item.key: v for item, v in zip(items, row, strict=True)}
        for inst in SCORED:
            expected = instrument_score(inst, by_key)
            stat = got[(person + 1, -1, -1)].scores.get(inst.key)
            if expected is None:
                assert stat is None
                continue
            assert stat is not None
            if inst.key == "enps":
                assert stat.enps == (100.0 if expected >= 9 else -100.0 if expected <= 6 else 0.0)
            else:
                assert stat.mean == pytest.approx(expected)
                assert stat.ci_low == stat.ci_high == stat.mean
