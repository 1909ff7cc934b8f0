"""Benchmark the insights network engine on real e-mail data and a 100k-person organisation.

    .venv/bin/python bench/insights.py [--stages email,engine,import,database,page]
        [--people 100000] [--ties 2000000] [--events 10000000] [--seed 7]
        [--cache-dir /tmp/kith-bench-insights] [--data-dir DIR] [--repeat 10]
        [--warmup 2] [--profile]

Prints one JSON dict, a key per stage (each stage is a function in STAGES returning a dict;
what it measures runs in a forked child so its memory peak is its own):

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
- `import`: the same organisation's 4 ISO weeks of collaboration metadata as the generic CSV
  (`from_email,to_email,timestamp,channel,duration_minutes`), --events rows (10M, ~1 GB),
  written once into --cache-dir and reused while the seed, sizes and weeks stay the same
  (the 4 complete ISO weeks before the current one). Every pair of the organisation gets
  rows (1 for a pair that met once, 2 or more for a tie: 1 + geometric, scaled to the
  total), sent either way; channels email 35%, chat 40%, meeting 15% (more between a
  manager and their reports), call 7%, other 3%; a quarter of the emails copy in 1-8 more
  of the sender's ties; most meetings of two teammates are their team's (up to 14
  people: every two attendees are linked); one row in 50,000 an all-hands of 30-150 people
  of a department (over MAX_TIE_MEETING: no ties); 1.5% of the rows copy in an outside
  address and 0.2% come from one (3,000 partners, counted and never kept); 2% of the
  senders are capitalised. Times: the sender's own time zone (6 zones by division, 12% of
  people elsewhere, written with their offset, Lisbon as Z), 95% on working days, mostly
  within the person's working hours (8-16, 9-17 or 10-18; 6% Monday to Thursday), 8% in
  the evening (28% in a fifth of the departments), 3% early; the file is in time order.
  Measured: `kith.insights.importers.read(path, "csv", directory=...)` with a Directory
  built here as `services.import_directory` would: seconds, CPU seconds, events/s, peak
  RSS. Then, in the same process, the engine on the 4 weeks without a database
  (`without_database`: the window summed from the reduced counts, tie_graph,
  person_metrics, unit_metrics, communities; seconds and peak including the read). The
  read's result is kept beside the file for the database stage.
- `database`: a throwaway SQLite database (KITH_DATA_DIR in a temporary folder, or
  --data-dir, as bench/pulse.py does; never the repo's var/): migrate, the unit tree and
  the 100k people with bulk_create (Person id = index + 1), an HR admin, three targets,
  analytics switched on (services.insights_enable). Then, each in its own child: the rest
  of `services.import_check` on the import stage's result (file digest, import_directory,
  `_pack`, the ImportRun saved), `services.import_apply` (the executemany upserts into
  PairWeek and PersonWeek) and `compute.insights_compute(week=...)` for the last of the
  4 weeks, its parts timed by wrapping the functions it calls. `pipeline` adds read, check,
  apply and compute: the goal is <= 60 s and <= 1 GB peak (the largest child's). The
  --trend - 1 windows before it are computed afterwards (not part of the goal) so that the
  page draws a trend.
- `page`: on that database, the relational health page for an HR admin through Django's
  test client (DEBUG off): `/insights/`, `?unit=` the largest division (a unit right below
  the organisation) and the largest department (depth 2): --warmup requests, then median and
  max of --repeat, server time around the client call; and `selectors.health_for_viewer`
  alone. Goal: <= 300 ms.

`--profile` runs the read, check, apply and compute under cProfile (their times then include
its overhead) and prints each profile's top functions to stderr.
"""

from __future__ import annotations

import argparse
import ctypes
import datetime as dt
import gc
import hashlib
import json
import math
import multiprocessing as mp
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Pure Python (no Django): the email, engine and import stages need no settings; the
# database and page stages set Django up on a throwaway database (django_setup).
from kith.insights import importers  # noqa: E402
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


def forked(function: Callable[[], Any]) -> Any:
    """function() in a forked child: its memory peak is measured apart from the others (and
    no database connection is shared with it)."""
    if "django.db" in sys.modules:
        from django.db import connections

        connections.close_all()
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
    dirty = git("status", "--porcelain", "--", "kith/insights", "bench/insights.py")
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
    """What stages share: the synthetic organisation (built once, in the parent process for
    the engine stage, in the child that writes the file for the import stage), the cached
    files, the throwaway database's folder and the results so far."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self._organisation: Organisation | None = None
        self.setup_seconds: float | None = None
        self.results: dict[str, Any] = {}
        self._data_dir: Path | None = None
        self.temporary: Path | None = None

    def organisation(self) -> Organisation:
        if self._organisation is None:
            a = self.args
            started = time.perf_counter()
            self._organisation = synthetic_organisation(a.people, a.ties, a.seed)
            self.setup_seconds = round(time.perf_counter() - started, 1)
        return self._organisation

    def release(self) -> None:
        """Forget the organisation, so that children forked later do not start with it."""
        self._organisation = None
        reset_peak()

    def synthetic(self) -> Synthetic:
        """The CSV and the people's directory data, from the cache or written now."""
        a = self.args
        key = {
            "people": a.people,
            "ties": a.ties,
            "seed": a.seed,
            "events": a.events,
            "first_monday": data_weeks(dt.date.today())[0].isoformat(),
            "version": GENERATOR_VERSION,
        }
        name = hashlib.sha1(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]
        cache = Path(a.cache_dir)
        cache.mkdir(parents=True, exist_ok=True)
        files = Synthetic(
            key=key,
            csv=cache / f"events-{name}.csv",
            people=cache / f"people-{name}.npz",
            meta=cache / f"events-{name}.json",
            reduced=cache / f"reduced-{name}.npz",
        )
        if not (files.csv.exists() and files.people.exists() and files.meta.exists()):
            meta = forked(lambda: generate(self, files))
            files.meta.write_text(json.dumps({"key": key, **meta}))
        return files

    @staticmethod
    def file_meta(files: Synthetic) -> dict[str, Any]:
        return {"path": str(files.csv), **json.loads(files.meta.read_text())}

    def data_dir(self) -> Path:
        """--data-dir (kept), or a temporary folder removed when the benchmark ends."""
        if self._data_dir is None:
            if self.args.data_dir:
                self._data_dir = Path(self.args.data_dir).resolve()
                if self._data_dir.is_relative_to(ROOT):
                    # The database stage deletes kith.sqlite3* there: never the repo's var/.
                    raise SystemExit(f"--data-dir must be outside {ROOT}, e.g. under /tmp")
                self._data_dir.mkdir(parents=True, exist_ok=True)
            else:
                self.temporary = Path(tempfile.mkdtemp(prefix="kith-bench-insights-db-"))
                self._data_dir = self.temporary
        return self._data_dir


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


