"""Pairs and small groups for Connect rounds (coffee chats, cross-team intros, lunch groups).

`match_round` is the entry point; docs/matching.md explains the algorithm. In short, one
module per idea:

1. Candidates: every allowed pair up to `exact_limit` people, else each person's best few
   partners inside blocks of similar people plus a random spread (candidates.py). Pairs the
   hard rules forbid are never scored into the graph (graph.py).
2. Matching, people first, then score: the most people matched, and among those matchings
   the highest total pair score. Exact up to `exact_limit` people (Edmonds' blossom
   algorithm, blossom.py). Above it: the LP relaxation solved as an assignment problem
   (scipy's sparse LAPJV) and rounded, augmenting paths to match more people, then rounds
   of improving 2-opt swaps and 3-opt rotations between pairs (heuristic.py).
3. Groups: someone left over joins the pair they fit best (the one trio, trios.py). Lunch
   groups of 3-4 match the pairs with each other and with single people (groups.py).
4. Explanations in plain words (explain.py), and a reason for anyone left out (here).

This module is the public surface: `match_round`, `group_plan`, and the re-exported
`pair_score`, `is_allowed` and `explain`.

Deterministic for the same participants, settings and seed, whatever their input order.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from itertools import combinations

import numpy as np

from kith.connect.engine.blossom import blossom_matching
from kith.connect.engine.explain import explain
from kith.connect.engine.graph import Graph, pair_graph
from kith.connect.engine.groups import form_groups, group_plan
from kith.connect.engine.heuristic import heuristic_matching
from kith.connect.engine.scoring import IntArray, Population, is_allowed, pair_score
from kith.connect.engine.trios import pairs_with_one_trio
from kith.connect.engine.types import (
    Match,
    Participant,
    RoundResult,
    Rules,
    Unmatched,
    UnmatchedReason,
    Weights,
)

__all__ = ["explain", "group_plan", "is_allowed", "match_round", "pair_score"]

EXACT = "exact"
HEURISTIC = "greedy+local-search"


def match_round(
    participants: Sequence[Participant],
    *,
    weights: Weights,
    rules: Rules,
    group_size: int = 2,
    seed: int = 0,
    exact_limit: int = 300,
) -> RoundResult:
    """Match one round. Every participant ends up in exactly one match or in `unmatched`."""
    if group_size not in (2, 3, 4):
        raise ValueError(f"group_size must be 2, 3 or 4, not {group_size}")
    people = sorted(participants, key=lambda p: p.id)
    if len({p.id for p in people}) != len(people):
        raise ValueError("each participant may appear only once in a round")
    clock = _Clock()
    population = Population.build(people, weights, rules)
    exact = len(people) <= exact_limit
    rng = np.random.default_rng(seed)
    graph = pair_graph(population, rng, exact)
    clock.lap("candidates")
    stats: dict[str, float] = {"participants": len(people), "candidates": graph.u.size}
    mate = max_matching(graph, exact, stats)
    clock.lap("matching")
    if group_size == 2:
        groups, trio_formed = pairs_with_one_trio(population, graph, mate)
    else:
        groups = form_groups(population, graph, mate, group_size, exact, stats)
        trio_formed = False
    clock.lap("groups")
    matches = _matches(people, population, groups, weights)
    left = sorted(set(range(len(people))) - {i for g in groups for i in g})
    unmatched = [_why_unmatched(population, i, group_size, trio_formed) for i in left]
    clock.lap("explain")
    stats.update(
        matched=sum(len(g) for g in groups),
        unmatched=len(unmatched),
        candidates_per_person=round(2 * graph.u.size / max(len(people), 1), 2),
        **clock.seconds(),
    )
    return RoundResult(
        matches=tuple(sorted(matches, key=lambda m: m.members)),
        unmatched=tuple(unmatched),
        algorithm=EXACT if exact else HEURISTIC,
        total_score=sum(m.score * len(m.members) / 2 for m in matches),
        stats=stats,
    )


def max_matching(graph: Graph, exact: bool, stats: dict[str, float]) -> IntArray:
    """mate[i] = i's partner or -1: the most nodes matched, then the largest total weight
    (exact), or as close to that as the heuristic gets."""
    return blossom_matching(graph) if exact else heuristic_matching(graph, stats)


# --- results ----------------------------------------------------------------------------------


def _matches(
    people: Sequence[Participant],
    population: Population,
    groups: list[list[int]],
    weights: Weights,
) -> list[Match]:
    """Match objects; a group's score is the mean score of the pairs inside it."""
    inside = [(g, a, b) for g, group in enumerate(groups) for a, b in combinations(group, 2)]
    totals = np.zeros(len(groups), dtype=np.float64)
    if inside:
        rows = np.array(inside, dtype=np.int64)
        np.add.at(totals, rows[:, 0], population.scores(rows[:, 1], rows[:, 2]))
    matches = []
    for g, group in enumerate(groups):
        members = sorted((people[i] for i in group), key=lambda p: p.id)
        reasons, city = explain(members, weights)
        pairs = len(group) * (len(group) - 1) // 2
        matches.append(
            Match(
                members=tuple(p.id for p in members),
                score=float(totals[g]) / pairs,
                reasons=reasons,
                meet_in_person_city=city,
            )
        )
    return matches


def _why_unmatched(
    population: Population, person: int, group_size: int, trio_formed: bool
) -> Unmatched:
    pid = int(population.ids[person])
    if population.size == 1:
        return Unmatched(pid, UnmatchedReason.ALONE, "You were the only person in this round.")
    listed, short = population.blocked_by(person)
    if listed.all():
        return Unmatched(
            pid,
            UnmatchedReason.NO_ALLOWED_PARTNER,
            "Everyone else in this round was met recently, is on a do-not-pair list "
            "or is in your reporting line.",
        )
    if (listed | short).all():
        return Unmatched(
            pid,
            UnmatchedReason.NO_OVERLAP,
            "Nobody else in this round shares enough working hours with you to meet this week.",
        )
    if group_size > 2:
        detail = "There were not enough people you could meet left over to make a group this round."
    elif trio_formed:
        detail = (
            "Everyone you could meet was already paired this round, and the round's one "
            "trio was already made."
        )
    else:
        detail = (
            "Everyone you could meet was already paired this round, and no pair could "
            "take a third person."
        )
    return Unmatched(pid, UnmatchedReason.FULL, detail)


class _Clock:
    def __init__(self) -> None:
        self.started = self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[f"seconds_{name}"] = round(now - self.last, 4)
        self.last = now

    def seconds(self) -> dict[str, float]:
        return {**self.laps, "seconds_total": round(time.perf_counter() - self.started, 4)}
