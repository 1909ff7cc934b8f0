"""The span engine against plain-Python oracles (no database)."""

from __future__ import annotations

import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kith.touchpoints.engine import span as engine


def _oracle_line(manager: list[int]) -> list[int]:
    """Everyone below each person, by walking up from every person (a plain closure)."""
    below = [0] * len(manager)
    for person in range(len(manager)):
        seen = set()
        boss = manager[person]
        while boss >= 0 and boss not in seen:
            seen.add(boss)
            below[boss] += 1
            boss = manager[boss]
    return below


@st.composite
def forests(draw: st.DrawFn) -> list[int]:
    """A random forest on n people, numbered in a random order (as an import would)."""
    n = draw(st.integers(min_value=1, max_value=60))
    parents = [-1 if i == 0 else draw(st.integers(min_value=-1, max_value=i - 1)) for i in range(n)]
    order = draw(st.permutations(list(range(n))))
    manager = [-1] * n
    for i, p in enumerate(parents):
        manager[order[i]] = -1 if p < 0 else order[p]
    return manager


@settings(max_examples=200, deadline=None)
@given(forests())
def test_direct_reports_and_reporting_line_match_a_plain_closure(manager):
    arr = np.array(manager, dtype=np.int64)
    assert engine.direct_reports(arr).tolist() == [manager.count(i) for i in range(len(manager))]
    assert engine.reporting_line(arr).tolist() == _oracle_line(manager)


def test_a_deep_chain_is_counted_without_recursion():
    n = 20_000
    chain = np.arange(-1, n - 1, dtype=np.int64)  # 0 <- 1 <- 2 ... each reports to the previous
    line = engine.reporting_line(chain)
    assert line[0] == n - 1 and line[n - 2] == 1 and line[n - 1] == 0


def test_a_loop_of_managers_is_cut_so_every_figure_stays_finite():
    # 0 reports to 1, 1 to 2, 2 to 0: a loop; 3 reports to 2 and 4 to 3.
    manager = np.array([1, 2, 0, 2, 3], dtype=np.int64)
    assert engine.direct_reports(manager).tolist() == [1, 1, 2, 1, 0]
    line = engine.reporting_line(manager)
    # Cut at position 0 (the loop's lowest): 0 manages 2, who manages 1 and 3; 3 manages 4.
    assert line.tolist() == [4, 0, 3, 1, 0]
    assert engine.without_loops(manager).tolist() == [-1, 2, 0, 2, 3]


def test_flags_follow_the_thresholds_at_their_edges():
    direct = np.array([0, 1, 9, 10, 14, 15, 16], dtype=np.int64)
    flags = engine.flags(direct, warn_at=10, alert_at=15)
    assert [engine.FLAG_KEYS[f] for f in flags] == [
        "none",
        "none",
        "none",
        "wide",
        "wide",
        "too wide",
        "too wide",
    ]


def test_every_span_has_exactly_one_archetype():
    spans = np.arange(0, 40, dtype=np.int64)
    keys = [engine.BANDS[b].key if b >= 0 else None for b in engine.bands(spans)]
    assert keys[0] is None
    assert keys[1:3] == ["narrow"] * 2
    assert keys[3:6] == ["player_coach"] * 3
    assert keys[6:8] == ["coach"] * 2
    assert keys[8:11] == ["supervisor"] * 3
    assert keys[11:16] == ["facilitator"] * 5  # 15 is a facilitator's
    assert keys[16:] == ["coordinator"] * 24
    for span in range(1, 40):
        assert sum(band.holds(span) for band in engine.BANDS) == 1