# --- the synthetic metadata file (stage "import") --------------------------------------------

EVENTS = 10_000_000
GENERATOR_VERSION = 3  # bump when the file's content changes, so the cache is rebuilt
GOAL_PIPELINE_SECONDS = 60
GOAL_PEAK_MB = 1024
GOAL_PAGE_MS = 300
DOMAIN = "acme.example"
PARTNERS = 3000  # distinct outside addresses (not in the directory: counted, never kept)
CSV_HEADER = "from_email,to_email,timestamp,channel,duration_minutes\n"
FIRST_NAMES = [
    "ana", "ben", "carla", "david", "eva", "felix", "grace", "hugo", "ines", "jonas", "kim",
    "lena", "marco", "nadia", "omar", "paula", "quentin", "rita", "sam", "tara", "umar",
    "vera", "wei", "xenia", "yusuf", "zoe", "aiko", "bruno", "chloe", "diego", "elif", "farid",
    "gita", "hana", "ivan", "julia", "kofi", "lucia", "mateo", "nora",
]  # fmt: skip
LAST_NAMES = [
    "silva", "smith", "muller", "rossi", "garcia", "kowalski", "nguyen", "kim", "patel",
    "santos", "jensen", "novak", "dubois", "ferreira", "schmidt", "ito", "haddad", "okafor",
    "larsen", "costa", "meyer", "moreau", "singh", "chen", "yilmaz", "ivanova", "brown",
    "lopez", "nakamura", "oliveira", "weber", "fischer", "martin", "khan", "sato", "popescu",
    "horvat", "alves", "berg", "murphy",
]  # fmt: skip
# (zone, share of the divisions based there)
ZONES = [
    ("Europe/Lisbon", 0.25), ("Europe/Berlin", 0.30), ("America/New_York", 0.20),
    ("America/Los_Angeles", 0.10), ("Asia/Kolkata", 0.10), ("Asia/Singapore", 0.05),
]  # fmt: skip
ELSEWHERE = 0.12  # people working in another zone than their division
CHANNEL_MIX = {"email": 0.35, "chat": 0.40, "meeting": 0.15, "call": 0.07, "other": 0.03}
CHANNEL_NAMES = list(CHANNEL_MIX)
EMAIL_CH, CHAT_CH, MEETING_CH, CALL_CH, OTHER_CH = range(5)
MULTI_EMAIL = 0.25  # emails to several people (extra recipients from the sender's ties)
GROUP_MEETING = 0.70  # meetings of two teammates (not a 1:1 with the manager) that are the
# team's: up to 14 people
ALL_HANDS_PER = 50_000  # one large meeting (30-150 people of a department) per this many rows
EXTERNAL_RECIPIENT = 0.015  # rows copying an outside address in
EXTERNAL_SENDER = 0.002  # rows from an outside address
CAPITALISED = 0.02  # rows whose sender is written "Ana.Silva12@acme.example"
WEEKEND = 0.05
EVENING = (0.08, 0.28)  # share of a sender's rows after hours: most departments, late ones
EARLY = 0.03
LATE_DEPARTMENTS = 0.2
MEETING_MINUTES = [15, 25, 30, 30, 45, 50, 60, 60, 90, 120]
DIVISIONS = [
    "Engineering", "Product", "Sales", "Customer Success", "Marketing", "Finance", "People",
    "Operations", "Legal", "Research", "Data", "Security",
]  # fmt: skip
UNIT_WORDS = [
    "Platform", "Mobile", "Web", "Payments", "Growth", "Brand", "EMEA", "Americas", "APAC",
    "Support", "Onboarding", "Renewals", "Talent", "Learning", "Facilities", "Logistics",
    "Analytics", "Infrastructure", "Design", "Research", "Accounting", "Procurement",
]  # fmt: skip


