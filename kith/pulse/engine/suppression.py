"""Which survey groups ("cells") may be published: Pulse's side of Kith's one disclosure
layer (kith/core/disclosure/engine.py holds the rule and its proof sketch).

A cell is (unit subtree, optionally one attribute value). Here a survey wave becomes the
engine's layers:

- **answers**: the respondents, each in the class that earlier publications (any campaign,
  any wave, any app, from the ledger) already put them in. Every class with a non-empty
  signature must hold 0 or >= k respondents, so no combination of this wave's cells with
  everything published before isolates fewer than k people's answers, even if their answers
  did not change between waves.
- **participation** (when the invitees are given): the invitees, so that respondent counts
  and response rates never tell whether fewer than k named people answered: every class
  holds 0 or >= k invitees.
- **items**: once the cells are chosen, an item's (or score's) figure is shown in a cell only
  if, over the classes of this wave's cells, the people who answered it and the respondents
  who skipped it are each 0 or >= k (`item_cells`).

`publishable_cells` adds candidate cells one at a time (whole units first, shallow before
deep, larger before smaller, then by cell id) and keeps each only if every layer stays safe.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from kith.core.disclosure import engine as rule
from kith.core.disclosure.engine import BoolArray, Layer, UIntArray
from kith.pulse.engine.results import (
    Cell,
    CellSpace,
    IntArray,
    Tree,
    as_people,
    attribute_sizes,
    count_by_cell_id,
)

MIN_K, MAX_K = rule.MIN_K, 10  # the range a campaign may choose for the minimum group size
DEFAULT_K = 5  # scores and counts
DEFAULT_COMMENT_K = 10  # free-text comments
check_k = rule.check_k


@dataclass(frozen=True, slots=True)
class Wave:
    """Who responded in one wave (person ids, never linked to answers), with the unit and
    attribute codes of the wave's own snapshot."""

    person: IntArray  # (n,) person ids, unique
    unit: IntArray  # (n,)
    attrs: IntArray  # (n, a); a negative code is in no filtered cell of that attribute


@dataclass(frozen=True, slots=True)
class Prior:
    """What earlier publications already tell apart, for this wave's respondents.

    klass: (n,) per respondent row, the class earlier cells put them in (0: in none).
    class_weight: (K,) how many people each class holds, respondents now or not.
    person_tag: (n,) per respondent row, their tag (rule.person_tag).
    known: the populations published before (sums of person tags)."""

    klass: IntArray
    class_weight: IntArray
    person_tag: UIntArray
    known: UIntArray


def prior_for(
    respondents: IntArray,
    persons: IntArray,
    hashes: UIntArray,
    known: UIntArray | None = None,
) -> Prior:
    """The Prior of `respondents` (person ids, one per response row) given every person's
    signature hash over earlier publications (`persons` unique, 0 = in no earlier cell) and
    the population hashes of those publications."""
    respondents = np.asarray(respondents, dtype=np.int64)
    persons = np.asarray(persons, dtype=np.int64)
    new = np.setdiff1d(respondents, persons)
    everyone = np.concatenate([persons, new])
    hashes = np.concatenate([np.asarray(hashes, dtype=np.uint64), np.zeros(new.size, np.uint64)])
    klass, n_classes = rule.classes_of(hashes)
    order = np.argsort(everyone, kind="stable")
    where = order[np.searchsorted(everyone, respondents, sorter=order)]
    weight = np.bincount(klass, minlength=n_classes).astype(np.int64)
    return Prior(
        klass=klass[where],
        class_weight=weight,
        person_tag=rule.person_tag(respondents),
        known=np.zeros(0, np.uint64) if known is None else np.asarray(known, dtype=np.uint64),
    )


