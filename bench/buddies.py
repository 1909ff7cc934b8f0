"""Benchmark the onboarding-buddy engine: one monthly buddy round for J joiners among N people.

    .venv/bin/python bench/buddies.py --joiners 200 --people 20000 [--seed 7]
    .venv/bin/python bench/buddies.py --joiners 1500 --people 100000

Calls kith.connect.engine.buddies.assign_buddies directly (pure Python and numpy, no Django,
no database) on a synthetic organisation, deterministic for a seed: N settled people in teams
of 8, each team led by its first member; 25 cities weighted like bench/matching.py's, 4% with
no known city; tenure drawn from an exponential with a mean of 3 years (capped at 15); 85%
look after no joiner yet, 10% one, 5% two (full at the engine's default of 2). The J joiners
(ids after the people's) join random teams, report to that team's lead, and live in a city
drawn the same way. One joiner in ten has a forbidden pair (do-not-pair or a declined
pairing) with a random person, and one in ten with someone in their own city.

The round runs in a forked child process: `seconds` is its wall time, `cpu_seconds` its CPU
time (the steadier figure on a busy machine) and `peak_mb` its peak RSS from
resource.getrusage, which includes the organisation already in memory when it forked
(`base_mb`, the parent's RSS then). `objective` is the engine's own summed value (a shared
city counts city_tier, then tenure bonus minus the load penalty per joiner the buddy already
has), recomputed from the assignments, so two versions of the engine can be compared: an
exact engine gives the same objective for the same input. `problem` describes the matrix or
edge list the engine handed to its solver, when the engine says (`slot_problem`).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import resource
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Pure Python (no Django), so no settings are needed.
from kith.connect.engine import buddies  # noqa: E402
from kith.connect.engine.types import BuddyCandidate, BuddyResult, Joiner  # noqa: E402

CITY_WEIGHTS = {
    "Lisbon, PT": 6, "Porto, PT": 2, "London, GB": 8, "Manchester, GB": 2, "Dublin, IE": 3,
    "Paris, FR": 5, "Lyon, FR": 1, "Berlin, DE": 6, "Munich, DE": 2, "Hamburg, DE": 1,
    "Amsterdam, NL": 3, "Madrid, ES": 3, "Barcelona, ES": 2, "Milan, IT": 1,
    "Stockholm, SE": 2, "Warsaw, PL": 2, "Prague, CZ": 1, "New York, US": 7,
    "San Francisco, US": 5, "Toronto, CA": 2, "São Paulo, BR": 3, "Mexico City, MX": 1,
    "Bengaluru, IN": 5, "Singapore, SG": 2, "Tokyo, JP": 2,
}  # fmt: skip
TEAM_SIZE = 8
MIN_TENURE_DAYS = 182
MAX_BUDDIES = 2


def organisation(
    people: int, joiner_count: int, seed: int
) -> tuple[list[Joiner], list[BuddyCandidate], frozenset[tuple[int, int]]]:
    rng = random.Random(seed)
    cities, weights = list(CITY_WEIGHTS), list(CITY_WEIGHTS.values())

    def city() -> str:
        return "" if rng.random() < 0.04 else rng.choices(cities, weights=weights)[0]

    candidates = []
    for i in range(people):
        team = i // TEAM_SIZE
        lead = team * TEAM_SIZE + 1
        candidates.append(
            BuddyCandidate(
                id=i + 1,
                team=team,
                city=city(),
                tenure_days=min(int(rng.expovariate(1 / 1100)) + 1, 15 * 365),
                current_buddies=rng.choices([0, 1, 2], weights=[85, 10, 5])[0],
                manager=None if i + 1 == lead else lead,
            )
        )
    teams = -(-people // TEAM_SIZE)
    joiners = []
    for k in range(joiner_count):
        team = rng.randrange(teams)
        joiners.append(
            Joiner(
                id=people + k + 1,
                team=team,
                city=city(),
                manager=team * TEAM_SIZE + 1,
                start_ordinal=739_000 + rng.randrange(30),
            )
        )
    by_city: dict[str, list[int]] = {}
    for c in candidates:
        by_city.setdefault(c.city, []).append(c.id)
    forbidden = set()
    for j in joiners:
        if rng.random() < 0.1:
            forbidden.add((rng.randint(1, people), j.id))
        if rng.random() < 0.1 and by_city.get(j.city):
            forbidden.add((rng.choice(by_city[j.city]), j.id))
    return joiners, candidates, frozenset(forbidden)


def objective(
    result: BuddyResult, joiners: list[Joiner], candidates: list[BuddyCandidate]
) -> float:
    """The engine's summed value of these assignments (each buddy's new joiners take their
    free places in order, so the load penalties are current, current + 1, ...)."""
    city_tier = len(joiners) * (buddies.LOAD_PENALTY * MAX_BUDDIES + buddies.TENURE_BONUS) + 1.0
    by_id = {c.id: c for c in candidates}
    joiner_by_id = {j.id: j for j in joiners}
    total = 0.0
    for a in result.assignments:
        c, j = by_id[a.buddy], joiner_by_id[a.joiner]
        same = bool(j.city) and j.city == c.city
        total += city_tier * same + buddies._tenure_bonus(c)
    for buddy_id, new in Counter(a.buddy for a in result.assignments).items():
        current = by_id[buddy_id].current_buddies
        total -= buddies.LOAD_PENALTY * sum(range(current, current + new))
    return total


def run(
    joiners: list[Joiner], candidates: list[BuddyCandidate], forbidden: frozenset[tuple[int, int]]
) -> dict[str, Any]:
    started, cpu_started = time.perf_counter(), time.process_time()
    result = buddies.assign_buddies(
        joiners,
        candidates,
        min_tenure_days=MIN_TENURE_DAYS,
        max_buddies=MAX_BUDDIES,
        forbidden_pairs=forbidden,
    )
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    out: dict[str, Any] = {
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "peak_mb": round(peak, 1),
        "placed": len(result.assignments),
        "same_city": sum(a.same_city for a in result.assignments),
        "unassigned": len(result.unassigned),
        "objective": round(objective(result, joiners, candidates), 4),
    }
    slot_problem = getattr(buddies, "slot_problem", None)
    if slot_problem is not None:
        problem = slot_problem(
            joiners,
            candidates,
            min_tenure_days=MIN_TENURE_DAYS,
            max_buddies=MAX_BUDDIES,
            forbidden_pairs=forbidden,
        )
        out["problem"] = problem.describe()
    return out


def in_child(*args: Any) -> dict[str, Any]:
    context = mp.get_context("fork")
    parent_end, child_end = context.Pipe(duplex=False)
    process = context.Process(target=lambda: child_end.send(run(*args)))
    process.start()
    out = parent_end.recv()
    process.join()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--joiners", type=int, default=200)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    joiners, candidates, forbidden = organisation(args.people, args.joiners, args.seed)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "joiners": args.joiners,
        "people": args.people,
        "seed": args.seed,
        "forbidden_pairs": len(forbidden),
        "base_mb": round(base, 1),
        **in_child(joiners, candidates, forbidden),
    }
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
