"""Benchmark the Connect matcher: one coffee-chat round for N people against a random baseline.

    .venv/bin/python bench/matching.py --people 20000 [--seed 7]
    .venv/bin/python bench/matching.py --dataset email-eu-core

Synthetic organisation (deterministic for a seed): teams of 8 in 10 departments, each team
led by its first member (who reports to the first lead of the department); 25 cities in 13
time zones, hubs bigger than the rest, 4% with no known city; local working days of 8 h
starting 08:00-10:00 (10% part-time, 6 h, Monday to Thursday), stored as UTC minutes after
Monday 00:00 like Kith does; 0-7 interests out of 60 with a few popular ones; tenure from
new joiners (5%) to 15 years. History: the engine itself ran 6 earlier rounds (a fortnightly
program, so the 12-week no-repeat window covers all 6), each one forbidding the pairs before
it; their pairs plus a few do-not-pair entries are the round's `forbidden_pairs`.

`--dataset email-eu-core` reads SNAP's email-Eu-core network (1,005 people, 42 departments;
never copied into the repo): departments become teams and every existing email contact is a
pair already connected, so it is forbidden like a repeat. `new_cross_department_share` is the
share of matched pairs that are new contacts in different departments.

Prints one JSON line per algorithm: `kith` (kith.connect.engine.matching.match_round) and
`random_baseline` (what common tools do: shuffle, pair neighbours, an odd person joins the
last pair, swap partners to avoid repeats; it knows the history, not managers or hours).
Both are scored the same way: `score` sums each match's mean pair score times size / 2 (a
pair counts once, a trio 1.5 times), with kith.connect.engine.scoring.pair_score.

Each algorithm runs in a forked child process: `seconds` is the round's wall time
(candidates, matching, groups, explanations) and `peak_mb` the child's peak RSS from
resource.getrusage (it includes the population already in memory when it forked).
`lp_bound` is the LP relaxation of maximum-weight matching (degree <= 1, 0 <= x <= 1) solved
with scipy's HiGHS `linprog`: over every allowed pair up to 2,000 people (`lp_bound_graph`
"full"), else over the union of the engine's candidate pairs, both algorithms' pairs and 20
random allowed pairs per person ("candidates+sample"); null when it does not finish within
--lp-seconds. `true_bound` is the same LP over every allowed pair, by column generation
(kith.connect.engine.bound.true_bound: price all pairs against the LP's duals in numpy
blocks, add those with a positive reduced cost, re-solve, until none is left), from 2,000 up
to --true-bound-people (20,000); `pct_of_true_bound` is the score's share of it, the figure
that also sees what candidate generation leaves out. At or below 2,000 people `lp_bound` is
already over every pair and is repeated as `true_bound`. `exact_optimum` is networkx's
max_weight_matching (maxcardinality=True) over every allowed pair, tried up to 1,200 people
(about 2 minutes at 1,000; the time grows with the cube); null above that or after
--exact-seconds. `cpu_seconds` is the child's CPU time, a steadier figure than wall time on a
busy machine.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import resource
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Pure Python (no Django), so no settings are needed.
from kith.connect.engine.bound import lp_bound as engine_lp_bound  # noqa: E402
from kith.connect.engine.bound import true_bound  # noqa: E402
from kith.connect.engine.candidates import all_pairs, candidate_pairs  # noqa: E402
from kith.connect.engine.matching import match_round  # noqa: E402
from kith.connect.engine.scoring import Population, is_allowed, pair_score  # noqa: E402
from kith.connect.engine.types import Participant, Rules, Weights  # noqa: E402

DATASET_DIR = ROOT.parent / "shared" / "datasets" / "email-eu-core"
HISTORY_ROUNDS = 6
LP_FULL_PEOPLE = 2000  # the LP bound over every allowed pair up to this size
TRUE_BOUND_PEOPLE = 20_000  # column generation over all pairs up to this size (--true-bound-people)
EXACT_OPTIMUM_PEOPLE = 1200  # networkx's exact optimum is tried up to this size
GOALS = {
    "pct_of_true_bound": 99.5,
    "pct_of_lp_bound": 99.5,
    "seconds_20k": 5,
    "seconds_100k": 30,
    "peak_mb_100k": 2048,
}

# (city key, UTC offset in hours, relative size)
CITIES = [
    ("Lisbon, PT", 0, 6),
    ("Porto, PT", 0, 2),
    ("London, GB", 0, 8),
    ("Manchester, GB", 0, 2),
    ("Dublin, IE", 0, 3),
    ("Paris, FR", 1, 5),
    ("Lyon, FR", 1, 1),
    ("Berlin, DE", 1, 6),
    ("Munich, DE", 1, 2),
    ("Hamburg, DE", 1, 1),
    ("Amsterdam, NL", 1, 3),
    ("Madrid, ES", 1, 3),
    ("Barcelona, ES", 1, 2),
    ("Milan, IT", 1, 1),
    ("Stockholm, SE", 1, 2),
    ("Warsaw, PL", 1, 2),
    ("Prague, CZ", 1, 1),
    ("New York, US", -5, 7),
    ("San Francisco, US", -8, 5),
    ("Toronto, CA", -5, 2),
    ("São Paulo, BR", -3, 3),
    ("Mexico City, MX", -6, 1),
    ("Bengaluru, IN", 5.5, 5),
    ("Singapore, SG", 8, 2),
    ("Tokyo, JP", 9, 2),
]
INTERESTS = [
    "Climbing", "Running", "Cycling", "Yoga", "Football", "Tennis", "Swimming", "Hiking",
    "Chess", "Board games", "Video games", "Photography", "Painting", "Drawing", "Pottery",
    "Knitting", "Gardening", "Cooking", "Baking", "Coffee", "Tea", "Wine", "Craft beer",
    "Jazz", "Classical music", "Rock", "Electronic music", "Guitar", "Piano", "Singing",
    "Choir", "DJing", "Podcasts", "Reading", "Poetry", "Writing", "Film", "Theatre",
    "Stand-up comedy", "Travel", "Languages", "History", "Philosophy", "Astronomy", "AI",
    "Open source", "Robotics", "3D printing", "Woodworking", "Parenting", "Dogs", "Cats",
    "Volunteering", "Sustainability", "Meditation", "Dancing", "Sailing", "Skiing",
    "Surfing", "Martial arts",
]  # fmt: skip
START_TIMES = [(8 * 60, 2), (8 * 60 + 30, 2), (9 * 60, 5), (9 * 60 + 30, 2), (10 * 60, 1)]
DEPARTMENTS = 10
TEAM_SIZE = 8


# --- data -------------------------------------------------------------------------------------


def organisation(people: int, seed: int) -> list[Participant]:
    rng = random.Random(seed)
    city_weights = [size for _, _, size in CITIES]
    popularity = [1.0 / (rank + 4) for rank in range(len(INTERESTS))]
    teams = -(-people // TEAM_SIZE)
    team_department = [rng.randrange(DEPARTMENTS) for _ in range(teams)]
    head_of: dict[int, int] = {}  # department -> the first team lead in it
    for team, department in enumerate(team_department):
        head_of.setdefault(department, team * TEAM_SIZE + 1)
    out = []
    for i in range(people):
        team = i // TEAM_SIZE
        lead = team * TEAM_SIZE + 1
        if i % TEAM_SIZE:
            manager: int | None = lead
        else:
            head = head_of[team_department[team]]
            manager = head if head != lead else None
        city, offset, _ = rng.choices(CITIES, weights=city_weights)[0]
        if rng.random() < 0.04:
            city = ""  # unknown city, known hours
        tenure = int(rng.expovariate(1 / 1100)) + 1
        joiner = rng.random() < 0.05
        out.append(
            Participant(
                id=i + 1,
                team=team,
                department=team_department[team],
                city=city,
                work_windows=_work_windows(rng, offset),
                interests=frozenset(_interests(rng, popularity)),
                tenure_days=rng.randint(1, 90) if joiner else min(tenure, 15 * 365),
                is_new_joiner=joiner,
                manager=manager,
            )
        )
    return out


def _work_windows(rng: random.Random, utc_offset: float) -> tuple[tuple[int, int], ...]:
    start = rng.choices([s for s, _ in START_TIMES], weights=[w for _, w in START_TIMES])[0]
    part_time = rng.random() < 0.1
    days, hours = (4, 6) if part_time else (5, 8)
    shift = int(utc_offset * 60)
    return tuple(
        (day * 1440 + start - shift, day * 1440 + start - shift + hours * 60) for day in range(days)
    )


def _interests(rng: random.Random, popularity: list[float]) -> set[str]:
    count = rng.choices(range(8), weights=[1, 1, 2, 3, 3, 2, 1, 1])[0]
    return {rng.choices(INTERESTS, weights=popularity)[0] for _ in range(count)}


def history(people: list[Participant], seed: int) -> set[tuple[int, int]]:
    """Pairs of 6 earlier rounds by the engine, plus do-not-pair entries for 0.2% of people."""
    rng = random.Random(seed + 1)
    ids = [p.id for p in people]
    forbidden = set()
    for _ in range(len(people) // 500 + 1):
        a, b = rng.sample(ids, 2)
        forbidden.add((min(a, b), max(a, b)))
    for round_number in range(HISTORY_ROUNDS):
        result = match_round(
            people,
            weights=Weights(),
            rules=Rules(forbidden_pairs=frozenset(forbidden)),
            seed=seed * 100 + round_number,
        )
        forbidden |= set(pairs_of(m.members for m in result.matches))
    return forbidden


def email_eu_core() -> tuple[list[Participant], set[tuple[int, int]]]:
    department = {}
    for line in (DATASET_DIR / "email-Eu-core-department-labels.txt").read_text().split("\n"):
        if line.strip():
            node, label = line.split()
            department[int(node)] = int(label)
    contacts = set()
    for line in (DATASET_DIR / "email-Eu-core.txt").read_text().split("\n"):
        if line.strip():
            a, b = (int(x) for x in line.split())
            if a != b:
                contacts.add((min(a, b) + 1, max(a, b) + 1))  # ids from 1
    people = [
        Participant(id=node + 1, team=label, department=-1, city="")
        for node, label in sorted(department.items())
    ]
    return people, contacts


def pairs_of(groups: Iterable[Sequence[int]]) -> list[tuple[int, int]]:
    return [(min(a, b), max(a, b)) for g in groups for a, b in combinations(g, 2)]


# --- algorithms -------------------------------------------------------------------------------


def kith(people: list[Participant], rules: Rules, seed: int) -> tuple[list[list[int]], dict]:
    result = match_round(people, weights=Weights(), rules=rules, seed=seed)
    info = {
        "engine_algorithm": result.algorithm,
        "candidates": int(result.stats["candidates"]),
        "phase_seconds": {
            k.removeprefix("seconds_"): v for k, v in result.stats.items() if k.startswith("sec")
        },
    }
    return [list(m.members) for m in result.matches], info


def random_baseline(
    people: list[Participant], rules: Rules, seed: int
) -> tuple[list[list[int]], dict]:
    rng = random.Random(seed)
    ids = [p.id for p in people]
    rng.shuffle(ids)
    pairs = [[ids[i], ids[i + 1]] for i in range(0, len(ids) - 1, 2)]
    forbidden = rules.forbidden_pairs

    def repeat(a: int, b: int) -> bool:
        return (min(a, b), max(a, b)) in forbidden

    for i, (a, b) in enumerate(pairs):
        for _ in range(50):
            if not repeat(*pairs[i]):
                break
            j = rng.randrange(len(pairs))
            c, d = pairs[j]
            if j != i and not repeat(a, d) and not repeat(c, b):
                pairs[i], pairs[j] = [a, d], [c, b]
                a, b = pairs[i]
    if len(ids) % 2 and pairs:
        pairs[-1].append(ids[-1])
    return pairs, {}


def run_in_child(algorithm: Callable[..., tuple[Any, dict]], *args: Any) -> tuple[Any, ...]:
    """(result, info, seconds, cpu_seconds, peak_mb) of algorithm(*args) in a forked process."""
    context = mp.get_context("fork")
    parent_end, child_end = context.Pipe(duplex=False)

    def child() -> None:
        started, cpu_started = time.perf_counter(), time.process_time()
        result, info = algorithm(*args)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        child_end.send((result, info, seconds, cpu, peak))

    process = context.Process(target=child)
    process.start()
    out = parent_end.recv()
    process.join()
    return out


def run_with_timeout(function: Callable[[], Any], seconds: float) -> Any:
    """function() in a forked process; None when it takes longer than `seconds`."""
    context = mp.get_context("fork")
    parent_end, child_end = context.Pipe(duplex=False)
    process = context.Process(target=lambda: child_end.send(function()))
    process.start()
    if not parent_end.poll(seconds):
        process.kill()
        process.join()
        return None
    out = parent_end.recv()
    process.join()
    return out


# --- measures ---------------------------------------------------------------------------------


def round_score(groups: list[list[int]], by_id: dict[int, Participant]) -> float:
    total = 0.0
    for g in groups:
        scores = [pair_score(by_id[a], by_id[b], Weights()) for a, b in combinations(g, 2)]
        total += sum(scores) / len(scores) * len(g) / 2
    return total


def lp_bound(population: Population, u: np.ndarray, v: np.ndarray, seconds: float) -> float | None:
    solution = engine_lp_bound(population, u, v, time_limit=seconds)
    return None if solution is None else solution.value


def all_pairs_bound(
    population: Population, u: np.ndarray, v: np.ndarray, seconds: float
) -> dict[str, Any] | None:
    """The LP bound over every allowed pair (column generation from the pairs u, v)."""
    started = time.perf_counter()
    found = true_bound(population, u, v, time_limit=seconds)
    if found is None:
        return None
    return {
        "true_bound": found.value,
        "true_bound_rounds": found.rounds,
        "true_bound_pairs_added": int(found.added),
        "true_bound_seconds": round(time.perf_counter() - started, 1),
    }


def lp_graph(
    population: Population,
    seed: int,
    extra_groups: Iterable[list[list[int]]],
    index: dict[int, int],
) -> tuple[np.ndarray, np.ndarray, str]:
    n = population.size
    if n <= LP_FULL_PEOPLE:
        u, v = all_pairs(n)
        ok = population.allowed(u, v)
        return u[ok], v[ok], "full"
    rng = np.random.default_rng(seed)
    u, v = candidate_pairs(population, rng)
    a = np.repeat(np.arange(n), 20)
    b = rng.integers(0, n, a.size)
    extra = np.array(
        [(index[x], index[y]) for groups in extra_groups for x, y in pairs_of(groups)],
        dtype=np.int64,
    ).reshape(-1, 2)
    u = np.concatenate([u, a, extra[:, 0]])
    v = np.concatenate([v, b, extra[:, 1]])
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    keys = np.unique(lo[lo != hi] * n + hi[lo != hi])
    u, v = keys // n, keys % n
    ok = population.allowed(u, v)
    return u[ok], v[ok], "candidates+sample"


def exact_optimum(population: Population) -> float:
    import networkx as nx

    u, v = all_pairs(population.size)
    ok = population.allowed(u, v)
    u, v = u[ok], v[ok]
    graph = nx.Graph()
    graph.add_nodes_from(range(population.size))
    weights = population.scores(u, v).tolist()
    graph.add_weighted_edges_from(zip(u.tolist(), v.tolist(), weights, strict=True))
    matching = nx.max_weight_matching(graph, maxcardinality=True)
    return float(sum(graph[a][b]["weight"] for a, b in matching))


def measure(
    groups: list[list[int]],
    by_id: dict[int, Participant],
    rules: Rules,
    contacts: set[tuple[int, int]] | None,
) -> dict[str, Any]:
    pairs = pairs_of(groups)
    seated = {x for g in groups for x in g}
    out: dict[str, Any] = {
        "score": round(round_score(groups, by_id), 3),
        "repeats": sum(1 for p in pairs if p in rules.forbidden_pairs),
        "unmatched": len(by_id) - len(seated),
        "hard_rule_violations": sum(
            1 for a, b in pairs if not is_allowed(by_id[a], by_id[b], rules)
        ),
        "groups": len(groups),
        "trios": sum(1 for g in groups if len(g) == 3),
    }
    if contacts is not None:
        new_cross = sum(
            1 for a, b in pairs if (a, b) not in contacts and by_id[a].team != by_id[b].team
        )
        out["new_cross_department_share"] = round(new_cross / max(len(pairs), 1), 4)
    return out


# --- main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dataset", choices=["email-eu-core"])
    parser.add_argument("--lp-seconds", type=float, default=300)
    parser.add_argument("--exact-seconds", type=float, default=600)
    parser.add_argument("--true-bound-people", type=int, default=TRUE_BOUND_PEOPLE)
    parser.add_argument("--true-bound-seconds", type=float, default=3600)
    args = parser.parse_args()

    prepared = time.perf_counter()
    contacts: set[tuple[int, int]] | None = None
    if args.dataset:
        people, contacts = email_eu_core()
        forbidden = set(contacts)
        name = args.dataset
    else:
        people = organisation(args.people, args.seed)
        forbidden = run_in_child(lambda: (history(people, args.seed), {}))[0]
        name = "synthetic"
    rules = Rules(forbidden_pairs=frozenset(forbidden))
    by_id = {p.id: p for p in people}
    prepared_seconds = time.perf_counter() - prepared

    rows = []
    for label, algorithm in (("kith", kith), ("random_baseline", random_baseline)):
        groups, info, seconds, cpu, peak = run_in_child(algorithm, people, rules, args.seed)
        rows.append((label, groups, info, seconds, cpu, peak))

    ordered = sorted(people, key=lambda p: p.id)
    population = Population.build(ordered, Weights(), rules)
    index = {p.id: i for i, p in enumerate(ordered)}
    u, v, graph_name = lp_graph(population, args.seed, [r[1] for r in rows], index)
    started = time.perf_counter()
    bound = run_with_timeout(lambda: lp_bound(population, u, v, args.lp_seconds), args.lp_seconds)
    lp_seconds = time.perf_counter() - started
    true: dict[str, Any] | None = None
    if graph_name == "full":  # the LP above is already over every allowed pair
        true = None if bound is None else {"true_bound": bound, "true_bound_rounds": 1}
    elif len(people) <= args.true_bound_people:
        true = run_with_timeout(
            lambda: all_pairs_bound(population, u, v, args.true_bound_seconds),
            args.true_bound_seconds,
        )
    true_value = None if true is None else true["true_bound"]
    optimum = None
    if len(people) <= EXACT_OPTIMUM_PEOPLE:
        optimum = run_with_timeout(lambda: exact_optimum(population), args.exact_seconds)

    for label, groups, info, seconds, cpu, peak in rows:
        measured = measure(groups, by_id, rules, contacts)
        result = {
            "algorithm": label,
            "dataset": name,
            "people": len(people),
            "seed": args.seed,
            "seconds": round(seconds, 3),
            "cpu_seconds": round(cpu, 3),
            "peak_mb": round(peak, 1),
            **measured,
            "lp_bound": None if bound is None else round(bound, 3),
            "lp_bound_graph": f"{graph_name} ({u.size} pairs)",
            "lp_seconds": round(lp_seconds, 1),
            "pct_of_lp_bound": None if not bound else round(100 * measured["score"] / bound, 3),
            "true_bound": None if true_value is None else round(true_value, 3),
            "pct_of_true_bound": (
                None if not true_value else round(100 * measured["score"] / true_value, 3)
            ),
            **{key: value for key, value in (true or {}).items() if key != "true_bound"},
            "exact_optimum": None if optimum is None else round(optimum, 3),
            "history_pairs": len(forbidden),
            "prepare_seconds": round(prepared_seconds, 1),
            **info,
        }
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
