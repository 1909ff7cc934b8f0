"""Benchmark the insights network engine on real e-mail data and a 100k-person organisation.

    .venv/bin/python bench/insights.py [--stages email,engine] [--people 100000]
                                       [--ties 2000000] [--seed 7]

Prints one JSON dict, a key per stage (each stage is a function returning a dict, run in a
forked child so its memory peak is its own; another stage, e.g. an `--import` of the
synthetic organisation's events, adds a function to STAGES):

- `email`: SNAP's email-Eu-core from ../shared/datasets/email-eu-core/ (never copied into
  the repo). Departments are the teams, each a unit under one organisation root. Three
  windows: `static_undirected` (email-Eu-core.txt, every pair that exchanged an e-mail is a
  tie: the graph ona.md's Louvain figures were measured on), `static_reciprocated` (the same
  file, a tie needs >= 2 interactions, i.e. e-mail both ways) and `temporal_first_4_weeks`
  (email-Eu-core-temporal-first83k.txt, its first 28 days, each message one interaction:
  the engine's own rule on real timestamps). For each: people, pairs, ties, isolated people,
  and Leiden communities at resolutions 1 and 2 with their modularity (at resolution 1) and
  NMI against the departments, over people with a tie (the engine's figure) and over
  everyone with each isolated person as a community of their own (`nmi_all_people`, the
  reading comparable with ona.md's networkx Louvain: NMI 0.60 at resolution 1, 0.70 at 2).
  `departments_under_5` lists the departments with fewer than 5 people: the publishing
  layer must never publish them; this script only reports them.
- `engine`: a synthetic organisation (deterministic for a seed) of --people people in a
  tree of up to 6 levels below the organisation (each unit splits its headcount among 2-12
  sub-units, heads sit in the unit itself, the last level splits into teams of about 10,
  5-15), each team led by its first member, who reports to the head of the unit above.
  --ties ties: every pair inside a team with probability 0.8, the rest drawn 35% within the
  team's parent unit, 45% within the department (depth 2) and 20% across the organisation
  (bridges); 1.5% of people have no tie; another --ties / 2 pairs met only once (count 1,
  not ties). People are numbered in random order, as an import would. Measured: the
  Window's own checks, tie_graph, person_metrics, unit_metrics and communities (resolution
  1), seconds each and in all (wall; `engine_cpu_seconds` is steadier on a shared machine),
  `start_mb` (RSS with the window already in memory, after the setup's freed memory is
  handed back) and `peak_mb` (VmHWM of the stage, reset at its start). Goal for the
  engine: under 15 s (the whole pipeline with import must fit 60 s and 1 GB). Context:
  `division_ei_index_mean` (mean E-I of the top-level units), `strong_tie_share` (of tie
  ends), and the communities' NMI against teams and against departments (depth 2). The
  synthetic ties follow departments so closely that Leiden recovers them exactly at
  resolution 1: this organisation measures speed, not how realistic the structure is.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import math
import multiprocessing as mp
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Pure Python (no Django), so no settings are needed.
from kith.insights.engine import (  # noqa: E402
    IntArray,
    Window,
    communities,
    normalised_mutual_information,
    person_metrics,
    tie_graph,
    unit_metrics,
)

EMAIL = ROOT.parent / "shared" / "datasets" / "email-eu-core"
GOAL_ENGINE_SECONDS = 15
MAX_DEPTH = 6  # levels below the organisation
TEAM_MIN, TEAM_MAX = 5, 15
TEAM_SIZE = 10  # the mean of TEAM_MIN..TEAM_MAX, to size the fan-out above the teams
TEAM_TIE = 0.8
LEVEL_SHARES = {"group": 0.35, "department": 0.45, "organisation": 0.20}
ISOLATED = 0.015
WEEK_MINUTES = 7 * 24 * 60
SEEDS = 10  # email: the NMI's spread over Leiden seeds 0..9
SPREAD = (np.min, np.median, np.max)


# --- processes and measures -------------------------------------------------------------------


def forked(function: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """function() in a forked child: its memory peak is measured apart from the others."""
    context = mp.get_context("fork")
    parent_end, child_end = context.Pipe(duplex=False)

    def child() -> None:
        try:
            child_end.send(("ok", function()))
        except BaseException:
            child_end.send(("error", traceback.format_exc()))
            raise

    process = context.Process(target=child)
    process.start()
    status, out = parent_end.recv()
    process.join()
    if status != "ok":
        raise RuntimeError(f"child failed:\n{out}")
    return out


def memory_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process, from /proc."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    return math.nan


def reset_peak() -> None:
    """Start VmHWM again from the current RSS (Linux >= 4.0), after handing memory freed by
    the setup back to the system: otherwise the stage reuses it unseen and its peak reads
    low."""
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def code_version() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "kith/insights/engine", "bench/insights.py")
    return commit + ("+dirty" if dirty else "")


# --- email-Eu-core ----------------------------------------------------------------------------


def email_departments() -> IntArray:
    labels = np.loadtxt(EMAIL / "email-Eu-core-department-labels.txt", dtype=np.int64)
    department = np.empty(labels.shape[0], dtype=np.int64)
    department[labels[:, 0]] = labels[:, 1]
    return department


def email_window(edges: IntArray, department: IntArray) -> Window:
    """One interaction per line `sender receiver`; self-addressed lines dropped."""
    n = department.size
    edges = edges[edges[:, 0] != edges[:, 1]]
    key, count = np.unique(edges.min(axis=1) * n + edges.max(axis=1), return_counts=True)
    zeros = np.zeros(n, dtype=np.int64)
    return Window(
        n=n,
        a=key // n,
        b=key % n,
        count=count,
        one_to_one_minutes=np.zeros(key.size, dtype=np.int64),
        team=department + 1,  # unit 0 is the organisation
        manager=np.full(n, -1),
        interactions=np.bincount(edges.ravel(), minlength=n),
        after_hours=zeros,
        meeting_minutes=zeros,
    )


def email_figures(window: Window, min_interactions: int) -> dict[str, Any]:
    graph = tie_graph(window, min_interactions)
    tied = np.asarray(graph.degree()) > 0
    out: dict[str, Any] = {
        "min_interactions": min_interactions,
        "people": window.n,
        "pairs": int(window.a.size),
        "ties": graph.ecount(),
        "isolated": int((~tied).sum()),
    }
    for resolution in (1.0, 2.0):
        found = communities(graph, window.team, resolution=resolution)
        everyone = np.where(tied, found.membership, found.count + np.arange(window.n))
        spread = [
            communities(graph, window.team, resolution=resolution, seed=s).nmi for s in range(SEEDS)
        ]
        out[f"resolution_{resolution:g}"] = {
            "communities": found.count,
            "modularity": round(found.modularity, 3),
            "nmi": round(found.nmi, 3),
            "nmi_all_people": round(normalised_mutual_information(everyone, window.team), 3),
            "nmi_seeds_min_median_max": [round(float(f(spread)), 3) for f in SPREAD],
        }
    return out


def stage_email(args: argparse.Namespace) -> dict[str, Any]:
    department = email_departments()
    static = np.loadtxt(EMAIL / "email-Eu-core.txt", dtype=np.int64).reshape(-1, 2)
    timed = np.loadtxt(EMAIL / "email-Eu-core-temporal-first83k.txt", dtype=np.int64)
    first_weeks = timed[timed[:, 2] < 28 * 24 * 3600, :2]
    sizes = np.bincount(department)
    small = np.flatnonzero(sizes < 5)
    return {
        "dataset": "email-Eu-core",
        "departments": int(sizes.size),
        # department id -> people
        "departments_under_5": {str(d): int(sizes[d]) for d in small},
        "static_undirected": email_figures(email_window(static, department), 1),
        "static_reciprocated": email_figures(email_window(static, department), 2),
        "temporal_first_4_weeks": email_figures(email_window(first_weeks, department), 2),
    }


# --- the synthetic organisation ---------------------------------------------------------------


@dataclass
class Organisation:
    window: Window
    parent: IntArray  # units; 0 is the organisation
    depth: IntArray


@dataclass
class Tree:
    """Units in depth-first preorder, so every subtree's people are one contiguous range."""

    parent: IntArray
    depth: IntArray
    direct: IntArray  # people placed in the unit itself
    leaf: IntArray  # bool as int: a team


