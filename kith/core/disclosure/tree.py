"""Publishing figures over the org-unit tree through the disclosure layer. Pure numpy.

An app that publishes one figure per org unit (the unit's whole subtree: Insights' relational
health, Touchpoints' 1:1 coverage) describes the organisation at one moment as an `OrgTree`:
the units (index 0 is the whole organisation, above every top-level unit) and the people a
figure counts, each in their own unit. This module decides, with the engine of decision 0007,

- which unit cells may be published against the classes that earlier publications of the
  same quantities cut the people into (`publishable_units`);
- which published cells may also show a count-based figure: every class of people holds 0 or
  >= k people of each category (`figure_cells`);
- who each recorded cell described, from the members and tree a publication kept
  (`pack_members`, `tree_json`; `cell_populations`, `resolve_batches` for a ledger source).

The database stays with the app: it reads the tree and the ledger and passes them in.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from kith.core.disclosure import engine as rule
from kith.core.disclosure.engine import BoolArray, IntArray, UIntArray

ORG = 0  # the organisation's unit id and index
ORG_KEY = "unit:org"


@dataclass(frozen=True)
class OrgTree:
    """The unit tree and the people counted, as arrays."""

    unit_ids: IntArray  # (U,) org unit id per index; 0 for the organisation
    parent: IntArray  # (U,) parent index, -1 for the organisation
    names: list[str]  # (U,) names from the top level down, " / " between
    depth: IntArray  # (U,) 0 for the organisation
    person_ids: IntArray  # (n,) sorted
    unit: IntArray  # (n,) own unit index per person

    @property
    def size(self) -> int:
        return int(self.unit_ids.size)

    def ancestors(self, units: IntArray) -> IntArray:
        """(len(units), max depth + 1): each unit and its ancestors, -1 padded."""
        return ancestors(self.parent, self.depth, units)

    def index_of_unit(self) -> dict[int, int]:
        return {int(u): i for i, u in enumerate(self.unit_ids.tolist())}


def unit_arrays(
    units: Iterable[tuple[int, int | None, str]], org_name: str
) -> tuple[IntArray, IntArray, list[str], IntArray]:
    """An OrgTree's unit arrays (ids, parent indices, names, depths) from (id, parent id or
    None, name) rows with every parent before its children (ordered by depth): index 0 is
    the organisation, named `org_name`."""
    rows = list(units)
    unit_ids = np.array([ORG] + [u for u, _, _ in rows], dtype=np.int64)
    index = {int(u): i for i, u in enumerate(unit_ids.tolist())}
    parent = np.array([-1] + [index[p] if p else 0 for _, p, _ in rows], dtype=np.int64)
    names = [org_name]
    depth = np.zeros(len(unit_ids), dtype=np.int64)
    for i, (_, p, name) in enumerate(rows, start=1):
        names.append(name if not p else f"{names[index[p]]} / {name}")
        depth[i] = depth[parent[i]] + 1
    return unit_ids, parent, names, depth


def ancestors(parent: IntArray, depth: IntArray, units: IntArray) -> IntArray:
    """(len(units), max depth + 1): each unit index and its ancestors' indices, -1 padded."""
    width = int(depth.max()) + 1 if depth.size else 1
    out = np.full((units.size, width), -1, dtype=np.int64)
    current = np.asarray(units, dtype=np.int64).copy()
    for column in range(width):
        out[:, column] = current
        alive = current >= 0
        current = np.where(alive, parent[np.where(alive, current, 0)], -1)
    return out


def depths(parent: IntArray) -> IntArray:
    """Each unit's depth (0 for the root) from its parent index (-1 for the root)."""
    depth = np.zeros(parent.size, dtype=np.int64)
    current = parent.copy()
    while (current >= 0).any():
        depth += current >= 0
        current = np.where(current >= 0, parent[np.maximum(current, 0)], -1)
    return depth


def people_per_unit(org: OrgTree) -> IntArray:
    """People counted in each unit's subtree."""
    anc = ancestors(org.parent, org.depth, org.unit)
    return np.bincount(anc[anc >= 0], minlength=org.size).astype(np.int64)


# --- what a publication keeps about who it described ----------------------------------------


