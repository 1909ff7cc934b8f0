"""The organisation as insights sees it at one moment: the unit tree (index 0 is the whole
organisation, above every top-level unit) and the people who take part (active, not opted
out), each in their own unit. Plain numpy once read; the database is read here only."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from numpy.typing import NDArray

from kith.directory.models import OrgUnit, Person
from kith.insights.models import OptOut

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
ORG = 0  # the organisation's unit id and index


@dataclass(frozen=True)
class Org:
    unit_ids: IntArray  # (U,) org unit id per index; 0 for the organisation
    parent: IntArray  # (U,) parent index, -1 for the organisation
    names: list[str]  # (U,) names from the top level down, " / " between
    depth: IntArray  # (U,) 0 for the organisation
    person_ids: IntArray  # (n,) sorted
    unit: IntArray  # (n,) own unit index per person
    manager: IntArray  # (n,) person index of the manager, -1 if none or not taking part
    # Own unit index of every active person, those who opted out included: head counts are
    # public (the directory), so published figures must not tell who is not taking part.
    everyone_unit: IntArray

    @property
    def size(self) -> int:
        return int(self.unit_ids.size)

    def ancestors(self, units: IntArray) -> IntArray:
        """(len(units), max depth + 1): each unit and its ancestors, -1 padded."""
        return ancestors(self.parent, self.depth, units)

    def index_of_unit(self) -> dict[int, int]:
        return {int(u): i for i, u in enumerate(self.unit_ids.tolist())}


def ancestors(parent: IntArray, depth: IntArray, units: IntArray) -> IntArray:
    width = int(depth.max()) + 1 if depth.size else 1
    out = np.full((units.size, width), -1, dtype=np.int64)
    current = np.asarray(units, dtype=np.int64).copy()
    for column in range(width):
        out[:, column] = current
        alive = current >= 0
        current = np.where(alive, parent[np.where(alive, current, 0)], -1)
    return out


def organisation_now() -> Org:
    units = list(OrgUnit.objects.order_by("depth", "path").values_list("id", "parent_id", "name"))
    unit_ids = np.array([ORG] + [u for u, _, _ in units], dtype=np.int64)
    index = {int(u): i for i, u in enumerate(unit_ids.tolist())}
    parent = np.array([-1] + [index[p] if p else 0 for _, p, _ in units], dtype=np.int64)
    names = [settings.KITH_ORG_NAME]
    depth = np.zeros(len(unit_ids), dtype=np.int64)
    for i, (_, p, name) in enumerate(units, start=1):
        names.append(name if not p else f"{names[index[p]]} / {name}")
        depth[i] = depth[parent[i]] + 1
    opted_out = OptOut.objects.values_list("person_id", flat=True)
    people = (
        Person.objects.filter(is_active=True)
        .exclude(pk__in=opted_out)
        .order_by("pk")
        .values_list("pk", "org_unit_id", "manager_id")
    )
    rows = np.array([(p, u or 0, m or 0) for p, u, m in people], dtype=np.int64).reshape(-1, 3)
    person_ids = rows[:, 0]
    own = np.array([index.get(int(u), 0) for u in rows[:, 1].tolist()], dtype=np.int64)
    where = np.searchsorted(person_ids, rows[:, 2])
    found = (where < person_ids.size) & (
        person_ids[np.minimum(where, person_ids.size - 1)] == rows[:, 2]
    )
    manager = np.where(found & (rows[:, 2] > 0), where, -1).astype(np.int64)
    left = Person.objects.filter(is_active=True, pk__in=opted_out).values_list(
        "org_unit_id", flat=True
    )
    everyone = np.concatenate(
        [own, np.array([index.get(int(u or 0), 0) for u in left], dtype=np.int64)]
    )
    return Org(unit_ids, parent, names, depth, person_ids, own, manager, everyone)


def pack_members(org: Org) -> bytes:
    """What a computation keeps about who it described (for the disclosure ledger)."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, person=org.person_ids, unit=org.unit_ids[org.unit])
    return buffer.getvalue()


def unpack_members(blob: bytes) -> tuple[IntArray, IntArray]:
    with np.load(io.BytesIO(bytes(blob))) as data:
        return data["person"].astype(np.int64), data["unit"].astype(np.int64)


def tree_json(org: Org) -> dict[str, int]:
    return {
        str(int(u)): int(org.unit_ids[p]) if p >= 0 else -1
        for u, p in zip(org.unit_ids.tolist(), org.parent.tolist(), strict=True)
    }