def split_sizes(total: int, depth: int, rng: np.random.Generator) -> list[int]:
    """Sub-unit headcounts: a last level of teams of about TEAM_SIZE, else 2-12 parts."""
    levels_left = MAX_DEPTH - depth
    if levels_left <= 1:
        return team_sizes(total, rng)
    fanout = (total / TEAM_SIZE) ** (1 / levels_left) * rng.uniform(0.7, 1.3)
    parts = int(min(12, max(2, round(fanout))))
    shares = rng.dirichlet(np.full(parts, 3.0))
    return [int(s) for s in rng.multinomial(total, shares) if s > 0]


def team_sizes(total: int, rng: np.random.Generator) -> list[int]:
    """Teams of 5-15 people filling `total`; a remainder under 5 joins the last team when it
    fits, else stays a small team (they exist, and the privacy threshold must cope)."""
    sizes: list[int] = []
    while total > 0:
        size = min(total, int(rng.integers(TEAM_MIN, TEAM_MAX + 1)))
        if size < TEAM_MIN and sizes and sizes[-1] + size <= TEAM_MAX:
            sizes[-1] += size
        else:
            sizes.append(size)
        total -= size
    return sizes


def org_tree(people: int, rng: np.random.Generator) -> Tree:
    parent: list[int] = []
    depth: list[int] = []
    direct: list[int] = []
    leaf: list[int] = []

    def add(headcount: int, up: int, level: int) -> None:  # recursion depth <= MAX_DEPTH
        unit = len(parent)
        parent.append(up)
        depth.append(level)
        is_team = headcount <= TEAM_MAX or level == MAX_DEPTH
        heads = headcount if is_team else (2 if level < 3 else 1)
        direct.append(heads)
        leaf.append(int(is_team))
        if not is_team:
            for size in split_sizes(headcount - heads, level, rng):
                add(size, unit, level + 1)

    add(people, -1, 0)
    return Tree(*(np.array(x, dtype=np.int64) for x in (parent, depth, direct, leaf)))


