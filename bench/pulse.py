"""Benchmark Pulse at scale: recompute every wave's results, then the HR heatmap page.

    .venv/bin/python bench/pulse.py [--people 100000] [--waves 4] [--responses N] [--seed 7]
    .venv/bin/python bench/pulse.py --people 100000 --responses 0     # the headcount reading

The issue asks for "100k employees and 1M responses over 4 waves". An invitee answers a wave
at most once (one Invitation per person and wave, one Response per invitation), so 100k
employees give at most 400k responses in 4 waves; the two figures cannot both hold. Two
readings, both measured:

- "responses" (default): the 1M responses are kept. `--responses` (default 10 × --people,
  so 1,000,000 at 100k) are spread evenly over the waves, and each wave is sent to
  responses / waves / 0.8 people (312,500 at the defaults) of whom exactly 80% answer, so
  each wave's audience is 3.1 × --people. The org tree stays sized for --people (≈ 1 unit per
  50 people: 2,000 units at 100k), so units are 3 × fuller than in the other reading.
- "headcount" (`--responses 0`): the 100k employees are kept: every wave goes to the
  --people active people and 80% answer (320,000 responses over 4 waves at 100k).

Synthetic organisation (deterministic for a seed): about --people / 50 org units (3-12
departments, 12 from 6k people up; a random recursive tree, at most 6 levels), 1-5 people
directly in each unit with children, 12% of the leaf units with 1-6 people (under or near
the privacy threshold k = 5) and the rest log-normally sized; 19 countries (40% of a
department in its "home" country, a few tiny ones, 1% not recorded); tenure exponential with
a mean of 3.5 years, 2% without a start date. Between waves 6% of the people leave, as many
join (new joiners, tenure under a year) and 3% move to another unit. Each person has a fixed
answering propensity (0.95 for 75% of people, 0.35 for the rest), so the same people tend to
answer wave after wave; exactly 80% of each wave's invitees answer.

Setup (not measured) writes a fresh SQLite database in a temporary KITH_DATA_DIR: org units
and people with bulk_create; one campaign through kith.pulse.services.campaign_save (six
instruments, 28 numeric items, attributes country and tenure, every 12 weeks, k = 5); each
wave sent through services.wave_send(notify=False) (its time is printed in the
`pulse_setup` line, and includes computing the stored groups of at least k invitees);
Receipt and Response rows with bulk_create in the shape answer_submit writes (a receipt per
respondent, keyed by an HMAC of the wave and token; a response under the invitation's stored
unit and attribute codes, the Monday of the week, raw option values as integers, 3% of items
skipped), written in a random order as people answer.

Measured, each in a forked child of a process that holds only Django:
1. `pulse_recompute`: kith.pulse.results.wave_results_compute for every wave in order (each
   wave is checked against everything the disclosure ledger holds), once on a database
   without results (`first_compute_seconds`; a reused `--data-dir` is cleared of results and
   of the ledger first), then again over the stored cells and the ledger they recorded
   (`seconds`: the goal, "all results recomputed"; every wave is then checked against all
   four waves' cells). `peak_mb` is that child's peak RSS (VmHWM), `start_mb` its RSS when
   it started (Django, already in memory when it forked).
2. `pulse_heatmap`: the HR results page of the last wave through Django's test client
   (DEBUG off, as in production), signed in as a member of "HR admins": the top level,
   a country filter (`?filter=0:3`), a drill-down into the department with the most
   sub-units (`?unit=…`) and the every-item view (`?view=items`); and, outside the goal,
   the same page for the head of the largest department (`manager`: a manager's scope comes
   from their reporting line, one lead per unit). One warm-up request, then --repeat timed
   ones; median and max milliseconds of server time.

`--profile` adds a third recompute pass under cProfile and prints its top functions to
stderr. `--data-dir DIR` keeps the database in DIR and reuses it when it was built with the
same parameters. Goals: `seconds` <= 30 and every heatmap `median_ms` <= 300.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import multiprocessing as mp
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_RECOMPUTE_SECONDS = 30
GOAL_HEATMAP_MS = 300
INSTRUMENT_KEYS = ["edmondson", "cbi_work", "loneliness3", "enps", "connection", "ai_connection"]
ATTRIBUTES = ["country", "tenure"]
ANSWER_RATE = 0.8
PEOPLE_PER_UNIT = 50
MAX_UNIT_DEPTH = 5  # OrgUnit.depth 0..5: six levels under the organisation
CADENCE_WEEKS = 12
WAVE_DAYS = 10
LEAVERS = 0.06  # per wave, replaced by as many joiners
MOVERS = 0.03
SKIP_ITEM = 0.03
TINY_LEAVES = 0.12
BUILD_VERSION = 3  # bump when the synthetic data changes, so --data-dir rebuilds
DEPARTMENTS = [
    "Engineering", "Product", "Sales", "Customer Success", "Marketing", "Finance", "People",
    "Operations", "Legal", "Research", "Data", "Security",
]  # fmt: skip
UNIT_WORDS = [
    "Platform", "Mobile", "Web", "Payments", "Growth", "Brand", "EMEA", "Americas", "APAC",
    "Support", "Onboarding", "Renewals", "Talent", "Learning", "Facilities", "Logistics",
    "Analytics", "Infrastructure", "Design", "Research", "Accounting", "Procurement",
]  # fmt: skip
# (ISO code, weight); "" = not recorded
COUNTRIES = [
    ("US", 18), ("GB", 10), ("DE", 9), ("IN", 9), ("FR", 7), ("PT", 6), ("ES", 5), ("BR", 5),
    ("NL", 4), ("CA", 4), ("PL", 3), ("IT", 3), ("SE", 2), ("IE", 2), ("JP", 2), ("SG", 2),
    ("MX", 2), ("IS", 0.05), ("LU", 0.05), ("", 1),
]  # fmt: skip


# --- processes ------------------------------------------------------------------------------


def forked(function: Callable[[], Any]) -> Any:
    """function() in a forked child (no database connection is shared with it)."""
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


def code_version() -> str:
    """The commit measured, with "+dirty" when kith/ has uncommitted changes."""
    import subprocess

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown (not a git checkout)"
    return commit + ("+dirty" if git("status", "--porcelain", "--", "kith") else "")


def memory_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process, from /proc."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


# --- the synthetic organisation ---------------------------------------------------------------


class Plan:
    """Sizes derived from the options."""

    def __init__(self, people: int, waves: int, responses: int | None) -> None:
        self.people = people
        self.waves = waves
        if responses is None:
            responses = 10 * people
        if responses:
            self.reading = "responses"
            self.respondents_per_wave = responses // waves
            self.invited_per_wave = max(1, math.ceil(self.respondents_per_wave / ANSWER_RATE))
        else:
            self.reading = "headcount"
            self.invited_per_wave = people
            self.respondents_per_wave = round(people * ANSWER_RATE)
        self.units = max(20, people // PEOPLE_PER_UNIT)

    def key(self, seed: int) -> dict[str, Any]:
        return {
            "reading": self.reading,
            "people": self.people,
            "waves": self.waves,
            "invited_per_wave": self.invited_per_wave,
            "respondents_per_wave": self.respondents_per_wave,
            "units": self.units,
            "seed": seed,
            "build": BUILD_VERSION,
        }


def org_tree(units: int, rng: random.Random) -> tuple[list[int], list[int]]:
    """Parent index (-1 for a department) and depth of each unit; parents come first."""
    departments = min(len(DEPARTMENTS), max(3, units // 10))
    parent = [-1] * departments
    depth = [0] * departments
    eligible = list(range(departments))
    for i in range(departments, units):
        p = rng.choice(eligible)
        parent.append(p)
        depth.append(depth[p] + 1)
        if depth[p] + 1 < MAX_UNIT_DEPTH:
            eligible.append(i)
    return parent, depth


def unit_sizes(parent: list[int], headcount: int, rng: np.random.Generator) -> np.ndarray:
    m = len(parent)
    has_children = np.zeros(m, dtype=bool)
    has_children[[p for p in parent if p >= 0]] = True
    sizes = np.zeros(m, dtype=np.int64)
    sizes[has_children] = rng.integers(1, 6, int(has_children.sum()))
    leaves = np.flatnonzero(~has_children)
    tiny = leaves[rng.random(leaves.size) < TINY_LEAVES]
    sizes[tiny] = rng.integers(1, 7, tiny.size)
    rest = np.setdiff1d(leaves, tiny)
    remaining = max(0, headcount - int(sizes.sum()))
    weights = rng.lognormal(0.0, 0.8, rest.size)
    sizes[rest] += rng.multinomial(remaining, weights / weights.sum())
    return sizes


class Population:
    """Everyone who is ever employed during the benchmark, by person id (row 0 unused)."""

    def __init__(self, plan: Plan, seed: int, first_opens: dt.date) -> None:
        self.rng = np.random.default_rng(seed)
        tree_rng = random.Random(seed)
        self.parent, self.depth = org_tree(plan.units, tree_rng)
        m = len(self.parent)
        root = list(range(m))
        for i in range(m):
            if self.parent[i] >= 0:
                root[i] = root[self.parent[i]]
        self.root = np.array(root)
        headcount = plan.invited_per_wave
        capacity = headcount + int(headcount * LEAVERS * plan.waves) + plan.waves + 2
        self.unit = np.full(capacity, -1, dtype=np.int64)  # index into the generated tree
        self.active = np.zeros(capacity, dtype=bool)
        self.country = np.empty(capacity, dtype=object)
        self.start: list[dt.date | None] = [None] * capacity
        self.propensity = np.where(self.rng.random(capacity) < 0.75, 0.95, 0.35)
        self.effect = self.rng.normal(0.0, 0.7, capacity)  # a person's own mood
        self.unit_mood = self.rng.normal(0.0, 0.8, m)
        codes = [c for c, _ in COUNTRIES if c]
        self.home = self.rng.choice(codes[:12], size=m)  # a department's home country
        self.count = 0  # ids 1..count exist
        placed = np.repeat(np.arange(m), unit_sizes(self.parent, headcount, self.rng))
        self.rng.shuffle(placed)
        self.first_opens = first_opens
        self.add(placed, joining_between=None)

    def add(self, units: np.ndarray, joining_between: tuple[dt.date, dt.date] | None) -> range:
        ids = range(self.count + 1, self.count + 1 + units.size)
        self.count += units.size
        index = np.arange(ids.start, ids.stop)
        self.unit[index] = units
        self.active[index] = True
        weights = np.array([w for _, w in COUNTRIES], dtype=np.float64)
        drawn = self.rng.choice(
            [c for c, _ in COUNTRIES], size=units.size, p=weights / weights.sum()
        )
        local = self.rng.random(units.size) < 0.4
        self.country[index] = np.where(local, self.home[self.root[units]], drawn)
        if joining_between is None:
            days = np.minimum(self.rng.exponential(3.5 * 365.25, units.size), 30 * 365).astype(int)
            missing = self.rng.random(units.size) < 0.02
            for i, d, miss in zip(ids, days.tolist(), missing.tolist(), strict=True):
                self.start[i] = None if miss else self.first_opens - dt.timedelta(days=d + 1)
        else:
            first, last = joining_between
            span = max(1, (last - first).days)
            for i, d in zip(ids, self.rng.integers(0, span, units.size).tolist(), strict=True):
                self.start[i] = first + dt.timedelta(days=d)
        return ids

    def active_ids(self) -> np.ndarray:
        return np.flatnonzero(self.active)


def create_people(population: Population, ids: range) -> None:
    from kith.directory.models import Person

    rows = []
    for i in ids:
        rows.append(
            Person(
                id=i,
                employee_id=f"B{i:07d}",
                full_name=f"Bench Person{i}",
                email=f"person{i}@bench.example",
                title="Engineer",
                country=str(population.country[i]),
                start_date=population.start[i],
                org_unit_id=int(population.unit[i]) + 1,
                timezone="Europe/Lisbon",
            )
        )
        if len(rows) == 20_000:
            Person.objects.bulk_create(rows, batch_size=1000)
            rows = []
    Person.objects.bulk_create(rows, batch_size=1000)


def turnover(population: Population, previous: dt.date, opens: dt.date, hr_id: int) -> None:
    """Leavers (replaced by joiners) and movers between two waves."""
    from django.db import connection, transaction

    from kith.directory.models import Person

    rng = population.rng
    active = population.active_ids()
    active = active[active != hr_id]
    leaving = rng.choice(active, size=int(active.size * LEAVERS), replace=False)
    staying = np.setdiff1d(active, leaving)
    moving = rng.choice(staying, size=int(staying.size * MOVERS), replace=False)
    # New places follow where people already are (a random colleague's unit).
    population.unit[moving] = population.unit[rng.choice(staying, size=moving.size)]
    population.active[leaving] = False
    joiner_units = population.unit[rng.choice(staying, size=leaving.size)]
    table = Person._meta.db_table
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET is_active = 0 WHERE id = %s",
                [(int(i),) for i in leaving],
            )
            cursor.executemany(
                f"UPDATE {table} SET org_unit_id = %s WHERE id = %s",
                [(int(population.unit[i]) + 1, int(i)) for i in moving],
            )
        joiners = population.add(joiner_units, joining_between=(previous, opens))
        create_people(population, joiners)


def answers(
    wave: Any, population: Population, persons: np.ndarray, wave_shift: float
) -> np.ndarray:
    """(n, items) raw option values as floats (NaN = skipped), like answer_submit stores."""
    from kith.pulse.engine.instruments import INSTRUMENTS
    from kith.pulse.questionnaire import engine_items, numeric_items

    rng = population.rng
    items = engine_items(wave)
    data = numeric_items(wave)
    n = persons.size
    mood = (
        population.unit_mood[population.unit[persons]]
        + population.effect[persons]
        + wave_shift
        + rng.normal(0.0, 0.3, n)
    )
    out = np.empty((n, len(items)), dtype=np.float64)
    for column, (item, info) in enumerate(zip(items, data, strict=True)):
        options = np.array(item.scale.values, dtype=np.float64)
        lo, hi = options[0], options[-1]
        share = 1 / (1 + np.exp(-(0.7 + mood + rng.normal(0.0, 0.6, n))))
        better = INSTRUMENTS[info["instrument"]].higher_is_better
        target = lo + share * (hi - lo) if better else hi - share * (hi - lo)
        raw = lo + hi - target if item.reverse else target
        nearest = np.abs(raw[:, None] - options[None, :]).argmin(axis=1)
        out[:, column] = options[nearest]
    out[rng.random(out.shape) < SKIP_ITEM] = np.nan
    return out


def send_and_answer(wave: Any, population: Population, plan: Plan) -> dict[str, float]:
    from django.db import transaction
    from django.utils import timezone

    from kith.pulse import services
    from kith.pulse.models import Invitation, Receipt
    from kith.pulse.models import Response as SurveyResponse
    from kith.pulse.receipts import receipt_digest

    rng = population.rng
    sent_at = timezone.make_aware(dt.datetime.combine(wave.opens_on, dt.time(9)))
    started = time.perf_counter()
    invited = services.wave_send(wave=wave, now=sent_at, notify=False)
    send_seconds = time.perf_counter() - started
    wave.refresh_from_db()
    rows = list(
        Invitation.objects.filter(wave=wave)
        .order_by("id")
        .values_list("id", "person_id", "stored_unit", "stored_attrs", "token")
    )
    assert len(rows) == invited
    person = np.array([r[1] for r in rows], dtype=np.int64)
    wanted = min(plan.respondents_per_wave, len(rows))
    # Weighted sampling without replacement (Efraimidis-Spirakis): exactly `wanted` answer.
    keys = np.log(rng.random(len(rows))) / population.propensity[person]
    chosen = np.argpartition(-keys, wanted - 1)[:wanted] if wanted else np.zeros(0, int)
    rng.shuffle(chosen)  # the order people answer in
    started = time.perf_counter()
    shift = float(rng.normal(0.0, 0.15))
    with transaction.atomic():
        Receipt.objects.bulk_create(
            (Receipt(digest=receipt_digest(wave.pk, rows[i][4]), wave=wave) for i in chosen),
            batch_size=2000,
        )
        for begin in range(0, chosen.size, 50_000):
            part = chosen[begin : begin + 50_000]
            raw = answers(wave, population, person[part], shift).tolist()
            # Whole numbers, null for a skipped question: as answer_submit stores them.
            values = [[None if x != x else int(x) for x in row] for row in raw]
            day = rng.integers(0, WAVE_DAYS, part.size).tolist()
            objects = []
            for i, v, d in zip(part.tolist(), values, day, strict=True):
                given = wave.opens_on + dt.timedelta(days=d)
                objects.append(
                    SurveyResponse(
                        wave=wave,
                        unit=rows[i][2],
                        attrs=rows[i][3],
                        week=given - dt.timedelta(days=given.weekday()),
                        values=v,
                    )
                )
            SurveyResponse.objects.bulk_create(objects, batch_size=1000)
    return {
        "invited": invited,
        "responses": int(chosen.size),
        "wave_send_seconds": round(send_seconds, 2),
        "responses_seconds": round(time.perf_counter() - started, 2),
    }


def assign_managers(population: Population) -> dict[int, int]:
    """Today's reporting lines: the lowest id in each unit leads it and reports to the lead of
    the nearest unit above that has people; everyone else reports to their unit's lead.
    Returns each unit's lead."""
    from django.db import connection, transaction

    from kith.directory.models import Person

    lead: dict[int, int] = {}
    for person in population.active_ids().tolist():
        lead.setdefault(int(population.unit[person]), person)

    def lead_above(unit: int) -> int | None:
        up = population.parent[unit]
        while up >= 0 and up not in lead:
            up = population.parent[up]
        return lead.get(up) if up >= 0 else None

    rows = []
    for person in population.active_ids().tolist():
        unit = int(population.unit[person])
        manager = lead_above(unit) if lead[unit] == person else lead[unit]
        if manager is not None:
            rows.append((manager, person))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {Person._meta.db_table} SET manager_id = %s WHERE id = %s", rows
        )
    return lead


