"""Which survey groups ("cells") may be published: privacy by construction.

Threat model. The attacker knows which people are in which unit and attribute value (HR
does), sees every published cell's respondent count and aggregates, and may combine any of
them linearly: parent minus children, one filter minus another, across attributes, across
waves. Nothing that concerns fewer than k people may be derivable.

The criterion ("signature classes"). An atom is (the unit a response sits in, its full
attribute tuple) with at least one respondent. Its signature is the set of published cells
that contain it; atoms with the same signature form a class. Any linear combination of
published cells is constant on each class (and zero on classes with an empty signature), so
the indicator of a set of people can be derived only if that set is a union of classes with
non-empty signatures. If every such class has >= k respondents, no combination of published
cells isolates fewer than k people. In particular every published cell has >= k respondents.

`publishable_cells` adds candidate cells one at a time (teams first) and keeps each only if
the criterion still holds. `stable_across_waves` then withholds cells whose
respondents changed by 1..k-1 people since the last wave the same cell was published in.
Withholding a cell only merges classes (each new class is a union of old ones with non-empty
signatures), so any subset of a safe family is safe: the second step keeps the guarantee.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from kith.pulse.engine.results import (
    Cell,
    CellSpace,
    FloatArray,
    IntArray,
    Tree,
    as_people,
    attribute_sizes,
    count_by_cell_id,
)

MIN_K, MAX_K = 3, 10  # the range a campaign may choose for the minimum group size
DEFAULT_K = 5  # scores and counts
DEFAULT_COMMENT_K = 10  # free-text comments


@dataclass(frozen=True, slots=True)
class Wave:
    """Who responded in one wave, from the invitations (person ids only: never linked to
    answers), with the unit and attribute codes of the wave's snapshot."""

    person: IntArray  # (n,) person ids, unique
    unit: IntArray  # (n,)
    attrs: IntArray  # (n, a); a negative code is in no filtered cell of that attribute


def check_k(k: int) -> None:
    """The floor is what protects people, so only it is enforced here: MAX_K bounds what a
    campaign may choose for scores, while comment thresholds may go higher."""
    if k < MIN_K:
        raise ValueError(f"minimum group size must be at least {MIN_K}; got {k}")


# --- one wave -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Atoms:
    """Non-empty atoms and, per atom, the id of every cell that contains it: one column per
    (depth, attribute or none) slot, -1 where the unit has no ancestor at that depth or the
    attribute has no code. A cell always sits in the same column, so a row restricted to the
    published cells is an exact, canonical signature."""

    count: FloatArray  # (A,) respondents per atom
    cell_ids: IntArray  # (A, C)


def _atoms(tree: Tree, space: CellSpace, unit: IntArray, attrs: IntArray) -> _Atoms:
    if unit.size == 0:
        return _Atoms(np.zeros(0), np.zeros((0, 0), dtype=np.int64))
    rows, count = np.unique(np.column_stack([unit, attrs]), axis=0, return_counts=True)
    a_unit, a_attrs = rows[:, 0], rows[:, 1:]
    anc = tree.ancestors_by_depth(a_unit)  # (A, L)
    slots = [anc]
    for j, size in enumerate(space.sizes):
        code = a_attrs[:, j : j + 1]
        ok = (anc >= 0) & (code >= 0)
        slots.append(np.where(ok, space.offsets[j] + anc * size + code, -1))
    cell_ids = np.stack(slots, axis=2).reshape(rows.shape[0], -1)
    return _Atoms(count.astype(np.float64), cell_ids)


def publishable_cells(
    tree: Tree,
    unit: IntArray,
    attrs: IntArray,
    k: int,
    *,
    candidates: Iterable[Cell] | None = None,
) -> set[Cell]:
    """A subset of `candidates` (default: every non-empty cell) under which every signature
    class with a non-empty signature has >= k respondents.

    `unit`/`attrs` are the respondents (one row per response). Additive and deterministic:
    cells are tried one at a time, whole units before filtered cells (units are what people
    look at first), shallow before deep, larger before smaller, then by cell id; a cell is
    kept only if publishing it leaves every class it splits with 0 or >= k respondents on
    each side. The family is safe after every step, so it is safe at the end, and a team is
    never given up for a filter slice.
    """
    check_k(k)
    unit, attrs = as_people(tree, unit, attrs)
    wanted = None if candidates is None else sorted(set(candidates))
    space = CellSpace(tree.size, attribute_sizes(attrs, wanted or ()))
    atoms = _atoms(tree, space, unit, attrs)
    counts = _cell_counts(space, atoms)
    ids = np.flatnonzero(counts > 0) if wanted is None else space.ids(wanted)
    ids = ids[counts[ids] >= k]
    if ids.size == 0 or atoms.count.size == 0:
        return set()
    depth = space.depth_of(tree)
    filtered = space.filtered()
    ids = ids[np.lexsort((ids, -counts[ids], depth[ids], filtered[ids]))]
    return set(space.cells(_add_while_safe(atoms, ids, k, space.total)))