def sample_within(ego: IntArray, lo: IntArray, hi: IntArray, rng: np.random.Generator) -> IntArray:
    """For each ego, a uniform random person of the range [lo, hi) given for it."""
    return lo + (rng.random(ego.size) * (hi - lo)).astype(np.int64)


def ancestor_at(parent: IntArray, depth: IntArray, unit: IntArray, level: int) -> IntArray:
    """Each unit's ancestor at depth `level` (the unit itself when it is not deeper)."""
    out = unit.copy()
    for _ in range(MAX_DEPTH):
        deeper = depth[out] > level
        out[deeper] = parent[out[deeper]]
    return out


def team_pairs(unit: IntArray, rng: np.random.Generator) -> tuple[IntArray, IntArray]:
    """Pairs inside a unit's own people (contiguous), each kept with TEAM_TIE."""
    a_parts, b_parts = [], []
    for gap in range(1, TEAM_MAX):
        a = np.arange(unit.size - gap)
        same = unit[a] == unit[a + gap]
        a_parts.append(a[same])
        b_parts.append(a[same] + gap)
    a, b = np.concatenate(a_parts), np.concatenate(b_parts)
    keep = rng.random(a.size) < TEAM_TIE
    return a[keep], b[keep]


def sampled_pairs(
    tree: Tree, unit: IntArray, count: int, rng: np.random.Generator
) -> tuple[IntArray, IntArray]:
    """`count` candidate pairs (with some repeats) at the group, department and organisation
    levels: the ego's unit's ancestor one level up, at depth 2, or the root."""
    n = unit.size
    start = np.concatenate(([0], np.cumsum(np.bincount(unit, minlength=tree.parent.size))))
    subtree_end = subtree_ends(tree, start)
    a_parts, b_parts = [], []
    for level, share in LEVEL_SHARES.items():
        ego = rng.integers(0, n, int(count * share))
        if level == "group":
            scope = tree.parent[unit[ego]].clip(0)
        elif level == "department":
            scope = ancestor_at(tree.parent, tree.depth, unit[ego], 2)
        else:
            scope = np.zeros(ego.size, dtype=np.int64)
        a_parts.append(ego)
        b_parts.append(sample_within(ego, start[scope], subtree_end[scope], rng))
    return np.concatenate(a_parts), np.concatenate(b_parts)