def email_of(i: int) -> str:
    """Person i's address: unique by its number, names for a realistic spread of lengths."""
    first = FIRST_NAMES[i % len(FIRST_NAMES)]
    last = LAST_NAMES[(i // len(FIRST_NAMES)) % len(LAST_NAMES)]
    return f"{first}.{last}{i}@{DOMAIN}"


def partner_of(j: int) -> str:
    return f"{FIRST_NAMES[j % len(FIRST_NAMES)]}{j}@partner{j % 40}.example"


@dataclass
class People:
    """What the directory knows of each synthetic person (index = window index = Person id
    - 1) and the unit tree (index 0 = the organisation, as in Organisation)."""

    team: IntArray
    manager: IntArray
    zone: IntArray  # index into ZONES
    work_start: IntArray  # minutes after local midnight
    work_end: IntArray
    work_days: NDArray[np.bool_]  # (n, 7)
    parent: IntArray
    depth: IntArray

    @property
    def n(self) -> int:
        return int(self.team.size)

    def save(self, path: Path) -> None:
        np.savez(path, **{name: getattr(self, name) for name in self.__dataclass_fields__})

    @classmethod
    def load(cls, path: Path) -> People:
        with np.load(path) as data:
            return cls(**{name: data[name] for name in cls.__dataclass_fields__})

    def directory(self) -> importers.Directory:
        """As kith.insights.services.import_directory would build it from the database."""
        return importers.Directory(
            emails={email_of(i): i for i in range(self.n)},
            timezone=[ZONES[z][0] for z in self.zone.tolist()],
            work_start=self.work_start,
            work_end=self.work_end,
            work_days=self.work_days,
        )


def synthetic_people(org: Organisation, seed: int) -> People:
    rng = np.random.default_rng(seed + 1)
    window = org.window
    n = window.n
    division = ancestor_at(org.parent, org.depth, window.team, 1)
    weights = np.array([w for _, w in ZONES])
    zone_of_division = rng.choice(len(ZONES), size=org.parent.size, p=weights / weights.sum())
    zone = zone_of_division[division]
    moved = rng.random(n) < ELSEWHERE
    zone[moved] = rng.choice(len(ZONES), size=int(moved.sum()), p=weights / weights.sum())
    start = rng.choice([8 * 60, 9 * 60, 10 * 60], size=n, p=[0.2, 0.6, 0.2])
    days = np.zeros((n, 7), dtype=np.bool_)
    days[:, :5] = True
    days[rng.random(n) < 0.06, 4] = False  # part-time: Monday to Thursday
    return People(
        team=window.team.copy(),
        manager=window.manager.copy(),
        zone=zone.astype(np.int64),
        work_start=start.astype(np.int64),
        work_end=(start + 8 * 60).astype(np.int64),
        work_days=days,
        parent=org.parent.copy(),
        depth=org.depth.copy(),
    )


def data_weeks(today: dt.date) -> list[dt.date]:
    """The 4 complete ISO weeks before the current one (what the daily job computes)."""
    last = today - dt.timedelta(days=today.weekday()) - dt.timedelta(weeks=1)
    return [last - dt.timedelta(weeks=i) for i in range(3, -1, -1)]


def pair_event_counts(window: Window, events: int, rng: np.random.Generator) -> IntArray:
    """Rows per pair, `events` in all: 1 for a pair that met once, 2 or more for a tie
    (1 + geometric, its mean set so the total comes out, then trimmed to exactly `events`)."""
    tie = window.count >= 2
    ties, once = int(tie.sum()), int((~tie).sum())
    if events - once - ties <= 0:
        raise ValueError(f"--events must be above {once + 2 * ties} for these pairs")
    count = np.ones(window.a.size, dtype=np.int64)
    count[tie] = 1 + rng.geometric(min(1.0, ties / (events - once - ties)), ties)
    tie_rows = np.flatnonzero(tie)
    diff = events - int(count.sum())
    if diff > 0:
        np.add.at(count, rng.choice(tie_rows, diff), 1)
    elif diff < 0:
        spare = tie_rows[count[tie_rows] > 2]
        count[rng.choice(spare, -diff, replace=False)] -= 1
    return count


def neighbours(window: Window) -> tuple[IntArray, IntArray, IntArray]:
    """Each person's ties as CSR: offsets, degrees, neighbour indices."""
    tie = window.count >= 2
    a, b = window.a[tie], window.b[tie]
    ends, others = np.concatenate((a, b)), np.concatenate((b, a))
    order = np.argsort(ends, kind="stable")
    degree = np.bincount(ends, minlength=window.n).astype(np.int64)
    offset = np.concatenate(([0], np.cumsum(degree)))
    return offset, degree, others[order]


def consecutive(
    rows: IntArray,
    wanted: IntArray,
    first: IntArray,
    size: IntArray,
    members: IntArray,
    rng: np.random.Generator,
) -> tuple[IntArray, IntArray]:
    """For each row, up to `wanted` distinct people of its list members[first:first + size]:
    consecutive entries from a random start (the lists are in random order)."""
    k = np.minimum(wanted, size)
    start = (rng.random(rows.size) * size).astype(np.int64)
    row = np.repeat(rows, k)
    step = np.arange(int(k.sum())) - np.repeat(np.cumsum(k) - k, k)
    at = np.repeat(first, k) + (np.repeat(start, k) + step) % np.repeat(np.maximum(size, 1), k)
    return row, members[at]


@dataclass
class Rows:
    """The file's rows before formatting (address codes: person index, or n + partner)."""

    sender: IntArray
    recipient: IntArray
    channel: IntArray
    minutes: IntArray  # -1: empty
    day: IntArray  # 0..27 from the first Monday, in the sender's own zone
    minute: IntArray  # local minute of the day
    second: IntArray
    zone: IntArray
    capitalised: NDArray[np.bool_]
    extra_offset: IntArray  # (rows + 1,) CSR of further recipients by row
    extra: IntArray


def event_rows(org: Organisation, people: People, events: int, seed: int) -> Rows:
    rng = np.random.default_rng(seed + 2)
    window = org.window
    n = window.n
    count = pair_event_counts(window, events, rng)
    pair = np.repeat(np.arange(window.a.size), count)
    flip = rng.random(events) < 0.5
    a, b = window.a[pair], window.b[pair]
    sender, recipient = np.where(flip, b, a), np.where(flip, a, b)
    manager = people.manager
    one_to_one = (manager[a] == b) | (manager[b] == a)
    del pair, flip, a, b
    shares = np.array(list(CHANNEL_MIX.values()))
    channel = rng.choice(len(shares), size=events, p=shares / shares.sum())
    channel[one_to_one & (rng.random(events) < 0.35)] = MEETING_CH
    minutes = np.full(events, -1, dtype=np.int64)
    meeting, call = channel == MEETING_CH, channel == CALL_CH
    minutes[meeting] = rng.choice(MEETING_MINUTES, size=int(meeting.sum()))
    minutes[call] = np.minimum(2 + rng.geometric(1 / 15, int(call.sum())), 120)

    # Further recipients: some emails copy in more of the sender's ties; a meeting of two
    # teammates is often their whole team's (every two attendees of a meeting are linked, so
    # attendees from anywhere else would make pairs that are not in the organisation).
    offset, degree, neighbour = neighbours(window)
    multi = np.flatnonzero((channel == EMAIL_CH) & (rng.random(events) < MULTI_EMAIL))
    s = sender[multi]
    copied_row, copied = consecutive(
        multi, np.minimum(rng.geometric(0.45, multi.size), 8), offset[s], degree[s], neighbour, rng
    )
    same_team = people.team[sender] == people.team[recipient]
    group = meeting & same_team & ~one_to_one & (rng.random(events) < GROUP_MEETING)
    rows = np.flatnonzero(group)
    by_team = np.argsort(people.team, kind="stable")
    team_first = np.searchsorted(people.team[by_team], np.arange(people.parent.size + 1))
    t = people.team[sender[rows]]
    team_size = team_first[t + 1] - team_first[t]
    attendee_row, attendee = consecutive(
        rows, np.minimum(rng.geometric(0.3, rows.size), 12), team_first[t], team_size, by_team, rng
    )
    extra_row = np.concatenate((copied_row, attendee_row))
    extra = np.concatenate((copied, attendee))
    keep = (extra != recipient[extra_row]) & (extra != sender[extra_row])
    extra_row, extra = extra_row[keep], extra[keep]
    del s, t, keep, copied_row, copied, attendee_row, attendee

    # A few all-hands: 30-150 people of the organiser's department (depth 2), 60 minutes.
    department = ancestor_at(people.parent, people.depth, people.team, 2)
    by_department = np.argsort(department, kind="stable")
    first = np.searchsorted(department[by_department], np.arange(people.parent.size + 1))
    big_rows = rng.choice(np.flatnonzero(meeting & ~group), events // ALL_HANDS_PER, replace=False)
    big_row_parts, big_parts = [extra_row], [extra]
    for row in big_rows.tolist():
        d = department[sender[row]]
        members = by_department[first[d] : first[d + 1]]
        size = min(int(rng.integers(30, 151)), members.size)
        chosen = rng.choice(members, size, replace=False)
        chosen = chosen[(chosen != sender[row]) & (chosen != recipient[row])]
        big_row_parts.append(np.full(chosen.size, row))
        big_parts.append(chosen)
        minutes[row] = 60
    # Outside addresses: copied in on some rows, the sender of a few.
    copied = np.flatnonzero(rng.random(events) < EXTERNAL_RECIPIENT)
    big_row_parts.append(copied)
    big_parts.append(n + rng.integers(0, PARTNERS, copied.size))
    extra_row, extra = np.concatenate(big_row_parts), np.concatenate(big_parts)
    order = np.argsort(extra_row, kind="stable")
    extra_row, extra = extra_row[order], extra[order]
    extra_offset = np.concatenate(([0], np.cumsum(np.bincount(extra_row, minlength=events))))
    outside = rng.random(events) < EXTERNAL_SENDER
    local = sender.copy()  # whose clock the row follows: the recipient's for an outsider
    local[outside] = recipient[outside]
    sender[outside] = n + rng.integers(0, PARTNERS, int(outside.sum()))

    # When: a working day of the 4 weeks (a few at weekends), mostly within the person's
    # own hours, some evenings (more in a fifth of the departments), a few early mornings.
    week = rng.integers(0, 4, events)
    weekend = rng.random(events) < WEEKEND
    weekday = np.where(weekend, rng.integers(5, 7, events), rng.integers(0, 5, events))
    day = week * 7 + weekday
    late = (rng.random(people.parent.size) < LATE_DEPARTMENTS)[department[local]]
    u = rng.random(events)
    evening = u < np.where(late, EVENING[1], EVENING[0])
    early = ~evening & (u > 1 - EARLY)
    begin, end = people.work_start[local], people.work_end[local]
    spread = rng.random(events)
    minute = begin + spread * (end - begin)
    minute = np.where(evening, end + spread * 300, minute)
    minute = np.where(early, begin - 30 - spread * 90, minute)
    return Rows(
        sender=sender,
        recipient=recipient,
        channel=channel,
        minutes=minutes,
        day=day,
        minute=np.clip(minute.astype(np.int64), 0, 24 * 60 - 1),
        second=rng.integers(0, 60, events),
        zone=people.zone[local],
        capitalised=rng.random(events) < CAPITALISED,
        extra_offset=extra_offset,
        extra=extra,
    )


def zone_offsets(first_monday: dt.date) -> IntArray:
    """(zones, 28) UTC offset in seconds of each zone at local noon of each day."""
    out = np.zeros((len(ZONES), 28), dtype=np.int64)
    for z, (name, _) in enumerate(ZONES):
        zone = ZoneInfo(name)
        for d in range(28):
            noon = dt.datetime.combine(first_monday + dt.timedelta(days=d), dt.time(12), zone)
            delta = noon.utcoffset()
            out[z, d] = int(delta.total_seconds()) if delta is not None else 0
    return out


def offset_text(seconds: int) -> str:
    if seconds == 0:
        return "Z"
    sign = "+" if seconds > 0 else "-"
    hours, rest = divmod(abs(seconds), 3600)
    return f"{sign}{hours:02d}:{rest // 60:02d}"


def write_events(rows: Rows, n: int, first_monday: dt.date, path: Path) -> dict[str, Any]:
    """The CSV in time order (as exports come), formatted in slices of CHUNK rows."""
    events = rows.sender.size
    offsets = zone_offsets(first_monday)
    epoch_day = (first_monday - dt.date(1970, 1, 1)).days
    instant = (
        (epoch_day + rows.day) * 86_400
        + rows.minute * 60
        + rows.second
        - offsets[rows.zone, rows.day]
    )
    order = np.argsort(instant, kind="stable")
    addresses = [email_of(i) for i in range(n)] + [partner_of(j) for j in range(PARTNERS)]
    capital = [a[0].upper() + a[1:] for a in addresses[:n]]
    everyone = addresses + capital  # code n + PARTNERS + i: person i, capitalised
    days = [(first_monday + dt.timedelta(days=d)).isoformat() for d in range(28)]
    prefix = [f"{d}T{m // 60:02d}:{m % 60:02d}:" for d in days for m in range(24 * 60)]
    seconds = [f"{s:02d}" for s in range(60)]
    zone_text = [offset_text(int(x)) for x in offsets.ravel()]  # zone * 28 + day
    durations = [str(m) for m in range(24 * 60 + 1)] + [""]  # -1 -> ""
    chunk = 500_000
    with path.open("w", encoding="ascii", newline="") as out:
        out.write(CSV_HEADER)
        for low in range(0, events, chunk):
            idx = order[low : low + chunk]
            sender = rows.sender[idx]
            cap = rows.capitalised[idx] & (sender < n)
            sender = np.where(cap, sender + n + PARTNERS, sender)
            to = list(map(everyone.__getitem__, rows.recipient[idx].tolist()))
            start, stop = rows.extra_offset[idx], rows.extra_offset[idx + 1]
            for p in np.flatnonzero(stop > start).tolist():
                more = rows.extra[start[p] : stop[p]].tolist()
                to[p] = ";".join([to[p], *map(everyone.__getitem__, more)])
            lines = zip(
                map(everyone.__getitem__, sender.tolist()),
                to,
                map(prefix.__getitem__, (rows.day[idx] * 1440 + rows.minute[idx]).tolist()),
                map(seconds.__getitem__, rows.second[idx].tolist()),
                map(zone_text.__getitem__, (rows.zone[idx] * 28 + rows.day[idx]).tolist()),
                map(CHANNEL_NAMES.__getitem__, rows.channel[idx].tolist()),
                map(durations.__getitem__, rows.minutes[idx].tolist()),
                strict=True,
            )
            out.write("".join([f"{s},{t},{p}{c}{z},{h},{d}\n" for s, t, p, c, z, h, d in lines]))
    per_row = np.diff(rows.extra_offset)
    channel_share = np.bincount(rows.channel, minlength=5) / events
    return {
        "rows": events,
        "mb": round(path.stat().st_size / 2**20, 1),
        "rows_with_several_recipients": int((per_row > 0).sum()),
        "addresses_per_row_mean": round(float(2 + rows.extra.size / events), 3),
        "all_hands_meetings": events // ALL_HANDS_PER,
        "channel_shares": {
            name: round(float(x), 3) for name, x in zip(CHANNEL_NAMES, channel_share, strict=True)
        },
        "rows_from_outside": int((rows.sender >= n).sum()),
        "weekend_share": round(float(((rows.day % 7) >= 5).mean()), 3),
    }


@dataclass
class Synthetic:
    """The cached files of one synthetic organisation's 4 weeks of metadata."""

    key: dict[str, Any]
    csv: Path
    people: Path
    meta: Path
    reduced: Path  # written by the import stage (its result, for the database stage)

    def weeks(self) -> list[dt.date]:
        first = dt.date.fromisoformat(self.key["first_monday"])
        return [first + dt.timedelta(weeks=i) for i in range(4)]


def generate(context: Context, files: Synthetic) -> dict[str, Any]:
    """(In a child) the organisation, its people's directory data and the CSV."""
    started = time.perf_counter()
    org = context.organisation()
    people = synthetic_people(org, context.args.seed)
    people.save(files.people)
    rows = event_rows(org, people, context.args.events, context.args.seed)
    partial = files.csv.with_suffix(".partial")
    meta = write_events(rows, people.n, files.weeks()[0], partial)
    partial.rename(files.csv)
    meta["generated_seconds"] = round(time.perf_counter() - started, 1)
    return meta


def save_reduced(reduced: importers.Reduced, path: Path) -> None:
    partial = path.with_suffix(".partial.npz")
    np.savez(partial, **{f.name: getattr(reduced, f.name) for f in fields(importers.Reduced)})
    partial.rename(path)


def load_reduced(path: Path) -> importers.Reduced:
    with np.load(path) as data:
        values = {f.name: data[f.name] for f in fields(importers.Reduced)}
    for name in ("events", "unknown_addresses", "events_with_unknown"):
        values[name] = int(values[name])
    return importers.Reduced(**values)


def stage_import(context: Context) -> dict[str, Any]:
    files = context.synthetic()
    context.release()
    return {
        "file": context.file_meta(files),
        **forked(lambda: run_import(files, context.args.profile)),
    }


def run_import(files: Synthetic, profile: bool = False) -> dict[str, Any]:
    """importers.read of the whole CSV (parse, look up, reduce to pair x week x channel),
    then, in the same process, the engine on its 4 weeks without a database: the window
    summed from the reduced counts with numpy, tie_graph, person_metrics, unit_metrics and
    communities (what compute.insights_compute runs, less reading, publishing and storing)."""
    people = People.load(files.people)
    directory = people.directory()  # what the real import holds too
    reset_peak()
    start_mb = memory_mb("VmRSS")
    started, cpu_started = time.perf_counter(), time.process_time()
    profiler = start_profile(profile)
    reduced = importers.read(files.csv, "csv", directory=directory)
    profiled = stop_profile(profiler)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak = memory_mb("VmHWM")
    parts: dict[str, float] = {}

    def timed(name: str, function: Callable[[], Any]) -> Any:
        began = time.perf_counter()
        out = function()
        parts[name] = round(time.perf_counter() - began, 2)
        return out

    window = timed("window", lambda: window_of(reduced, people, files.weeks()))
    graph = timed("tie_graph", lambda: tie_graph(window))
    timed("person_metrics", lambda: person_metrics(window, graph))
    timed("unit_metrics", lambda: unit_metrics(window, graph, people.parent))
    timed("communities", lambda: communities(graph, window.team))
    in_memory = round(seconds + sum(parts.values()), 2)
    in_memory_cpu = round(time.process_time() - cpu_started, 2)
    in_memory_peak = memory_mb("VmHWM")
    save_reduced(reduced, files.reduced)
    return {
        "events": reduced.events,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "events_per_second": round(reduced.events / seconds),
        "mb_per_second": round(files.csv.stat().st_size / 2**20 / seconds, 1),
        "start_mb": start_mb,
        "peak_mb": peak,
        "pair_week_channel_rows": int(reduced.pair_a.size),
        "person_week_rows": int(reduced.person.size),
        "weeks": [str(w) for w in np.unique(reduced.week)],
        "unknown_addresses": reduced.unknown_addresses,
        "events_with_unknown": reduced.events_with_unknown,
        "pairs_in_window": int(window.a.size),
        "ties_in_window": graph.ecount(),
        "without_database": {
            "engine_seconds": parts,
            "seconds": in_memory,
            "cpu_seconds": in_memory_cpu,
            "peak_mb": in_memory_peak,
            "goal_seconds": GOAL_PIPELINE_SECONDS,
            "goal_peak_mb": GOAL_PEAK_MB,
            "within_goal": in_memory <= GOAL_PIPELINE_SECONDS and in_memory_peak <= GOAL_PEAK_MB,
        },
        **({"profile": profiled} if profiled else {}),
    }


def window_of(reduced: importers.Reduced, people: People, weeks: list[dt.date]) -> Window:
    """The engine's window of `weeks` from reduced counts (pair rows sorted by pair)."""
    n = people.n
    inside = np.isin(reduced.week, np.array(weeks, dtype="datetime64[D]"))
    key = reduced.pair_a[inside].astype(np.int64) * n + reduced.pair_b[inside]
    first = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
    count = np.add.reduceat(reduced.count[inside].astype(np.int64), first)
    o2o = np.add.reduceat(reduced.one_to_one_minutes[inside].astype(np.int64), first)
    mine = np.isin(reduced.person_week, np.array(weeks, dtype="datetime64[D]"))
    who = reduced.person[mine]

    def per_person(values: IntArray) -> IntArray:
        return np.bincount(who, weights=values[mine], minlength=n).astype(np.int64)

    return Window(
        n=n,
        a=key[first] // n,
        b=key[first] % n,
        count=count,
        one_to_one_minutes=o2o,
        team=people.team,
        manager=people.manager,
        interactions=per_person(reduced.interactions),
        after_hours=per_person(reduced.after_hours),
        meeting_minutes=per_person(reduced.meeting_minutes),
        weeks=len(weeks),
    )


# --- the database and the pages (stages "database" and "page") -------------------------------


def start_profile(enabled: bool) -> Any:
    if not enabled:
        return None
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()
    return profiler


def stop_profile(profiler: Any, top: int = 35) -> str:
    """The profile's top functions (cumulative, then own time) on stderr and as text."""
    if profiler is None:
        return ""
    import io
    import pstats

    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    print(text.getvalue(), file=sys.stderr, flush=True)
    return "on stderr"


def django_setup(data_dir: Path) -> None:
    """Django on a throwaway SQLite database in `data_dir` (as bench/pulse.py does)."""
    if "django" in sys.modules and getattr(sys.modules["django"], "apps", None):
        from django.apps import apps

        if apps.ready:
            return
    os.environ["KITH_DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["KITH_DEBUG"] = "false"  # as in production: no query log, no debug pages
    os.environ["KITH_LOG_LEVEL"] = "WARNING"
    os.environ.pop("DATABASE_URL", None)
    (data_dir / "static").mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def unit_name(u: int, division: int) -> str:
    """A division (a unit right below the organisation) by its place among them."""
    if division >= 0:
        return DIVISIONS[division] if division < len(DIVISIONS) else f"Division {division + 1}"
    return f"{UNIT_WORDS[u % len(UNIT_WORDS)]} {u}"


def build_database(people: People) -> dict[str, Any]:
    """Units and people with bulk_create (Person id = index + 1, unit id = unit index), an
    HR admin (person 1) and three targets."""
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.utils import timezone

    from kith.accounts.models import User
    from kith.core.permissions import HR_ADMINS_GROUP
    from kith.directory.models import OrgUnit, Person
    from kith.insights.models import Target

    started = time.perf_counter()
    parent, depth = people.parent.tolist(), people.depth.tolist()
    has_children = np.bincount(people.parent[1:], minlength=len(parent)) > 0
    paths = [""] * len(parent)
    divisions: list[int] = []
    units = []
    for u in range(1, len(parent)):
        p = parent[u]
        paths[u] = f"{paths[p] if p > 0 else ''}{u}."
        if p == 0:
            divisions.append(u)
        kind = (
            OrgUnit.Kind.DEPARTMENT
            if p == 0
            else OrgUnit.Kind.UNIT
            if has_children[u]
            else OrgUnit.Kind.TEAM
        )
        units.append(
            OrgUnit(
                id=u,
                name=unit_name(u, len(divisions) - 1 if p == 0 else -1),
                kind=kind,
                parent_id=p if p > 0 else None,
                path=paths[u],
                depth=depth[u] - 1,
            )
        )
    hours = [dt.time(m // 60, m % 60) for m in range(24 * 60)]
    with transaction.atomic():
        OrgUnit.objects.bulk_create(units, batch_size=1000)
        batch = []
        for i, (team, boss, zone, begin, end, days) in enumerate(
            zip(
                people.team.tolist(),
                people.manager.tolist(),
                people.zone.tolist(),
                people.work_start.tolist(),
                people.work_end.tolist(),
                people.work_days.tolist(),
                strict=True,
            )
        ):
            first, last = email_of(i).split("@")[0].rstrip("0123456789").split(".")
            batch.append(
                Person(
                    id=i + 1,
                    employee_id=f"E{i + 1:07d}",
                    full_name=f"{first.title()} {last.title()}",
                    email=email_of(i),
                    title="Engineer",
                    org_unit_id=team if team > 0 else None,
                    manager_id=boss + 1 if boss >= 0 else None,
                    timezone=ZONES[zone][0],
                    work_start=hours[begin],
                    work_end=hours[end % (24 * 60)],
                    work_days=[d + 1 for d in range(7) if days[d]],
                )
            )
            if len(batch) == 20_000:
                Person.objects.bulk_create(batch, batch_size=1000)
                batch = []
        Person.objects.bulk_create(batch, batch_size=1000)
    hr = User.objects.create_user(email=email_of(0), password=None)
    hr.groups.add(Group.objects.get_or_create(name=HR_ADMINS_GROUP)[0])
    now = timezone.now()
    for metric, low, high in (
        ("isolated_share", None, 0.05),
        ("after_hours_share", None, 0.15),
        ("connection_index", 60.0, None),
    ):
        Target.objects.create(metric=metric, minimum=low, maximum=high, updated_at=now)
    size = np.bincount(
        ancestor_at(people.parent, people.depth, people.team, 1), minlength=len(parent)
    )
    department_size = np.bincount(
        ancestor_at(people.parent, people.depth, people.team, 2), minlength=len(parent)
    )
    at_2 = np.flatnonzero(people.depth == 2)
    return {
        "units": len(units),
        "people": people.n,
        "hr_user": hr.pk,
        "division": max(divisions, key=lambda u: (int(size[u]), -u)),
        "department": int(at_2[np.argmax(department_size[at_2])]),
        "seconds": round(time.perf_counter() - started, 1),
    }


def run_check(files: Synthetic, profile: bool) -> dict[str, Any]:
    """import_check without its parse (the import stage's read is reused): the file's
    digest, the directory from the database, _pack and the run saved for HR to apply."""
    from django.utils import timezone

    from kith.core import audit
    from kith.insights import services
    from kith.insights.models import ImportRun

    reduced = load_reduced(files.reduced)  # what importers.read returned
    reset_peak()
    start_mb = memory_mb("VmRSS")
    seconds: dict[str, float] = {}
    cpu_started = time.process_time()
    profiler = start_profile(profile)

    def timed(name: str, function: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        out = function()
        seconds[name] = round(time.perf_counter() - started, 2)
        return out

    def digest() -> str:
        with files.csv.open("rb") as source:
            return services._digest(source)

    now = timezone.now()
    sha = timed("digest", digest)
    directory, person_ids = timed("import_directory", services.import_directory)
    oldest = services.oldest_kept_week(timezone.localdate(now))
    blob, summary = timed("pack", lambda: services._pack(reduced, person_ids, oldest))

    def save() -> ImportRun:
        run = ImportRun(
            filename=files.csv.name,
            fmt="csv",
            sha256=sha,
            created_at=now,
            reduced=blob,
            summary=summary,
            status=ImportRun.Status.PREVIEWED,
            progress_total=summary["rows"],
        )
        run.save()
        audit.record(actor=None, action="insights.import_checked", target=f"import:{run.pk}")
        return run

    run = timed("save_run", save)
    stop_profile(profiler)
    cpu = time.process_time() - cpu_started
    peak = memory_mb("VmHWM")
    mine = People.load(files.people).directory()
    assert directory.emails == mine.emails and directory.timezone == mine.timezone, (
        "the database's directory differs from the one the import stage read with"
    )
    return {
        "seconds": seconds,
        "total_seconds": round(sum(seconds.values()), 2),
        "cpu_seconds": round(cpu, 2),
        "start_mb": start_mb,
        "peak_mb": peak,
        "reduced_kb": round(len(blob) / 1024),
        "summary": summary,
        "run": run.pk,
    }


def run_apply(run_id: int, profile: bool) -> dict[str, Any]:
    """services.import_apply: the executemany upserts into PairWeek and PersonWeek."""
    from kith.insights import services
    from kith.insights.models import ImportRun, PairWeek, PersonWeek

    run = ImportRun.objects.get(pk=run_id)
    reset_peak()
    start_mb = memory_mb("VmRSS")
    started, cpu_started = time.perf_counter(), time.process_time()
    profiler = start_profile(profile)
    services.import_apply(run=run, actor=None)
    stop_profile(profiler)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak = memory_mb("VmHWM")
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "start_mb": start_mb,
        "peak_mb": peak,
        "pair_week_rows": PairWeek.objects.count(),
        "person_week_rows": PersonWeek.objects.count(),
        "rows_per_second": round(run.progress_total / seconds),
    }


def run_compute(week: dt.date, profile: bool) -> dict[str, Any]:
    """kith.insights.compute.insights_compute for the window ending with `week`, its parts
    timed by wrapping the functions it calls (in this child only)."""
    from kith.core.disclosure import ledger
    from kith.insights import compute, facts
    from kith.insights import engine as network

    parts: dict[str, float] = {}
    found: dict[str, Any] = {}

    def wrap(module: Any, name: str, label: str) -> None:
        original = getattr(module, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            out = original(*args, **kwargs)
            parts[label] = round(parts.get(label, 0.0) + time.perf_counter() - started, 2)
            if label == "tie_graph":
                found["ties"] = out.ecount()
            return out

        setattr(module, name, timed)

    wrap(compute, "organisation_now", "organisation_now")
    wrap(compute, "read_window", "read_window")
    for name in ("tie_graph", "person_metrics", "unit_metrics", "communities"):
        wrap(network, name, name)
    wrap(compute, "publishable_units", "publishable_units")
    wrap(facts, "categories", "facts")
    wrap(compute, "figure_cells", "figure_cells")
    wrap(compute, "_store", "store")
    wrap(ledger, "record", "ledger_record")
    reset_peak()
    start_mb = memory_mb("VmRSS")
    started, cpu_started = time.perf_counter(), time.process_time()
    profiler = start_profile(profile)
    result = compute.insights_compute(week=week)
    stop_profile(profiler)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak = memory_mb("VmHWM")
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "parts_seconds": parts,
        "start_mb": start_mb,
        "peak_mb": peak,
        "ties": found.get("ties"),
        "published_units": result.published,
        "withheld_units": result.withheld,
        "computation": result.computation.pk,
    }


def compute_more(weeks: list[dt.date]) -> float:
    from kith.insights import compute

    started = time.perf_counter()
    for week in weeks:
        compute.insights_compute(week=week)
    return round(time.perf_counter() - started, 1)


def stage_database(context: Context) -> dict[str, Any]:
    files = context.synthetic()
    context.release()
    read = context.results.get("import")
    if read is None or "error" in read or not files.reduced.exists():
        # Read again: its reduced counts are what the database stage writes.
        read = forked(lambda: run_import(files, context.args.profile))
    data_dir = context.data_dir()
    for old in data_dir.glob("kith.sqlite3*"):
        old.unlink()
    (data_dir / MARKER).unlink(missing_ok=True)
    django_setup(data_dir)
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate_seconds = round(time.perf_counter() - started, 1)
    people = People.load(files.people)
    built = forked(lambda: build_database(people))

    def enable() -> None:
        from kith.insights import services

        services.insights_enable(actor=None)

    forked(enable)
    check = forked(lambda: run_check(files, context.args.profile))
    apply = forked(lambda: run_apply(check["run"], context.args.profile))
    week = files.weeks()[-1]
    computed = forked(lambda: run_compute(week, context.args.profile))
    # Earlier windows (not timed), so that the page draws a trend as it would in use.
    earlier = [week - dt.timedelta(weeks=i) for i in range(1, context.args.trend)]
    trend_seconds = forked(lambda: compute_more(earlier))
    info = {"key": files.key, **built, "week": week.isoformat()}
    (data_dir / MARKER).write_text(json.dumps(info))
    steps = {
        "read": (read["seconds"], read["cpu_seconds"], read["peak_mb"]),
        "check_without_read": (check["total_seconds"], check["cpu_seconds"], check["peak_mb"]),
        "apply": (apply["seconds"], apply["cpu_seconds"], apply["peak_mb"]),
        "compute": (computed["seconds"], computed["cpu_seconds"], computed["peak_mb"]),
    }
    total = round(sum(s for s, _, _ in steps.values()), 2)
    peak = max(p for _, _, p in steps.values())
    return {
        "database": "SQLite (WAL), throwaway, under " + str(data_dir.parent),
        "setup": {"migrate_seconds": migrate_seconds, **built},
        "check": check,
        "apply": apply,
        "compute": computed,
        "earlier_windows": {"weeks": [w.isoformat() for w in earlier], "seconds": trend_seconds},
        "pipeline": {
            "steps_seconds_cpu_peak_mb": {k: list(v) for k, v in steps.items()},
            "seconds": total,
            "cpu_seconds": round(sum(c for _, c, _ in steps.values()), 2),
            "peak_mb": peak,
            "goal_seconds": GOAL_PIPELINE_SECONDS,
            "goal_peak_mb": GOAL_PEAK_MB,
            "within_goal": total <= GOAL_PIPELINE_SECONDS and peak <= GOAL_PEAK_MB,
        },
    }


MARKER = "insights-bench.json"


def run_page(info: dict[str, Any], repeat: int, warmup: int) -> dict[str, Any]:
    """The relational health page for an HR admin through Django's test client, and its
    selector alone: median and max of `repeat` after `warmup` requests."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from kith.accounts.models import User
    from kith.core.permissions import viewer_for_user
    from kith.insights import selectors

    user = User.objects.get(pk=info["hr_user"])
    client = Client()
    client.force_login(user)
    variants = [
        ("organisation", None),
        ("division", info["division"]),
        ("department", info["department"]),
    ]
    out: dict[str, Any] = {}
    for name, unit in variants:
        url = "/insights/" if unit is None else f"/insights/?unit={unit}"
        with CaptureQueriesContext(connection) as queries:
            first = client.get(url)
        query_count = len(queries)
        assert first.status_code == 200, (url, first.status_code)
        html = first.content.decode()
        assert "<tbody>" in html, url  # the table of groups was drawn
        for _ in range(warmup - 1):
            client.get(url)
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        viewer = viewer_for_user(user)
        for _ in range(warmup):
            selectors.health_for_viewer(viewer, unit=unit)
        selector = []
        for _ in range(repeat):
            started = time.perf_counter()
            view = selectors.health_for_viewer(viewer, unit=unit)
            selector.append((time.perf_counter() - started) * 1000)
        body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
        median = statistics.median(timings)
        out[name] = {
            "url": url,
            "median_ms": round(median, 1),
            "max_ms": round(max(timings), 1),
            "selector_median_ms": round(statistics.median(selector), 1),
            "selector_max_ms": round(max(selector), 1),
            "queries": query_count,
            "rows": body.count("<tr"),
            "selected_people": view.selected.cell.people if view.selected else None,
            "trend_points": len(view.trend),
            "html_kb": round(len(first.content) / 1024, 1),
            "goal_ms": GOAL_PAGE_MS,
            "within_goal": median <= GOAL_PAGE_MS,
        }
    out["repeat"], out["warmup"] = repeat, warmup
    return out


def stage_page(context: Context) -> dict[str, Any]:
    data_dir = context.data_dir()
    marker = data_dir / MARKER
    if not marker.exists():
        raise SystemExit(
            "the page stage needs the database stage's database: run it first (in the same "
            "run, or earlier with the same --data-dir)"
        )
    info = json.loads(marker.read_text())
    django_setup(data_dir)
    args = context.args
    return forked(lambda: run_page(info, args.repeat, args.warmup))


# --- main -------------------------------------------------------------------------------------


STAGES: dict[str, Callable[[Context], dict[str, Any]]] = {
    "email": lambda context: forked(lambda: stage_email(context.args)),
    "engine": stage_engine,
    "import": stage_import,
    "database": stage_database,
    "page": stage_page,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stages", default=",".join(STAGES), help="comma separated")
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--ties", type=int, default=2_000_000)
    parser.add_argument("--events", type=int, default=EVENTS, help="rows of the CSV")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--cache-dir",
        default=str(Path(tempfile.gettempdir()) / "kith-bench-insights"),
        help="where the generated CSV (and what reading it gave) is kept between runs",
    )
    parser.add_argument("--data-dir", help="keep the database here (default: a temporary one)")
    parser.add_argument(
        "--trend",
        type=int,
        default=4,
        help="windows computed (the last one timed), so the page has a trend to draw",
    )
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the read, check, apply and compute"
    )
    args = parser.parse_args()
    context = Context(args)
    results: dict[str, Any] = {"benchmark": "insights", "commit": code_version()}
    context.results = results
    try:
        for name in args.stages.split(","):
            try:
                results[name] = STAGES[name](context)
            except Exception as exc:  # one stage's failure must not lose the others' figures
                traceback.print_exc()
                results[name] = {"error": str(exc).strip().splitlines()[-1][:500]}
    finally:
        if context.temporary is not None:
            shutil.rmtree(context.temporary, ignore_errors=True)
    if context.setup_seconds is not None:
        results["synthetic_setup_seconds"] = context.setup_seconds
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