def build(plan: Plan, seed: int) -> dict[str, Any]:
    """Everything the measurements need, in the (empty, migrated) database."""
    from django.contrib.auth.models import Group

    from kith.accounts.models import User
    from kith.core.permissions import HR_ADMINS_GROUP
    from kith.directory.models import OrgUnit
    from kith.pulse import services

    started = time.perf_counter()
    today = dt.date.today()
    first_opens = today - dt.timedelta(weeks=CADENCE_WEEKS * plan.waves)
    population = Population(plan, seed, first_opens)
    paths: list[str] = []
    units = []
    for i, (p, depth) in enumerate(zip(population.parent, population.depth, strict=True)):
        paths.append(f"{paths[p] if p >= 0 else ''}{i + 1}.")
        name = DEPARTMENTS[i] if p < 0 else f"{UNIT_WORDS[i % len(UNIT_WORDS)]} {i}"
        kind = OrgUnit.Kind.DEPARTMENT if p < 0 else OrgUnit.Kind.TEAM
        units.append(
            OrgUnit(
                id=i + 1,
                name=name,
                kind=kind,
                parent_id=p + 1 if p >= 0 else None,
                path=paths[i],
                depth=depth,
            )
        )
    OrgUnit.objects.bulk_create(units, batch_size=1000)
    create_people(population, range(1, population.count + 1))
    hr_id = 1  # the first person: an employee who is also an HR admin
    hr = User.objects.create_user(email=f"person{hr_id}@bench.example", password=None)
    hr.groups.add(Group.objects.get_or_create(name=HR_ADMINS_GROUP)[0])
    org_seconds = time.perf_counter() - started

    campaign = services.campaign_save(
        campaign=None,
        fields={
            "name": "Relational health pulse",
            "description": "Every twelve weeks.",
            "instruments": INSTRUMENT_KEYS,
            "attributes": ATTRIBUTES,
            "opens_on": first_opens,
            "closes_on": first_opens + dt.timedelta(days=WAVE_DAYS),
            "cadence_weeks": CADENCE_WEEKS,
        },
        org_units=[],
        actor=hr,
    )
    waves = []
    previous = first_opens
    for number in range(1, plan.waves + 1):
        wave = campaign.waves.get(number=number)
        if number > 1:
            turnover(population, previous, wave.opens_on, hr_id)
        waves.append({"wave": number, **send_and_answer(wave, population, plan)})
        previous = wave.opens_on
    # A department head, to compare a manager's page (scope from the reporting line).
    lead = assign_managers(population)
    sizes = np.bincount(population.root[population.unit[population.active_ids()]])
    head = lead[int(np.argmax(sizes))]
    manager = User.objects.create_user(email=f"person{head}@bench.example", password=None)
    return {
        "campaign": campaign.pk,
        "hr_user": hr.pk,
        "manager_user": manager.pk,
        "manager_reporting_line": int(sizes.max()) - 1,  # everyone under them, all levels
        "units": len(units),
        "people_ever": population.count,
        "org_seconds": round(org_seconds, 1),
        "waves": waves,
        "seconds": round(time.perf_counter() - started, 1),
    }


