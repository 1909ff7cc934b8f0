"""The pair/group matcher for Connect rounds: hard rules, everyone accounted for, optimality
against networkx (test oracle only), groups, explanations and determinism. No database."""

from __future__ import annotations

import random
import re
from itertools import combinations

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kith.connect.engine.blossom import Blossom, blossom_matching
from kith.connect.engine.graph import pair_graph
from kith.connect.engine.matching import (
    explain,
    group_plan,
    is_allowed,
    match_round,
    pair_score,
)
from kith.connect.engine.scoring import Population
from kith.connect.engine.types import Participant, RoundResult, Rules, UnmatchedReason, Weights

DAY = 24 * 60
WEEK_9_TO_5 = tuple((d * DAY + 9 * 60, d * DAY + 17 * 60) for d in range(5))
WEIGHTS = Weights()
NO_RULES = Rules(avoid_manager_pairs=False, min_overlap_minutes=0)


def person(pid: int, **fields: object) -> Participant:
    defaults: dict[str, object] = {"team": pid, "department": -1, "city": ""}
    return Participant(id=pid, **{**defaults, **fields})


def shifted(utc_offset: float) -> tuple[tuple[int, int], ...]:
    """Local 9-to-5 in a zone at this UTC offset, as UTC minutes (New York: -5)."""
    return tuple((s - int(utc_offset * 60), e - int(utc_offset * 60)) for s, e in WEEK_9_TO_5)


# --- generators -------------------------------------------------------------------------------

CITIES = ["Lisbon, PT", "Berlin, DE", "Tokyo, JP", ""]
WINDOWS = [(), WEEK_9_TO_5, shifted(1), shifted(-5), shifted(9), ((0, 30),)]
INTERESTS = ["Climbing", "Chess", "Jazz", "AI", "Baking", "Running"]