def _add_while_safe(atoms: _Atoms, order: IntArray, k: int, total: int) -> IntArray:
    """The cells of `order` kept, in turn, by the split rule (see publishable_cells)."""
    valid = atoms.cell_ids >= 0
    atom_of = np.broadcast_to(np.arange(atoms.count.size)[:, None], atoms.cell_ids.shape)[valid]
    cell_of = atoms.cell_ids[valid]
    by_cell = np.argsort(cell_of, kind="stable")
    members_sorted = atom_of[by_cell]
    start = np.searchsorted(cell_of[by_cell], np.arange(total + 1))
    weight = atoms.count
    klass = np.zeros(weight.size, dtype=np.int64)  # class 0: the empty signature (exempt)
    size = np.zeros(weight.size + 1, dtype=np.float64)
    size[0] = weight.sum()
    next_class = 1
    kept: list[int] = []
    for cid in order.tolist():
        members = members_sorted[start[cid] : start[cid + 1]]
        cls = klass[members]
        if cls.size == 1 or (cls == cls[0]).all():
            touched = cls[:1]
            inside = np.array([weight[members].sum()])
        else:
            touched, inverse = np.unique(cls, return_inverse=True)
            inside = np.bincount(inverse, weights=weight[members], minlength=touched.size)
        outside = size[touched] - inside
        if (inside < k).any():
            continue
        if ((outside > 0) & (outside < k) & (touched != 0)).any():
            continue
        kept.append(cid)
        # Split classes keep their id for the part outside this cell; the inside of the
        # empty-signature class 0 always gets a new id, as it is no longer exempt.
        split = (outside > 0) | (touched == 0)
        if split.any():
            new_ids = np.full(touched.size, -1, dtype=np.int64)
            n_new = int(split.sum())
            new_ids[split] = np.arange(next_class, next_class + n_new)
            next_class += n_new
            mapping = dict(zip(touched.tolist(), new_ids.tolist(), strict=True))
            moved = np.array([mapping[c] for c in cls.tolist()], dtype=np.int64)
            move = moved >= 0
            klass[members[move]] = moved[move]
            size[new_ids[split]] = inside[split]
            size[touched[split]] -= inside[split]
        # A class wholly inside the cell keeps its id: its signature grew, its size did not.
    return np.array(kept, dtype=np.int64)


def _cell_counts(space: CellSpace, atoms: _Atoms) -> FloatArray:
    valid = atoms.cell_ids >= 0
    weights = np.broadcast_to(atoms.count[:, None], atoms.cell_ids.shape)[valid]
    sums = np.bincount(atoms.cell_ids[valid], weights=weights, minlength=space.total)
    return np.asarray(sums, dtype=np.float64)


# --- across waves ---------------------------------------------------------------------------


def stable_across_waves(
    tree: Tree,
    earlier: Sequence[tuple[Wave, set[Cell]]],
    current: Wave,
    published: set[Cell],
    k: int,
) -> set[Cell]:
    """`published` minus the cells open to a repeated-waves attack.

    `earlier` is the campaign's earlier waves, oldest first, each with the cells published for
    it (its respondents given in the current wave's unit and attribute codes). For each cell,
    the most recent earlier wave that published the same cell is compared with this one: when
    the people who responded in the cell differ by 1..k-1 (symmetric difference), the change
    between the two waves' results would describe those few people, so the cell is withheld
    now. Withholding only merges signature classes, so the result stays safe.
    """
    check_k(k)
    cells = sorted(published)
    if not cells or not earlier:
        return set(cells)
    waves = [current, *(w for w, _ in earlier)]
    people = [(w, *as_people(tree, w.unit, w.attrs)) for w in waves]
    for w, _, _ in people:
        if np.unique(w.person).size != w.person.size:
            raise ValueError("a wave lists the same person twice")
    every_cell = [*cells, *(c for _, shown in earlier for c in shown)]
    widths = {a.shape[1] for _, _, a in people}
    if len(widths) != 1:
        raise ValueError(f"waves disagree on the number of attributes: {sorted(widths)}")
    space = CellSpace(tree.size, attribute_sizes(np.vstack([a for _, _, a in people]), every_cell))
    ids = space.ids(cells)
    now = count_by_cell_id(space, tree, people[0][1], people[0][2])
    keep = np.ones(ids.size, dtype=np.bool_)
    compared = np.zeros(ids.size, dtype=np.bool_)
    for index in reversed(range(len(earlier))):
        shown = space.ids(sorted(earlier[index][1]))
        here = ~compared & np.isin(ids, shown)
        if not here.any():
            continue
        compared |= here
        _, unit, attrs = people[index + 1]
        before = count_by_cell_id(space, tree, unit, attrs)
        both = _in_both(space, tree, people[0], people[index + 1])
        changed = (now + before - 2 * both)[ids]
        keep &= ~(here & (changed >= 0.5) & (changed <= k - 0.5))
    return {cell for cell, kept in zip(cells, keep.tolist(), strict=True) if kept}


def _in_both(
    space: CellSpace,
    tree: Tree,
    a: tuple[Wave, IntArray, IntArray],
    b: tuple[Wave, IntArray, IntArray],
) -> FloatArray:
    """Per cell id: people who responded in both waves and were in the cell both times. A
    person is in (u, -1, -1) both times iff u is above the lowest common ancestor of their
    two units, and in (u, j, v) iff also their code for j was v both times."""
    _, ia, ib = np.intersect1d(a[0].person, b[0].person, assume_unique=True, return_indices=True)
    unit = tree.lca(a[1][ia], b[1][ib])
    attrs_a, attrs_b = a[2][ia], b[2][ib]
    attrs = np.where(attrs_a == attrs_b, attrs_a, -1)
    same_root = unit >= 0
    return count_by_cell_id(space, tree, unit[same_root], attrs[same_root])