def pack_members(org: OrgTree) -> bytes:
    """Person ids and their own unit ids (npz), for the ledger to resolve cells later."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, person=org.person_ids, unit=org.unit_ids[org.unit])
    return buffer.getvalue()


def unpack_members(blob: bytes | memoryview) -> tuple[IntArray, IntArray]:
    with np.load(io.BytesIO(bytes(blob))) as data:
        return data["person"].astype(np.int64), data["unit"].astype(np.int64)


def tree_json(org: OrgTree) -> dict[str, int]:
    """{unit id: parent unit id} (the organisation's parent is -1), as JSON keeps it."""
    return {
        str(int(u)): int(org.unit_ids[p]) if p >= 0 else -1
        for u, p in zip(org.unit_ids.tolist(), org.parent.tolist(), strict=True)
    }


def cell_key(unit_id: int) -> str:
    """The ledger key of a unit's cell: stable identity, never a position."""
    return ORG_KEY if unit_id == ORG else f"unit:{unit_id}"


def unit_of_key(key: str) -> int:
    raw = key.removeprefix("unit:")
    return ORG if raw == "org" else int(raw)


# --- which cells may be published --------------------------------------------------------------


class PriorLike(Protocol):
    """What earlier publications tell apart (kith.core.disclosure.ledger.Prior)."""

    @property
    def persons(self) -> IntArray: ...
    @property
    def signatures(self) -> UIntArray: ...
    @property
    def populations(self) -> UIntArray: ...


def prior_classes(org: OrgTree, prior: PriorLike) -> tuple[IntArray, IntArray, UIntArray]:
    """Per person counted, the class earlier publications put them in; each class's weight
    (people in it, counted now or not); the populations published before."""
    everyone = np.union1d(prior.persons, org.person_ids)
    hashes = np.zeros(everyone.size, dtype=np.uint64)
    hashes[np.searchsorted(everyone, prior.persons)] = prior.signatures
    klass, n_classes = rule.classes_of(hashes)
    weight = np.bincount(klass, minlength=n_classes).astype(np.int64)
    return klass[np.searchsorted(everyone, org.person_ids)], weight, prior.populations


def publishable_units(
    org: OrgTree, prior: PriorLike, k: int, *, head_counts: IntArray | None = None
) -> IntArray:
    """Unit indices whose subtree may be published, in the engine's priority order (the
    organisation first, then larger and higher units).

    `head_counts`: when the people counted are not everyone whose number per unit is known
    elsewhere (Insights leaves out who opted out; the directory shows every active person),
    the own unit index of each of those: a second layer, so a published head count set
    against the known one never singles out fewer than k who are not counted."""
    if org.person_ids.size == 0:
        return np.zeros(0, dtype=np.int64)
    klass, class_weight, known = prior_classes(org, prior)
    rows, inverse = np.unique(np.column_stack([klass, org.unit]), axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    count = np.bincount(inverse, minlength=rows.shape[0]).astype(np.int64)
    counted = rule.Layer(
        cell_ids=ancestors(org.parent, org.depth, rows[:, 1]),
        weights=count[:, None],
        klass=rows[:, 0].astype(np.int64),
        class_weight=class_weight[:, None],
        atom_tag=rule.tag_sums(inverse, rule.person_tag(org.person_ids), rows.shape[0]),
        known=known,
    )
    layers = [counted]
    if head_counts is not None:
        units, counts = np.unique(head_counts, return_counts=True)
        cells = ancestors(org.parent, org.depth, units)
        layers.append(rule.Layer.fresh(cells, counts.astype(np.int64)))
    people = people_per_unit(org)
    candidates = np.flatnonzero(people >= k)
    order = candidates[np.lexsort((candidates, -people[candidates], org.depth[candidates]))]
    return rule.add_while_safe(layers, order, k, org.size)


def figure_cells(
    org: OrgTree,
    category: IntArray,
    published: IntArray,
    k: int,
    *,
    among: BoolArray | None = None,
) -> set[int]:
    """Of the published units, those that may show a count-based figure: every class of
    people (cut by the published cells) holds 0 or >= k people of each category.

    `category`: a small whole number per person counted (0, 1, …). `among`: when the figure
    counts only some of them (people who have a manager), a mask of those; the others are
    in no category."""
    if published.size == 0:
        return set()
    unit, cat = org.unit, np.asarray(category, dtype=np.int64)
    if among is not None:
        unit, cat = unit[among], cat[among]
    if cat.size == 0:
        return set()  # nobody counted: no figure to show
    rows, inverse = np.unique(np.column_stack([unit, cat]), axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    width = int(cat.max()) + 1 if cat.size else 1
    weights = np.zeros((rows.shape[0], width), dtype=np.int64)
    np.add.at(weights, (inverse, cat), 1)
    mask = np.zeros(org.size, dtype=np.bool_)
    mask[published] = True
    cell_ids = ancestors(org.parent, org.depth, rows[:, 0])
    # The most specific cell first: deepest, then smallest (prune_until_safe wants ranks >= 0).
    people = people_per_unit(org)
    big = int(people.max()) + 1
    rank = org.depth * big + (big - people)
    kept = rule.prune_until_safe(cell_ids, weights, mask, rank, k)
    return set(np.flatnonzero(kept).tolist())


# --- who a recorded cell described ---------------------------------------------------------------


class RecordedLike(Protocol):
    """A ledger row as a source sees it (kith.core.disclosure.ledger.Recorded)."""

    @property
    def batch(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def tag(self) -> int: ...


Populations = tuple[IntArray, UIntArray, UIntArray]


def cell_populations(
    members: bytes | memoryview, tree: Mapping[str, int], rows: Sequence[RecordedLike]
) -> Populations:
    """For the cells one publication recorded (keys `cell_key(unit id)`): every member it
    kept, each member's signature (the sum of the tags of the recorded cells whose subtree
    holds them), and each recorded cell's population hash. Cells of units the publication's
    tree does not hold describe nobody. Sums run over the tree, level by level, not over
    each member's ancestors: the cost follows the people plus the units."""
    person, unit_id = unpack_members(members)
    parents = {int(u): int(p) for u, p in tree.items()}
    ids = np.array(sorted(parents), dtype=np.int64)
    index = {int(u): i for i, u in enumerate(ids.tolist())}
    parent = np.array([index.get(parents[int(u)], -1) for u in ids.tolist()], dtype=np.int64)
    where = np.minimum(np.searchsorted(ids, unit_id), max(ids.size - 1, 0))
    own = np.where(ids[where] == unit_id, where, index[ORG]).astype(np.int64)
    cells = np.array(
        [u for u in (index.get(unit_of_key(row.key)) for row in rows) if u is not None],
        dtype=np.int64,
    )
    tags = np.array([row.tag for row in rows if unit_of_key(row.key) in index], dtype=np.uint64)
    table = np.zeros(ids.size, dtype=np.uint64)
    np.add.at(table, cells, tags)
    levels = _levels(parent)
    signature = table.copy()  # of each unit: its cells' tags and its ancestors'
    for nodes in levels[1:]:
        signature[nodes] += signature[parent[nodes]]
    population = rule.tag_sums(own, rule.person_tag(person), ids.size)
    for nodes in reversed(levels[1:]):  # each subtree's people: its own, then its children's
        np.add.at(population, parent[nodes], population[nodes])
    return person, signature[own], population[np.unique(cells)]


def _levels(parent: IntArray) -> list[IntArray]:
    """Unit indices by depth, the roots first."""
    depth = depths(parent)
    return [np.flatnonzero(depth == d) for d in range(int(depth.max()) + 1 if depth.size else 0)]


# (publication id, its members blob, its tree) for the ids asked for.
Loader = Callable[[list[int]], Iterable[tuple[int, bytes | memoryview, Mapping[str, int]]]]


def resolve_batches(recorded: Sequence[RecordedLike], *, prefix: str, load: Loader) -> Populations:
    """A ledger population source for publications kept as members + tree, whose batches are
    `<prefix><publication id>`: `load` reads the publications (one at a time is enough),
    `cell_populations` resolves each one's cells. Publications that are gone describe nobody.
    Each person's tags are added up as the publications go, so memory follows the people,
    not the number of publications."""
    by_batch: dict[int, list[RecordedLike]] = defaultdict(list)
    for row in recorded:
        by_batch[int(row.batch.removeprefix(prefix))].append(row)
    persons = np.zeros(0, dtype=np.int64)
    sums = np.zeros(0, dtype=np.uint64)
    populations: list[UIntArray] = []
    for batch_id, members, tree in load(sorted(by_batch)):
        who, tag_sum, population = cell_populations(members, tree, by_batch[batch_id])
        persons, sums = _add_tags(persons, sums, who, tag_sum)
        populations.append(population)
    found = np.concatenate(populations) if populations else np.zeros(0, dtype=np.uint64)
    return persons, sums, found


def _add_tags(
    persons: IntArray, sums: UIntArray, more: IntArray, tags: UIntArray
) -> tuple[IntArray, UIntArray]:
    """(sorted unique persons, their wrapping tag sums) plus (persons, tags), merged. Both
    are sorted: the same people (an organisation that did not change) add up at once, and
    otherwise a stable sort of the two runs is a linear merge."""
    tags = np.asarray(tags, dtype=np.uint64)
    if persons.size == more.size and np.array_equal(persons, more):
        return persons, sums + tags
    merged = np.sort(np.concatenate([persons, more]), kind="stable")
    if merged.size:
        merged = merged[np.concatenate([[True], merged[1:] != merged[:-1]])]
    total = np.zeros(merged.size, dtype=np.uint64)
    with np.errstate(over="ignore"):
        total[np.searchsorted(merged, persons)] += sums
        np.add.at(total, np.searchsorted(merged, more), tags)
    return merged, total