# --- measures ---------------------------------------------------------------------------------


def recompute_all(campaign_id: int, profile: bool = False) -> dict[str, Any]:
    """wave_results_compute for every wave, in order."""
    from kith.pulse.models import Wave
    from kith.pulse.results import invitations_read_once, wave_results_compute

    start_mb = memory_mb("VmRSS")
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started, cpu_started = time.perf_counter(), time.process_time()
    per_wave = []
    cells = []
    waves = Wave.objects.filter(campaign_id=campaign_id, sent_at__isnull=False)
    with invitations_read_once():  # as kith.pulse.results.campaign_recompute does
        for wave in waves.order_by("number").select_related("campaign"):
            t = time.perf_counter()
            cells.append(wave_results_compute(wave=wave))
            per_wave.append(round(time.perf_counter() - t, 2))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    out: dict[str, Any] = {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "wave_seconds": per_wave,
        "cells": cells,
        "peak_mb": memory_mb("VmHWM"),
        "start_mb": start_mb,
    }
    if profiler is not None:
        import io
        import pstats

        profiler.disable()
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)
        out["profile"] = text.getvalue()
    return out


def clear_results() -> None:
    """No published cells and an empty disclosure ledger, as before a wave's first compute."""
    from kith.core.models import DisclosedCell
    from kith.pulse.models import CommentCell, ResultCell, Wave

    ResultCell.objects.all().delete()
    CommentCell.objects.all().delete()
    DisclosedCell.objects.all().delete()
    Wave.objects.update(results_at=None)