@st.composite
def populations(draw: st.DrawFn, max_size: int = 60) -> tuple[list[Participant], Rules, int]:
    n = draw(st.integers(0, max_size))
    ids = draw(st.permutations(range(1, n + 1))) if n else []
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    teams = rng.randint(1, max(1, n // 3))
    people = []
    for pid in ids:
        team = rng.randrange(-1, teams)
        people.append(
            Participant(
                id=pid,
                team=team,
                department=team // 3 if team >= 0 else -1,
                city=rng.choice(CITIES),
                work_windows=rng.choice(WINDOWS),
                interests=frozenset(rng.sample(INTERESTS, rng.randint(0, 3))),
                tenure_days=rng.choice([0, 30, 400, 2000, 4000]),
                is_new_joiner=rng.random() < 0.15,
                manager=rng.choice([None, *range(1, n + 1)]) if n else None,
            )
        )
    forbidden = set()
    for _ in range(draw(st.integers(0, 3 * n))):
        a, b = rng.randint(1, max(n, 1)), rng.randint(1, max(n, 1))
        if a != b:
            forbidden.add((min(a, b), max(a, b)))
    rules = Rules(
        forbidden_pairs=frozenset(forbidden),
        avoid_manager_pairs=draw(st.booleans()),
        min_overlap_minutes=draw(st.sampled_from([0, 30, 120])),
    )
    return people, rules, draw(st.sampled_from([2, 3, 4]))


def organisation(n: int, seed: int) -> list[Participant]:
    rng = random.Random(seed)
    zones = [("Lisbon, PT", 0), ("Berlin, DE", 1), ("New York, US", -5), ("Singapore, SG", 8)]
    out = []
    for i in range(1, n + 1):
        city, offset = rng.choice(zones)
        out.append(
            Participant(
                id=i,
                team=(i - 1) // 8,
                department=(i - 1) // 40,
                city=city,
                work_windows=shifted(offset),
                interests=frozenset(rng.sample(INTERESTS, rng.randint(0, 4))),
                tenure_days=rng.randint(1, 4000),
                is_new_joiner=rng.random() < 0.05,
                manager=((i - 1) // 8) * 8 + 1 if (i - 1) % 8 else None,
            )
        )
    return out


# --- invariants -------------------------------------------------------------------------------


def check_round(people: list[Participant], rules: Rules, group_size: int, r: RoundResult) -> None:
    by_id = {p.id: p for p in people}
    seen = [m for match in r.matches for m in match.members] + [u.id for u in r.unmatched]
    assert sorted(seen) == sorted(by_id), "everyone exactly once"
    for match in r.matches:
        assert list(match.members) == sorted(match.members)
        for a, b in combinations(match.members, 2):
            assert is_allowed(by_id[a], by_id[b], rules), (a, b)
        if group_size == 2:
            assert len(match.members) in (2, 3)
        else:
            assert len(match.members) in (3, 4)
        assert match.score >= 0
        assert 1 <= len(match.reasons) <= 4
        assert all(reason and len(reason) < 80 for reason in match.reasons)
    assert list(r.matches) == sorted(r.matches, key=lambda m: m.members)
    if group_size == 2:
        assert sum(len(m.members) == 3 for m in r.matches) <= 1, "at most one trio"
    for u in r.unmatched:
        assert u.detail
        others = [p for p in people if p.id != u.id]
        if u.reason is UnmatchedReason.ALONE:
            assert not others
        if u.reason in (UnmatchedReason.NO_ALLOWED_PARTNER, UnmatchedReason.NO_OVERLAP):
            assert not any(is_allowed(by_id[u.id], p, rules) for p in others)
    assert r.algorithm in ("exact", "greedy+local-search")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(populations())
def test_rules_hold_and_everyone_is_accounted_for(case: tuple) -> None:
    people, rules, group_size = case
    r = match_round(people, weights=WEIGHTS, rules=rules, group_size=group_size, seed=3)
    check_round(people, rules, group_size, r)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(populations(max_size=40))
def test_heuristic_path_keeps_the_same_promises(case: tuple) -> None:
    people, rules, group_size = case
    r = match_round(people, weights=WEIGHTS, rules=rules, group_size=group_size, exact_limit=0)
    check_round(people, rules, group_size, r)
    if people:
        assert r.algorithm == "greedy+local-search"


@settings(max_examples=40, deadline=None)
@given(populations(max_size=40), st.integers(0, 5))
def test_deterministic_whatever_the_input_order(case: tuple, seed: int) -> None:
    people, rules, group_size = case
    for limit in (300, 0):
        first = match_round(
            people,
            weights=WEIGHTS,
            rules=rules,
            group_size=group_size,
            seed=seed,
            exact_limit=limit,
        )
        again = match_round(
            list(reversed(people)),
            weights=WEIGHTS,
            rules=rules,
            group_size=group_size,
            seed=seed,
            exact_limit=limit,
        )
        assert first.matches == again.matches
        assert first.unmatched == again.unmatched


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 41), st.sampled_from([300, 0]))
def test_odd_counts_make_exactly_one_trio(n: int, exact_limit: int) -> None:
    people = organisation(n, seed=n)
    r = match_round(people, weights=WEIGHTS, rules=NO_RULES, exact_limit=exact_limit)
    trios = [m for m in r.matches if len(m.members) == 3]
    if n == 1:
        assert r.unmatched[0].reason is UnmatchedReason.ALONE
        return
    assert not r.unmatched
    assert len(trios) == (n % 2 if n >= 3 else 0)


def best_cover(people: list[Participant], rules: Rules) -> int:
    """Most people seated in pairs plus at most one trio, by brute force (tiny rounds)."""
    ok = {(a.id, b.id) for a in people for b in people if is_allowed(a, b, rules)}

    def seat(rest: tuple[int, ...], trio_left: bool) -> int:
        if len(rest) < 2:
            return 0
        first, others = rest[0], rest[1:]
        best = seat(others, trio_left)  # first sits out
        for i, b in enumerate(others):
            if (first, b) not in ok:
                continue
            remaining = others[:i] + others[i + 1 :]
            best = max(best, 2 + seat(remaining, trio_left))
            if trio_left:
                for j, c in enumerate(remaining):
                    if (first, c) in ok and (b, c) in ok:
                        rest3 = remaining[:j] + remaining[j + 1 :]
                        best = max(best, 3 + seat(rest3, False))
        return best

    return seat(tuple(p.id for p in people), True)


@settings(max_examples=120, deadline=None)
@given(populations(max_size=8))
def test_seats_as_many_people_as_possible_in_tiny_rounds(case: tuple) -> None:
    people, rules, _ = case
    r = match_round(people, weights=WEIGHTS, rules=rules)
    seated = sum(len(m.members) for m in r.matches)
    assert seated == best_cover(people, rules)


# --- optimality -------------------------------------------------------------------------------


def networkx_optimum(people: list[Participant], rules: Rules) -> tuple[int, float]:
    graph = nx.Graph()
    graph.add_nodes_from(p.id for p in people)
    for a, b in combinations(people, 2):
        if is_allowed(a, b, rules):
            graph.add_edge(a.id, b.id, weight=pair_score(a, b, WEIGHTS))
    matching = nx.max_weight_matching(graph, maxcardinality=True)
    return len(matching), sum(graph[a][b]["weight"] for a, b in matching)


def test_blossom_matches_networkx_on_random_graphs() -> None:
    rng = random.Random(11)
    for _ in range(300):
        n = rng.randint(0, 30)
        density = rng.choice([0.1, 0.3, 0.7, 1.0])
        edges = [
            (i, j, rng.choice([rng.randint(0, 9), rng.randint(0, 10**6)]))
            for i, j in combinations(range(n), 2)
            if rng.random() < density
        ]
        mate = Blossom(n, edges).solve()
        weight = {(i, j): w for i, j, w in edges}
        pairs = [(a, mate[a]) for a in range(n) if mate[a] > a]
        assert all(mate[mate[a]] == a for a in range(n) if mate[a] >= 0)
        graph = nx.Graph()
        graph.add_nodes_from(range(n))
        graph.add_weighted_edges_from(edges)
        best = nx.max_weight_matching(graph, maxcardinality=True)
        assert len(pairs) == len(best)
        assert sum(weight[p] for p in pairs) == sum(graph[a][b]["weight"] for a, b in best)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(populations(max_size=40))
def test_exact_path_is_optimal(case: tuple) -> None:
    people, rules, _ = case
    ordered = sorted(people, key=lambda p: p.id)
    population = Population.build(ordered, WEIGHTS, rules)
    graph = pair_graph(population, np.random.default_rng(0), exact=True)
    mate = blossom_matching(graph)
    pairs = [(a, int(mate[a])) for a in range(len(people)) if mate[a] > a]
    total = sum(pair_score(ordered[a], ordered[b], WEIGHTS) for a, b in pairs)
    size, optimum = networkx_optimum(people, rules)
    assert len(pairs) == size
    assert total == pytest.approx(optimum, abs=1e-5)


@pytest.mark.parametrize(("n", "seed"), [(120, 1), (160, 2), (200, 3)])
def test_heuristic_path_is_within_one_percent_of_the_optimum(n: int, seed: int) -> None:
    people = organisation(n, seed)
    rules = Rules(forbidden_pairs=frozenset(random_pairs(people, 2 * n, seed)))
    r = match_round(people, weights=WEIGHTS, rules=rules, exact_limit=0, seed=seed)
    check_round(people, rules, 2, r)
    size, optimum = networkx_optimum(people, rules)
    assert sum(len(m.members) for m in r.matches) >= 2 * size  # + 1 when someone joined a trio
    assert r.total_score >= 0.99 * optimum


def random_pairs(people: list[Participant], count: int, seed: int) -> set[tuple[int, int]]:
    rng = random.Random(seed)
    ids = [p.id for p in people]
    out: set[tuple[int, int]] = set()
    while len(out) < count:
        a, b = rng.sample(ids, 2)
        out.add((min(a, b), max(a, b)))
    return out


def test_exact_and_heuristic_agree_on_an_easy_round() -> None:
    people = organisation(60, 4)
    exact = match_round(people, weights=WEIGHTS, rules=NO_RULES)
    heuristic = match_round(people, weights=WEIGHTS, rules=NO_RULES, exact_limit=0)
    assert exact.algorithm == "exact"
    assert heuristic.algorithm == "greedy+local-search"
    assert heuristic.total_score >= 0.99 * exact.total_score
    assert heuristic.total_score <= exact.total_score + 1e-9


def test_a_larger_round_uses_candidates_and_matches_everyone() -> None:
    people = organisation(3000, 5)
    r = match_round(people, weights=WEIGHTS, rules=Rules(), seed=1)
    check_round(people, Rules(), 2, r)
    assert r.algorithm == "greedy+local-search"
    assert not r.unmatched
    assert r.stats["candidates"] < 60 * len(people)
    assert {"seconds_candidates", "seconds_matching", "seconds_total"} <= set(r.stats)


def test_candidates_are_allowed_unique_and_seeded() -> None:
    from kith.connect.engine.candidates import candidate_pairs

    people = organisation(2500, 6)
    rules = Rules(forbidden_pairs=frozenset(random_pairs(people, 5000, 6)))
    population = Population.build(people, WEIGHTS, rules)
    u, v = candidate_pairs(population, np.random.default_rng(3))
    assert (u < v).all()
    assert np.unique(u * len(people) + v).size == u.size
    assert population.allowed(u, v).all()
    degree = np.bincount(np.concatenate([u, v]), minlength=len(people))
    assert degree.min() >= 4 and 20 <= degree.mean() <= 60
    again = candidate_pairs(population, np.random.default_rng(3))
    assert np.array_equal(u, again[0]) and np.array_equal(v, again[1])


# --- scores and rules -------------------------------------------------------------------------


def test_pair_score_adds_each_preference() -> None:
    a = person(
        1,
        team=1,
        department=10,
        city="Lisbon, PT",
        work_windows=WEEK_9_TO_5,
        interests=frozenset({"Climbing", "Chess"}),
        tenure_days=100,
    )
    b = person(
        2,
        team=2,
        department=20,
        city="Lisbon, PT",
        work_windows=WEEK_9_TO_5,
        interests=frozenset({"Climbing"}),
        tenure_days=3000,
        is_new_joiner=True,
    )
    weights = Weights(
        different_team=1,
        different_department=0.5,
        shared_interests=3,
        working_hours_overlap=1,
        same_city=2,
        seniority_mix=0.25,
        new_joiners_first=0.125,
    )
    # joiner b is in band 0, like a (100 days): no seniority mix.
    assert pair_score(a, b, weights) == 1 + 0.5 + 3 * (1 / 3) + 1 + 2 + 0 + 0.125
    assert pair_score(a, b, weights) == pair_score(b, a, weights)
    same = person(3, team=1, department=10, tenure_days=4000)
    assert pair_score(a, same, Weights(seniority_mix=1, **zero("seniority_mix"))) == 1.0
    assert pair_score(a, b, Weights(**zero())) == 0.0
    assert pair_score(a, b, Weights(**{**zero(), "different_team": -5})) == 0.0


def zero(*keep: str) -> dict[str, float]:
    names = [
        "different_team",
        "different_department",
        "shared_interests",
        "working_hours_overlap",
        "same_city",
        "seniority_mix",
        "new_joiners_first",
    ]
    return {name: 0.0 for name in names if name not in keep}


def test_overlap_is_capped_at_eight_hours_and_unknown_teams_do_not_count() -> None:
    a = person(1, team=-1, work_windows=WEEK_9_TO_5)
    b = person(2, team=-1, work_windows=shifted(-5))  # New York: 14:00-22:00 UTC, 15 h a week
    only_overlap = Weights(**{**zero(), "working_hours_overlap": 1})
    assert pair_score(a, b, only_overlap) == 1.0
    c = person(3, team=-1, work_windows=((9 * 60, 10 * 60),))
    assert pair_score(a, c, only_overlap) == 60 / 480
    assert pair_score(a, b, Weights(**{**zero(), "different_team": 1})) == 0.0


@settings(max_examples=60, deadline=None)
@given(populations(max_size=25))
def test_vectorised_scores_and_rules_agree_with_the_single_pair_functions(case: tuple) -> None:
    people, rules, _ = case
    ordered = sorted(people, key=lambda p: p.id)
    population = Population.build(ordered, WEIGHTS, rules)
    pairs = np.array(list(combinations(range(len(ordered)), 2)), dtype=np.int64).reshape(-1, 2)
    u, v = pairs[:, 0], pairs[:, 1]
    scores, allowed = population.evaluate(u, v)
    for i, (a, b) in enumerate(zip(u.tolist(), v.tolist(), strict=True)):
        assert scores[i] == pair_score(ordered[a], ordered[b], WEIGHTS)  # bit for bit
        assert allowed[i] == is_allowed(ordered[a], ordered[b], rules)


def test_overlap_without_the_pattern_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past MAX_PATTERNS_FOR_TABLE distinct working-hour patterns, overlaps are computed
    interval by interval; the result must not change."""
    from kith.connect.engine import scoring

    people = organisation(40, 8)
    rng = random.Random(8)
    people = [
        Participant(
            id=p.id,
            team=p.team,
            department=p.department,
            city=p.city,
            work_windows=tuple((s + rng.randint(-90, 90), e) for s, e in p.work_windows),
            interests=p.interests,
        )
        for p in people
    ]
    pairs = np.array(list(combinations(range(40), 2)), dtype=np.int64)
    with_table = Population.build(people, WEIGHTS, Rules())
    monkeypatch.setattr(scoring, "MAX_PATTERNS_FOR_TABLE", 0)
    without = Population.build(people, WEIGHTS, Rules())
    assert with_table.overlap_table.size and not without.overlap_table.size
    for population in (with_table, without):
        scores, allowed = population.evaluate(pairs[:, 0], pairs[:, 1])
        for i, (a, b) in enumerate(pairs.tolist()):
            assert scores[i] == pair_score(people[a], people[b], WEIGHTS)
            assert allowed[i] == is_allowed(people[a], people[b], Rules())


def test_hard_rules_for_one_pair() -> None:
    boss = person(1, work_windows=WEEK_9_TO_5)
    report = person(2, manager=1, work_windows=WEEK_9_TO_5)
    tokyo = person(3, work_windows=shifted(9))
    nobody_knows = person(4)
    assert not is_allowed(boss, report, Rules())
    assert is_allowed(boss, report, Rules(avoid_manager_pairs=False))
    assert not is_allowed(boss, tokyo, Rules())  # no shared working minute
    assert is_allowed(boss, tokyo, Rules(min_overlap_minutes=0))
    assert is_allowed(tokyo, nobody_knows, Rules())  # unknown hours: the rule does not apply
    assert not is_allowed(boss, nobody_knows, Rules(forbidden_pairs=frozenset({(1, 4)})))
    assert not is_allowed(boss, boss, Rules())


# --- rounds -----------------------------------------------------------------------------------


def test_the_odd_person_joins_the_pair_they_fit_best() -> None:
    people = [
        person(1, city="Lisbon, PT", interests=frozenset({"Jazz"})),
        person(2, city="Lisbon, PT", interests=frozenset({"Jazz"})),
        person(3, city="Berlin, DE"),
        person(4, city="Berlin, DE"),
        person(5, city="Lisbon, PT", interests=frozenset({"Jazz"})),
    ]
    r = match_round(people, weights=WEIGHTS, rules=NO_RULES)
    assert [m.members for m in r.matches] == [(1, 2, 5), (3, 4)]
    assert not r.unmatched


def test_a_leftover_who_fits_no_pair_gets_in_through_a_handover() -> None:
    # 1 may only meet 2: whatever pairs the matching picks, 1 must end up with 2.
    people = [person(i) for i in range(1, 6)]
    forbidden = {(1, 3), (1, 4), (1, 5)}
    r = match_round(people, weights=WEIGHTS, rules=Rules(forbidden_pairs=frozenset(forbidden)))
    check_round(people, Rules(forbidden_pairs=frozenset(forbidden)), 2, r)
    assert not r.unmatched
    assert any({1, 2} <= set(m.members) for m in r.matches)


def test_nobody_is_dropped_silently_when_no_trio_is_possible() -> None:
    people = [person(1), person(2), person(3)]
    rules = Rules(forbidden_pairs=frozenset({(1, 3), (2, 3)}))
    r = match_round(people, weights=WEIGHTS, rules=rules)
    assert [m.members for m in r.matches] == [(1, 2)]
    (left,) = r.unmatched
    assert left.id == 3
    assert left.reason is UnmatchedReason.NO_ALLOWED_PARTNER
    assert "recently" in left.detail and "3" not in left.detail


def test_reasons_for_being_left_out() -> None:
    assert match_round([person(7)], weights=WEIGHTS, rules=Rules()).unmatched[0].reason is (
        UnmatchedReason.ALONE
    )
    apart = [person(1, work_windows=WEEK_9_TO_5), person(2, work_windows=shifted(9))]
    r = match_round(apart, weights=WEIGHTS, rules=Rules())
    assert {u.reason for u in r.unmatched} == {UnmatchedReason.NO_OVERLAP}
    assert match_round([], weights=WEIGHTS, rules=Rules()).matches == ()


@pytest.mark.parametrize(
    ("n", "size", "expected"),
    [
        (10, 4, [3, 3, 4]),
        (10, 3, [3, 3, 4]),
        (12, 4, [4, 4, 4]),
        (12, 3, [3, 3, 3, 3]),
        (11, 4, [3, 4, 4]),
        (7, 3, [3, 4]),
        (6, 4, [3, 3]),
        (4, 3, [4]),
        (3, 4, [3]),
    ],
)
def test_group_sizes(n: int, size: int, expected: list[int]) -> None:
    people = organisation(n, n)
    r = match_round(people, weights=WEIGHTS, rules=NO_RULES, group_size=size)
    assert sorted(len(m.members) for m in r.matches) == expected
    assert not r.unmatched


@pytest.mark.parametrize(("n", "size"), [(5, 4), (5, 3), (2, 3), (2, 4)])
def test_too_few_people_for_groups_are_told_why(n: int, size: int) -> None:
    people = organisation(n, n)
    r = match_round(people, weights=WEIGHTS, rules=NO_RULES, group_size=size)
    assert sum(len(m.members) for m in r.matches) == (4 if n == 5 else 0)
    assert all(u.reason is UnmatchedReason.FULL for u in r.unmatched)
    assert len(r.unmatched) == n - sum(len(m.members) for m in r.matches)


def test_group_plan() -> None:
    assert group_plan(10, 4) == (1, 2)
    assert group_plan(10, 3) == (1, 2)
    assert group_plan(13, 4) == (1, 3)
    assert group_plan(9, 4) == (0, 3)
    assert group_plan(5, 4) == (1, 0)
    assert group_plan(2, 3) == (0, 0)


def test_large_lunch_groups_on_the_heuristic_path() -> None:
    people = organisation(1001, 9)
    for size in (3, 4):
        r = match_round(people, weights=WEIGHTS, rules=Rules(), group_size=size, exact_limit=0)
        check_round(people, Rules(), size, r)
        assert not r.unmatched


def test_new_joiners_are_seated_first_when_someone_must_sit_out() -> None:
    # Everyone may only meet person 1; the joiner should get them.
    people = [person(1), person(2), person(3, is_new_joiner=True), person(4)]
    forbidden = frozenset({(2, 3), (2, 4), (3, 4)})
    r = match_round(people, weights=WEIGHTS, rules=Rules(forbidden_pairs=forbidden))
    assert [m.members for m in r.matches] == [(1, 3)]


def test_invalid_input() -> None:
    with pytest.raises(ValueError, match="group_size"):
        match_round([person(1)], weights=WEIGHTS, rules=Rules(), group_size=5)
    with pytest.raises(ValueError, match="once"):
        match_round([person(1), person(1)], weights=WEIGHTS, rules=Rules())


# --- explanations -----------------------------------------------------------------------------


def test_explanation_for_two_people_in_the_same_city() -> None:
    a = person(1, team=1, department=1, city="Lisbon, PT", interests=frozenset({"Climbing"}))
    b = person(2, team=2, department=1, city="Lisbon, PT", interests=frozenset({"Climbing"}))
    reasons, city = explain([a, b], WEIGHTS)
    assert reasons == (
        "you are both in Lisbon, so meet in person",
        "you both like climbing",
        "different teams",
    )
    assert city == "Lisbon, PT"
    r = match_round([a, b], weights=WEIGHTS, rules=Rules())
    assert r.matches[0].explanation == (
        "you are both in Lisbon, so meet in person · you both like climbing · different teams"
    )
    assert r.matches[0].meet_in_person_city == "Lisbon, PT"


def test_explanation_across_time_zones() -> None:
    a = person(
        1,
        team=1,
        department=1,
        city="Lisbon, PT",
        work_windows=WEEK_9_TO_5,
        interests=frozenset({"AI", "Chess", "Jazz"}),
        tenure_days=100,
    )
    b = person(
        2,
        team=2,
        department=2,
        city="New York, US",
        work_windows=shifted(-5),
        interests=frozenset({"AI", "Chess", "Jazz"}),
        tenure_days=3000,
    )
    reasons, city = explain([a, b], WEIGHTS)
    assert reasons == (
        "you both like AI and chess",
        "different departments",
        "your working hours overlap by 3 hours",
        "you joined at different times",
    )
    assert city == ""
    assert not any(str(p.tenure_days) in " ".join(reasons) for p in (a, b))


def test_explanation_always_says_something() -> None:
    a, b = person(1, team=5), person(2, team=5)
    assert explain([a, b], WEIGHTS) == (("a new face for both of you",), "")
    c = person(3, team=5)
    assert explain([a, b, c], WEIGHTS) == (("new faces for all of you",), "")
    d = person(4, team=6, city="Berlin, DE", interests=frozenset({"Jazz"}))
    e = person(5, team=7, city="Berlin, DE", interests=frozenset({"Jazz"}))
    f = person(6, team=8, city="Berlin, DE", interests=frozenset({"Jazz"}), is_new_joiner=True)
    reasons, city = explain([d, e, f], WEIGHTS)
    assert reasons[:3] == (
        "you are all in Berlin, so meet in person",
        "you all like jazz",
        "different teams",
    )
    assert city == "Berlin, DE"


REASON = re.compile(
    r"you are (both|all) in [^,]+, so meet in person|you (both|all) like .+|different teams"
    r"|different departments|your working hours overlap by \d hours?"
    r"|you joined at different times|a warm welcome for someone new|a new face for both of you"
    r"|new faces for all of you"
)


@settings(max_examples=40, deadline=None)
@given(populations(max_size=30))
def test_every_reason_is_one_of_the_plain_sentences(case: tuple) -> None:
    people, rules, group_size = case
    r = match_round(people, weights=WEIGHTS, rules=rules, group_size=group_size)
    for match in r.matches:
        for reason in match.reasons:
            assert REASON.fullmatch(reason), reason