def test_weekly_minutes_and_coverage_use_each_pairs_own_cadence():
    # 0 manages 1, 2, 3; 1 manages 4.
    manager = np.array([-1, 0, 0, 0, 1], dtype=np.int64)
    # Pairs: (0, 1) weekly; (0, 2) monthly; (9, 3) is someone else's pair (no match: default);
    # (1, 4) fortnightly.
    cadence = engine.pair_values(
        manager,
        np.array([0, 0, 2, 1]),
        np.array([1, 2, 3, 4]),
        np.array([7.0, 28.0, 7.0, 14.0]),
        14.0,
    )
    assert cadence.tolist() == [14.0, 7.0, 28.0, 14.0, 14.0]
    minutes = engine.weekly_minutes(manager, cadence, 30.0)
    assert minutes[0] == pytest.approx(30 * 7 / 7 + 30 * 7 / 28 + 30 * 7 / 14)
    assert minutes[1] == pytest.approx(15.0)
    assert minutes[4] == 0
    held = engine.pair_values(
        manager, np.array([0, 3]), np.array([1, 4]), np.ones(2), 0.0
    )  # (3, 4) was held with someone who is not 4's manager: it does not count
    cover = engine.coverage(manager, held > 0)
    assert cover[0] == pytest.approx(1 / 3)
    assert cover[1] == 0
    assert np.isnan(cover[2])


def test_positions_of_ids_that_are_not_there_are_minus_one():
    ids = np.array([3, 8, 20, 21], dtype=np.int64)
    found = engine.positions(ids, np.array([20, 4, -1, 3, 99]))
    assert found.tolist() == [2, -1, -1, 0, -1]
    assert engine.positions(np.array([], dtype=np.int64), np.array([1])).tolist() == [-1]


def test_distribution_counts_bands_and_flags_among_managers_only():
    direct = np.array([0, 0, 2, 4, 4, 7, 10, 12, 16, 0], dtype=np.int64)
    dist = engine.distribution(direct, warn_at=10, alert_at=15)
    spans = [2, 4, 4, 7, 10, 12, 16]
    assert dist.managers == 7
    assert dist.median == statistics.median(spans)
    assert dist.mean == pytest.approx(statistics.mean(spans), abs=0.01)
    assert dist.bands == {"1–2": 1, "3–5": 2, "6–7": 1, "8–10": 1, "11–15": 1, "15+": 1}
    assert (dist.wide, dist.too_wide) == (2, 1)
    assert dist.flagged_share == pytest.approx(3 / 7)
    empty = engine.distribution(np.zeros(3, dtype=np.int64), warn_at=10, alert_at=15)
    assert empty.managers == 0 and empty.flagged_share == 0


def test_teams_needed_keeps_each_below_the_warning():
    assert engine.teams_needed(16, warn_at=10) == 2
    assert engine.teams_needed(19, warn_at=10) == 3
    assert engine.teams_needed(5, warn_at=10) == 1


def test_bars_scale_to_the_tallest():
    bars = engine.bars([("a", 2), ("b", 4), ("c", 0)], width=300, height=100)
    assert [b.height for b in bars] == [50.0, 100.0, 0.0]
    assert bars[1].y == 0 and bars[2].y == 100
    assert bars[0].centre == pytest.approx(50.0)
    assert engine.bars([], width=10, height=10) == []


@settings(max_examples=100, deadline=None)
@given(forests(), st.data())
def test_below_is_everyone_under_a_person(manager, data):
    root = data.draw(st.integers(min_value=0, max_value=len(manager) - 1))
    inside = engine.below(np.array(manager, dtype=np.int64), root)
    expected = set()
    for person in range(len(manager)):
        boss = manager[person]
        while boss >= 0:
            if boss == root:
                expected.add(person)
                break
            boss = manager[boss]
    assert set(np.flatnonzero(inside).tolist()) == expected


def test_coverage_others_see_is_withheld_for_small_teams_and_rounded_to_tenths():
    coverage = np.array([1.0, 0.0, 3 / 16, 0.25, 0.149, 11 / 14, 1.0, np.nan])
    direct = np.array([1, 4, 16, 8, 20, 14, 5, 0])
    shown = engine.shown_coverage(coverage, direct, min_reports=5)
    assert np.isnan(shown[[0, 1, 7]]).all()  # one report, four reports, nobody
    assert shown[2:7].tolist() == [0.2, 0.3, 0.1, 0.8, 1.0]
    # A larger smallest group withholds more.
    assert np.isnan(engine.shown_coverage(coverage, direct, min_reports=10)[[3, 6]]).all()