def suppression_summary(campaign_id: int) -> dict[str, Any]:
    """How much of the last wave the privacy engine published (context for the timings)."""
    from kith.pulse.models import ResultCell, Wave

    wave = Wave.objects.filter(campaign_id=campaign_id).exclude(results_at=None).last()
    assert wave is not None
    cells = ResultCell.objects.filter(wave=wave)
    return {
        "last_wave_units": len(wave.units),
        "last_wave_unit_cells_published": cells.filter(attr=-1).count(),
        "last_wave_filtered_cells_published": cells.exclude(attr=-1).count(),
    }


def heatmap(campaign_id: int, users: dict[str, int], repeat: int) -> list[dict[str, Any]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from kith.accounts.models import User
    from kith.pulse.models import Wave

    wave = Wave.objects.filter(campaign_id=campaign_id).exclude(results_at=None).last()
    assert wave is not None
    children: dict[int, int] = {}
    for _unit_id, _name, parent in wave.units:
        children[parent] = children.get(parent, 0) + 1
    departments = [i for i, u in enumerate(wave.units) if u[2] == 0]
    drill = max(departments, key=lambda i: (children.get(i, 0), -i))
    base = f"/pulse/waves/{wave.pk}/"
    variants = [
        ("top", "hr", base),
        ("filter", "hr", f"{base}?filter=0:3"),
        ("drill", "hr", f"{base}?unit={drill}"),
        ("items", "hr", f"{base}?view=items"),
        # Not the goal: a department head's own page (scope from reporting lines).
        ("manager", "manager", base),
    ]
    clients = {}
    for role, user_id in users.items():
        clients[role] = Client()
        clients[role].force_login(User.objects.get(pk=user_id))
    rows = []
    for variant, role, url in variants:
        client = clients[role]
        with CaptureQueriesContext(connection) as queries:
            warm = client.get(url)
        query_count = len(queries)  # now: the next request start clears the query log
        assert warm.status_code == 200, (url, warm.status_code)
        html = warm.content.decode()
        assert "heatmap" in html, url
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
        median = statistics.median(timings)
        rows.append(
            {
                "benchmark": "pulse_heatmap",
                "variant": variant,
                "viewer": role,
                "url": url,
                "median_ms": round(median, 1),
                "max_ms": round(max(timings), 1),
                "repeat": repeat,
                "queries": query_count,
                "rows": body.count("<tr>"),
                "withheld_rows": body.count('class="withheld"'),
                "html_kb": round(len(warm.content) / 1024, 1),
                "goal_ms": GOAL_HEATMAP_MS,
                "within_goal": median <= GOAL_HEATMAP_MS,
            }
        )
    return rows


# --- main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--waves", type=int, default=4)
    parser.add_argument(
        "--responses",
        type=int,
        default=None,
        help="total over all waves (default 10 × --people); 0 = every active person invited, "
        "80%% answer",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--data-dir", help="keep (and reuse) the database here")
    parser.add_argument(
        "--pages-only",
        action="store_true",
        help="with a reused --data-dir whose results are computed: measure the pages only",
    )
    parser.add_argument(
        "--profile-pages",
        action="store_true",
        help="print a cProfile of the manager's page (after the timed requests) to stderr",
    )
    args = parser.parse_args()
    plan = Plan(args.people, args.waves, args.responses)

    temporary = None
    if args.data_dir:
        data_dir = Path(args.data_dir)
        data_dir.mkdir(parents=True, exist_ok=True)
    else:
        temporary = tempfile.mkdtemp(prefix="kith-bench-pulse-")
        data_dir = Path(temporary)
    try:
        run(args, plan, data_dir)
    finally:
        if temporary:
            shutil.rmtree(temporary, ignore_errors=True)


def run(args: argparse.Namespace, plan: Plan, data_dir: Path) -> None:
    os.environ["KITH_DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["KITH_DEBUG"] = "false"  # as in production: no query log, no debug pages
    os.environ["KITH_LOG_LEVEL"] = "WARNING"
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    (data_dir / "static").mkdir(exist_ok=True)  # WhiteNoise warns about a missing STATIC_ROOT

    marker = data_dir / "pulse-bench.json"
    key = plan.key(args.seed)
    built = json.loads(marker.read_text()) if marker.exists() else None
    if built is None or built.get("key") != key:
        for old in data_dir.glob("kith.sqlite3*"):
            old.unlink()
        call_command("migrate", verbosity=0)
        info = forked(lambda: build(plan, args.seed))
        built = {"key": key, "info": info}
        marker.write_text(json.dumps(built))
        print(json.dumps({"benchmark": "pulse_setup", **key, **info}), flush=True)
    else:
        call_command("migrate", verbosity=0)  # a reused database takes the newer migrations
    info = built["info"]
    responses = sum(w["responses"] for w in info["waves"])

    if args.pages_only and forked(lambda: results_computed(info["campaign"])):
        pages(args, plan, info)
        return
    forked(clear_results)  # a reused database: "first" is first again
    first = forked(lambda: recompute_all(info["campaign"]))
    again = forked(lambda: recompute_all(info["campaign"]))
    summary = suppression_summary(info["campaign"])
    print(
        json.dumps(
            {
                "benchmark": "pulse_recompute",
                "reading": plan.reading,
                "people": plan.people,
                "invited_per_wave": plan.invited_per_wave,
                "waves": plan.waves,
                "responses": responses,
                "units": info["units"],
                "cells_published": sum(again["cells"]),
                "cells_per_wave": again["cells"],
                "seconds": again["seconds"],
                "cpu_seconds": again["cpu_seconds"],
                "wave_seconds": again["wave_seconds"],
                "first_compute_seconds": first["seconds"],
                "peak_mb": again["peak_mb"],
                "start_mb": again["start_mb"],
                **summary,
                "seed": args.seed,
                "commit": code_version(),
                "goal_seconds": GOAL_RECOMPUTE_SECONDS,
                "within_goal": again["seconds"] <= GOAL_RECOMPUTE_SECONDS,
            }
        ),
        flush=True,
    )
    if args.profile:
        profiled = forked(lambda: recompute_all(info["campaign"], profile=True))
        print(profiled["profile"], file=sys.stderr)

    pages(args, plan, info)


def results_computed(campaign_id: int) -> bool:
    from kith.pulse.models import Wave

    waves = Wave.objects.filter(campaign_id=campaign_id, sent_at__isnull=False)
    return waves.exists() and not waves.filter(results_at=None).exists()


def pages(args: argparse.Namespace, plan: Plan, info: dict[str, Any]) -> None:
    users = {"hr": info["hr_user"], "manager": info["manager_user"]}
    for row in heatmap(info["campaign"], users, args.repeat):
        print(json.dumps({**row, "reading": plan.reading, "people": plan.people}), flush=True)
    if args.profile_pages:
        print(profile_page(info["campaign"], info["manager_user"]), file=sys.stderr)


def profile_page(campaign_id: int, user_id: int) -> str:
    """cProfile of five requests for the manager's results page (after a warm-up)."""
    import cProfile
    import io
    import pstats

    from django.test import Client

    from kith.accounts.models import User
    from kith.pulse.models import Wave

    wave = Wave.objects.filter(campaign_id=campaign_id).exclude(results_at=None).last()
    assert wave is not None
    client = Client()
    client.force_login(User.objects.get(pk=user_id))
    url = f"/pulse/waves/{wave.pk}/"
    client.get(url)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(5):
        client.get(url)
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(50)
    stats.sort_stats("tottime").print_stats(25)
    return text.getvalue()


if __name__ == "__main__":
    main()