def wave_signatures(
    tree: Tree, wave: Wave, cells: Iterable[Cell], tags: dict[Cell, int]
) -> tuple[IntArray, UIntArray, UIntArray]:
    """Per respondent of `wave`: the sum of the tags of `cells` (published for it) that
    contain them (the ledger sums these over every earlier publication); and per cell, in
    sorted order, its population hash (the sum of its respondents' person tags)."""
    unit, attrs = as_people(tree, wave.unit, wave.attrs)
    cells = sorted(set(cells))
    space = CellSpace(tree.size, attribute_sizes(attrs, cells))
    ids = space.ids(cells)
    table = np.zeros(space.total, dtype=np.uint64)
    table[ids] = np.array([tags[c] for c in cells], dtype=np.uint64)
    published = np.zeros(space.total, dtype=np.bool_)
    published[ids] = True
    slots = _slots(tree, space, unit, attrs)
    valid = slots >= 0
    keep = valid & published[np.where(valid, slots, 0)]
    person = np.broadcast_to(rule.person_tag(wave.person)[:, None], slots.shape)[keep]
    population = rule.tag_sums(slots[keep], person, space.total)
    return wave.person, rule.signature_hash(slots, published, table), population[ids]


def unique_rows(matrix: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """np.unique(matrix, axis=0, return_inverse=True, return_counts=True), through one
    int64 key per row (codes are >= -1): many times faster than sorting rows."""
    matrix = np.asarray(matrix, dtype=np.int64)
    if matrix.shape[0] == 0:
        return matrix, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    low = matrix.min(axis=0)
    dims = matrix.max(axis=0) - low + 1
    if float(np.prod(dims.astype(np.float64))) >= 2**62:
        rows, inverse, counts = np.unique(matrix, axis=0, return_inverse=True, return_counts=True)
        return rows, inverse.reshape(-1), counts
    key = np.ravel_multi_index(tuple((matrix - low).T), tuple(dims.tolist()))
    _, first, inverse, counts = np.unique(
        key, return_index=True, return_inverse=True, return_counts=True
    )
    return matrix[first], inverse.reshape(-1), counts


def _slots(tree: Tree, space: CellSpace, unit: IntArray, attrs: IntArray) -> IntArray:
    """Per row, the id of every cell containing it: one column per (depth, attribute or
    none), -1 where the unit has no ancestor at that depth or the attribute has no code."""
    if unit.size == 0:
        return np.zeros((0, 0), dtype=np.int64)
    anc = tree.ancestors_by_depth(unit)  # (n, L)
    slots = [anc]
    for j, size in enumerate(space.sizes):
        code = attrs[:, j : j + 1]
        ok = (anc >= 0) & (code >= 0)
        slots.append(np.where(ok, space.offsets[j] + anc * size + code, -1))
    return np.stack(slots, axis=2).reshape(unit.size, -1)


def _layer(
    tree: Tree, space: CellSpace, unit: IntArray, attrs: IntArray, prior: Prior | None
) -> Layer:
    """Atoms: the distinct (earlier class, unit, attributes) rows, weighted by their count."""
    klass = np.zeros(unit.size, dtype=np.int64) if prior is None else prior.klass
    if unit.size == 0:
        return Layer.fresh(np.zeros((0, 0), dtype=np.int64), np.zeros((0, 1), dtype=np.int64))
    rows, inverse, count = unique_rows(np.column_stack([klass, unit, attrs]))
    cell_ids = _slots(tree, space, rows[:, 1], rows[:, 2:])
    weights = count.astype(np.int64)[:, None]
    if prior is None:
        return Layer.fresh(cell_ids, weights)
    atom_tag = rule.tag_sums(inverse.reshape(-1), prior.person_tag, rows.shape[0])
    return Layer(
        cell_ids=cell_ids,
        weights=weights,
        klass=rows[:, 0].astype(np.int64),
        class_weight=prior.class_weight.astype(np.int64)[:, None],
        atom_tag=atom_tag,
        known=prior.known,
    )


def publishable_cells(
    tree: Tree,
    unit: IntArray,
    attrs: IntArray,
    k: int,
    *,
    candidates: Iterable[Cell] | None = None,
    invited: tuple[IntArray, IntArray] | None = None,
    prior: Prior | None = None,
) -> set[Cell]:
    """A subset of `candidates` (default: every cell with >= k respondents) that keeps every
    layer safe. `unit`/`attrs` are the respondents (one row per response); `invited` the
    invitees' (unit, attrs) for the participation layer; `prior` the respondents' classes
    from earlier publications (see the module docstring)."""
    check_k(k)
    unit, attrs = as_people(tree, unit, attrs)
    wanted = None if candidates is None else sorted(set(candidates))
    everyone = attrs if invited is None else np.vstack([attrs, invited[1]])
    space = CellSpace(tree.size, attribute_sizes(everyone, wanted or ()))
    counts = count_by_cell_id(space, tree, unit, attrs)
    ids = np.flatnonzero(counts > 0) if wanted is None else space.ids(wanted)
    ids = ids[counts[ids] >= k]
    if ids.size == 0 or unit.size == 0:
        return set()
    layers = [_layer(tree, space, unit, attrs, prior)]
    if invited is not None:
        layers.append(_layer(tree, space, *as_people(tree, *invited), None))
    order = ids[np.lexsort((ids, -counts[ids], space.depth_of(tree)[ids], space.filtered()[ids]))]
    return set(space.cells(rule.add_while_safe(layers, order, k, space.total)))


class ItemCells:
    """Which published cells may show one item's (or score's) figure, for many items of
    one wave: the atoms (distinct stored unit and attributes of the responses) and their
    cells are worked out once.

    Over the classes of this wave's published cells, the answers and the skips of every
    class must each be 0 or >= k; where they are not, the most specific cells are withheld
    for this item until they are (rule.prune_until_safe)."""

    def __init__(
        self, tree: Tree, unit: IntArray, attrs: IntArray, published: Iterable[Cell], k: int
    ) -> None:
        self.k = k
        self.published = sorted(set(published))
        unit, attrs = as_people(tree, unit, attrs)
        self.space = space = CellSpace(tree.size, attribute_sizes(attrs, self.published))
        rows, self.inverse, _ = unique_rows(np.column_stack([unit, attrs]))
        self.n_atoms = rows.shape[0]
        ids = space.ids(self.published)
        self.mask = np.zeros(space.total, dtype=np.bool_)
        self.mask[ids] = True
        counts = count_by_cell_id(space, tree, unit, attrs)
        # Specific first: filtered before whole units, deep before shallow, small before large.
        order = np.lexsort((ids, -counts[ids], space.depth_of(tree)[ids], space.filtered()[ids]))
        self.rank = np.zeros(space.total, dtype=np.int64)
        self.rank[ids[order]] = np.arange(1, ids.size + 1)
        self.cell_ids = _slots(tree, space, rows[:, 0], rows[:, 1:])
        # The classes of the whole published family, shared by every item's first check.
        tags = rule.mix64(np.arange(space.total, dtype=np.int64))
        hashes = rule.signature_hash(self.cell_ids, self.mask, tags)
        self.klass, self.n_classes = rule.classes_of(hashes)

    def cells(self, answered: BoolArray) -> set[Cell]:
        """`answered` (n,): whether each response answered the item."""
        answered = np.asarray(answered, dtype=np.bool_)
        if not self.published or answered.all():
            return set(self.published)
        weights = np.column_stack(
            [
                np.bincount(self.inverse[answered], minlength=self.n_atoms),
                np.bincount(self.inverse[~answered], minlength=self.n_atoms),
            ]
        ).astype(np.int64)
        total = np.column_stack(
            [
                np.bincount(self.klass, weights=weights[:, c], minlength=self.n_classes)
                for c in (0, 1)
            ]
        ).astype(np.int64)
        unsafe = np.asarray(((total > 0) & (total < self.k)).any(axis=1), dtype=np.bool_)
        if not unsafe[1:].any():  # class 0 (in no published cell) is exempt
            return set(self.published)
        kept = rule.prune_until_safe(self.cell_ids, weights, self.mask, self.rank, self.k)
        return set(self.space.cells(np.flatnonzero(kept)))


def item_cells(
    tree: Tree,
    unit: IntArray,
    attrs: IntArray,
    answered: BoolArray,
    published: Iterable[Cell],
    k: int,
) -> set[Cell]:
    """The published cells in which one item's figure may be shown (see ItemCells)."""
    return ItemCells(tree, unit, attrs, published, k).cells(answered)
