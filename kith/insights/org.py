"""The organisation as insights sees it at one moment: the unit tree (index 0 is the whole
organisation, above every top-level unit) and the people who take part (active, not opted
out), each in their own unit. Plain numpy once read; the database is read here only. The
arrays and what is published over them are the disclosure layer's (kith.core.disclosure.tree)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.conf import settings
from numpy.typing import NDArray

from kith.core.disclosure.tree import OrgTree, unit_arrays
from kith.directory.models import OrgUnit, Person
from kith.insights.models import OptOut

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Org(OrgTree):
    """The tree and the people taking part (OrgTree), with what insights adds."""

    manager: IntArray  # (n,) person index of the manager, -1 if none or not taking part
    # Own unit index of every active person, those who opted out included: head counts are
    # public (the directory), so published figures must not tell who is not taking part.
    everyone_unit: IntArray


def organisation_now() -> Org:
    units = OrgUnit.objects.order_by("depth", "path").values_list("id", "parent_id", "name")
    unit_ids, parent, names, depth = unit_arrays(units, settings.KITH_ORG_NAME)
    index = {int(u): i for i, u in enumerate(unit_ids.tolist())}
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
