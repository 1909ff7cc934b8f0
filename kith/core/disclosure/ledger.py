"""The disclosure ledger: what has been published, and who it described.

An app that publishes aggregates about people registers a *population source* (in its
AppConfig.ready) and records each published cell here under a stable key. Before it
publishes anything new, it asks `prior_signatures` for the classes that everything already
published within the look-back window (KITH_DISCLOSURE_WINDOW_MONTHS, default 24) cuts the
people into, and hands them to the engine as the starting classes of its layer. The ledger
itself stores no person: each source resolves its cells' populations from its own records.
"""

from __future__ import annotations

import datetime as dt
import fcntl
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connection, transaction

from kith.core.disclosure.engine import IntArray, UIntArray, mix64, tag_sums
from kith.core.models import DisclosedCell


@dataclass(frozen=True, slots=True)
class Recorded:
    """A ledger row as a source sees it: its batch, its key and its signature tag."""

    batch: str
    key: str
    tag: int


# A source turns recorded cells into (person ids, per-person sum of the tags of the cells
# that contain them — a person may appear several times, the ledger adds them up — and each
# cell's population hash: the sum of engine.person_tag over its people).
PopulationSource = Callable[[Sequence[Recorded]], tuple[IntArray, UIntArray, UIntArray]]
_SOURCES: dict[str, PopulationSource] = {}


def register_source(name: str, resolve: PopulationSource) -> None:
    """Called from an app's AppConfig.ready."""
    _SOURCES[name] = resolve


def window_start(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(days=round(30.44 * settings.KITH_DISCLOSURE_WINDOW_MONTHS))


LOCK_ID = 0x4B49_5448_4C45_4447 & 0x7FFF_FFFF_FFFF_FFFF  # "KITHLEDG"


@contextmanager
def publishing() -> Iterator[None]:
    """One publisher at a time: whoever reads the ledger to decide what to publish holds
    this until what it published is recorded, so two publications can never each miss the
    other. PostgreSQL: a transaction-scoped advisory lock; SQLite (one machine): a file lock
    beside the database, so other writers are not held up meanwhile. Re-entrant; take it
    before any database transaction that writes, or SQLite's writer lock and this one could
    wait for each other."""
    if _HOLDING.get():
        yield
        return
    token = _HOLDING.set(True)
    try:
        with _lock():
            yield
    finally:
        _HOLDING.reset(token)


_HOLDING: ContextVar[bool] = ContextVar("kith_disclosure_publishing", default=False)


@contextmanager
def _lock() -> Iterator[None]:
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_ID])
            yield
        return
    path = Path(settings.DATA_DIR) / "disclosure.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def record(*, source: str, batch: str, keys: Iterable[str], now: dt.datetime) -> None:
    """Add published cells to the ledger (a key already there keeps its first date)."""
    if source not in _SOURCES:
        raise ValueError(f"unknown disclosure source {source!r}; register it first")
    rows = [DisclosedCell(source=source, batch=batch, key=key, published_at=now) for key in keys]
    with transaction.atomic():
        DisclosedCell.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)


@dataclass(frozen=True, slots=True)
class Prior:
    """What the window's publications tell apart: every person they describe (sorted,
    unique) with their signature (the sum of their cells' tags), and every published
    population's hash."""

    persons: IntArray
    signatures: UIntArray
    populations: UIntArray


def prior_signatures(*, now: dt.datetime, sources: Collection[str] | None = None) -> Prior:
    """Everything published within the window, resolved to people by its sources (only
    `sources`, when given: the ones whose cells measure the same quantities — see decision
    0009 — a sum of survey answers and a sum of network ties never combine into anything)."""
    rows = DisclosedCell.objects.filter(published_at__gte=window_start(now), published_at__lte=now)
    if sources is not None:
        rows = rows.filter(source__in=list(sources))
    by_source: dict[str, list[Recorded]] = defaultdict(list)
    found = list(rows.values_list("pk", "source", "batch", "key"))
    tags = mix64(np.array([pk for pk, *_ in found], dtype=np.int64)).tolist()
    for (_, source, batch, key), tag in zip(found, tags, strict=True):
        by_source[source].append(Recorded(batch=batch, key=key, tag=int(tag)))
    persons: list[IntArray] = []
    sums: list[UIntArray] = []
    populations: list[UIntArray] = []
    for source, recorded in sorted(by_source.items()):
        if source not in _SOURCES:
            raise ValueError(f"the ledger holds cells of {source!r}, which no app registers")
        who, tag_sum, population = _SOURCES[source](recorded)
        persons.append(np.asarray(who, dtype=np.int64))
        sums.append(np.asarray(tag_sum, dtype=np.uint64))
        populations.append(np.asarray(population, dtype=np.uint64))
    if not persons:
        empty = np.zeros(0, dtype=np.uint64)
        return Prior(np.zeros(0, dtype=np.int64), empty, empty)
    unique, inverse = np.unique(np.concatenate(persons), return_inverse=True)
    total = tag_sums(inverse.reshape(-1), np.concatenate(sums), unique.size)
    return Prior(unique, total, np.unique(np.concatenate(populations)))