def subtree_ends(tree: Tree, start: IntArray) -> IntArray:
    """Preorder: a subtree ends where the next unit not below it starts."""
    end = np.empty(tree.parent.size, dtype=np.int64)
    last = np.arange(tree.parent.size)  # the last unit of each subtree
    for unit in range(tree.parent.size - 1, 0, -1):  # units, not people: ~15k steps
        p = tree.parent[unit]
        last[p] = max(last[p], last[unit])
    end[:] = start[last + 1]
    return end


def unique_pairs(a: IntArray, b: IntArray, n: int) -> IntArray:
    low, high = np.minimum(a, b), np.maximum(a, b)
    key = low * n + high
    return np.unique(key[low != high])


def choose_ties(
    tree: Tree, unit: IntArray, ties: int, isolated: IntArray, rng: np.random.Generator
) -> tuple[IntArray, IntArray]:
    """Keys of `ties` tie pairs and of ties / 2 pairs that met once."""
    n = unit.size
    team = unique_pairs(*team_pairs(unit, rng), n)
    others = unique_pairs(*sampled_pairs(tree, unit, int(ties * 1.6), rng), n)
    others = np.setdiff1d(others, team, assume_unique=True)
    lonely = np.zeros(n, dtype=bool)
    lonely[isolated] = True
    team = team[~(lonely[team // n] | lonely[team % n])]
    others = rng.permutation(others)
    tie_others = others[~(lonely[others // n] | lonely[others % n])][: ties - team.size]
    once = np.setdiff1d(others, tie_others)[: ties // 2]
    return np.concatenate((team, tie_others)), once


def managers(tree: Tree, unit: IntArray) -> IntArray:
    """Each unit's head is its first person; people report to their unit's head, heads to
    the head of the unit above."""
    first = np.concatenate(([0], np.cumsum(np.bincount(unit, minlength=tree.parent.size))))
    head = first[:-1]
    people = np.arange(unit.size)
    manager = head[unit]
    is_head = manager == people
    upper = tree.parent[unit[is_head]]
    manager[is_head] = np.where(upper >= 0, head[upper.clip(0)], -1)
    return manager


def synthetic_organisation(people: int, ties: int, seed: int) -> Organisation:
    rng = np.random.default_rng(seed)
    tree = org_tree(people, rng)
    unit = np.repeat(np.arange(tree.parent.size), tree.direct)  # preorder: subtrees contiguous
    isolated = rng.choice(people, int(people * ISOLATED), replace=False)
    tie_keys, once_keys = choose_ties(tree, unit, ties, isolated, rng)
    window = shuffled_window(
        people, tie_keys, once_keys, unit, managers(tree, unit), tree.depth, rng
    )
    return Organisation(window=window, parent=tree.parent, depth=tree.depth)


def shuffled_window(
    n: int,
    tie_keys: IntArray,
    once_keys: IntArray,
    unit: IntArray,
    manager: IntArray,
    depth: IntArray,
    rng: np.random.Generator,
) -> Window:
    """The window with people renumbered at random (an import does not sort by team)."""
    new = rng.permutation(n)
    keys = np.concatenate((tie_keys, once_keys))
    old_a, old_b = keys // n, keys % n
    a, b = np.minimum(new[old_a], new[old_b]), np.maximum(new[old_a], new[old_b])
    count = np.concatenate(
        (2 + rng.geometric(0.25, tie_keys.size) - 1, np.ones(once_keys.size, dtype=np.int64))
    )
    is_manager_pair = (manager[old_a] == old_b) | (manager[old_b] == old_a)
    one_to_one = np.where(is_manager_pair, rng.integers(0, 5, keys.size) * 30, 0)
    interactions = np.bincount(np.concatenate((a, b)), np.tile(count, 2), n).astype(np.int64)
    # After-hours hot spots: a fifth of the departments work late much more often.
    late = rng.random(depth.size) < 0.2
    rate = np.where(late[unit], rng.beta(3, 7, n), rng.beta(1, 12, n))
    team, boss = np.empty(n, dtype=np.int64), np.full(n, -1, dtype=np.int64)
    team[new] = unit
    boss[new] = np.where(manager >= 0, new[manager.clip(0)], -1)
    after = np.empty(n, dtype=np.int64)
    after[new] = rng.binomial(interactions[new], rate)
    return Window(
        n=n,
        a=a,
        b=b,
        count=count,
        one_to_one_minutes=one_to_one,
        team=team,
        manager=boss,
        interactions=interactions,
        after_hours=after,
        meeting_minutes=np.minimum(rng.gamma(4.0, 120.0, n), WEEK_MINUTES).astype(np.int64),
    )


# --- the engine stage -------------------------------------------------------------------------


class Context:
    """What stages share: the synthetic organisation, built once in the parent process."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self._organisation: Organisation | None = None

    def organisation(self) -> Organisation:
        if self._organisation is None:
            a = self.args
            started = time.perf_counter()
            self._organisation = synthetic_organisation(a.people, a.ties, a.seed)
            self.setup_seconds = round(time.perf_counter() - started, 1)
        return self._organisation


def stage_engine(context: Context) -> dict[str, Any]:
    org = context.organisation()
    return {**describe(org), **forked(lambda: run_engine(org))}


def run_engine(org: Organisation) -> dict[str, Any]:
    reset_peak()
    start_mb = memory_mb("VmRSS")
    seconds: dict[str, float] = {}
    cpu_started = time.process_time()

    def timed(name: str, function: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        out = function()
        seconds[name] = round(time.perf_counter() - started, 2)
        return out

    # The checks a Window makes on construction (a sort of the pairs) are paid once per
    # window in the pipeline too: built again here, from the same arrays.
    fields = {name: getattr(org.window, name) for name in Window.__slots__}
    window = timed("window_checks", lambda: Window(**fields))
    graph = timed("tie_graph", lambda: tie_graph(window))
    people = timed("person_metrics", lambda: person_metrics(window, graph))
    units = timed("unit_metrics", lambda: unit_metrics(window, graph, org.parent))
    found = timed("communities", lambda: communities(graph, window.team))
    total = round(sum(seconds.values()), 2)
    return {
        "ties": graph.ecount(),
        "isolated": int((people.network_size == 0).sum()),
        "median_network_size": float(np.median(people.network_size)),
        "strong_tie_share": round(float(people.strong_ties.sum() / (2 * graph.ecount())), 3),
        "division_ei_index_mean": round(float(units.ei_index[org.depth == 1].mean()), 3),
        "communities": found.count,
        "modularity": round(found.modularity, 3),
        "nmi_vs_teams": round(found.nmi, 3),
        "nmi_vs_departments": round(nmi_vs_departments(org, found.membership), 3),
        "seconds": seconds,
        "engine_seconds": total,
        "engine_cpu_seconds": round(time.process_time() - cpu_started, 2),
        "start_mb": start_mb,
        "peak_mb": memory_mb("VmHWM"),
        "goal_seconds": GOAL_ENGINE_SECONDS,
        "within_goal": total <= GOAL_ENGINE_SECONDS,
    }


def nmi_vs_departments(org: Organisation, membership: IntArray) -> float:
    """Against each person's depth-2 unit (or their own unit above that), people with ties."""
    unit = ancestor_at(org.parent, org.depth, org.window.team, 2)
    tied = membership >= 0
    return normalised_mutual_information(membership[tied], unit[tied])


def describe(org: Organisation) -> dict[str, Any]:
    window = org.window
    leaf = np.bincount(org.parent[org.parent >= 0], minlength=org.parent.size) == 0
    team_size = np.bincount(window.team, minlength=org.parent.size)[leaf]
    return {
        "people": window.n,
        "pairs": int(window.a.size),
        "units": int(org.parent.size),
        "levels_below_organisation": int(org.depth.max()),
        "teams": int(leaf.sum()),
        "team_size_median": float(np.median(team_size)),
        "team_size_p5_p95": [int(x) for x in np.percentile(team_size, [5, 95])],
    }


# --- main -------------------------------------------------------------------------------------


STAGES: dict[str, Callable[[Context], dict[str, Any]]] = {
    "email": lambda context: forked(lambda: stage_email(context.args)),
    "engine": stage_engine,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stages", default=",".join(STAGES), help="comma separated")
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--ties", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    context = Context(args)
    results: dict[str, Any] = {"benchmark": "insights", "commit": code_version()}
    for name in args.stages.split(","):
        results[name] = STAGES[name](context)
    if context._organisation is not None:
        results["synthetic_setup_seconds"] = context.setup_seconds
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
