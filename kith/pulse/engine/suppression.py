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

`publishable_cells` starts from the candidate cells with >= k respondents and withholds
more, greedily, until the criterion holds. `stable_across_waves` then withholds cells whose
respondents changed by 1..k-1 people since the last wave the same cell was published in.
Withholding a cell only merges classes (each new class is a union of old ones with non-empty
signatures), so any subset of a safe family is safe: the second step keeps the guarantee.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kith.pulse.engine.results import (
    BoolArray,
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
_SEED = 0x6B697468  # fixed: signature hashes (and so every result) are deterministic
_NEVER = np.iinfo(np.int64).max
_NO_MERGE = 1 << 40  # added to a pick's rank when withholding it merges nothing
_UNFILTERED = 1 << 41  # added for a whole-unit cell: filter slices go first

U64Array = NDArray[np.uint64]


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
    """The largest-we-can-find subset of `candidates` (default: every non-empty cell) under
    which every signature class with a non-empty signature has >= k respondents.

    `unit`/`attrs` are the respondents (one row per response). Greedy, deterministic: while
    some class is under k, withhold one cell for it, preferring

    1. a filtered cell (u, j, v) over a whole unit (u, -1, -1): units are what people look
       at first, so a filter slice goes before any team does;
    2. a cell whose removal merges the class into a neighbour class (signatures differing
       by exactly that cell: one of the class's own cells, or one its neighbour has more);
    3. the cell with the fewest respondents, then the deeper unit, then the lowest cell id.

    (1) ranks ahead of (2) on purpose: with merges first, a merge through a large unit cell
    often wins over a small filter slice, and at 100k people about 70% of the unit cells
    (the root included) ended up withheld; filtered first keeps about 90% of them.
    """
    check_k(k)
    unit, attrs = as_people(tree, unit, attrs)
    wanted = None if candidates is None else sorted(set(candidates))
    space = CellSpace(tree.size, attribute_sizes(attrs, wanted or ()))
    atoms = _atoms(tree, space, unit, attrs)
    counts = _cell_counts(space, atoms)
    published = np.zeros(space.total, dtype=np.bool_)
    ids = np.flatnonzero(counts > 0) if wanted is None else space.ids(wanted)
    published[ids[counts[ids] >= k]] = True
    if atoms.count.size:
        _Greedy(space, tree, atoms, counts, k).run(published)
    return set(space.cells(np.flatnonzero(published)))


def _cell_counts(space: CellSpace, atoms: _Atoms) -> FloatArray:
    valid = atoms.cell_ids >= 0
    weights = np.broadcast_to(atoms.count[:, None], atoms.cell_ids.shape)[valid]
    sums = np.bincount(atoms.cell_ids[valid], weights=weights, minlength=space.total)
    return np.asarray(sums, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class _Classes:
    of_atom: IntArray  # (A,) class index of each atom
    rep: IntArray  # (K,) smallest atom index in each class
    hash: U64Array  # (K,) first signature hash of each class (for neighbour look-ups)
    count: FloatArray  # (K,) respondents
    size: IntArray  # (K,) cells in the signature


class _Greedy:
    """Withholds cells until every non-empty-signature class has >= k respondents.

    Each round looks at every class under k (smallest first) and picks its cell against the
    state at the start of the round. A class is acted on in this round only when no earlier
    class's pick touches it (its signature, its pick, or it as a merge partner); the rest
    wait for the next round. That is close to one-at-a-time processing, in far fewer
    rounds. Every round withholds at least one cell, so it ends.
    """

    def __init__(
        self, space: CellSpace, tree: Tree, atoms: _Atoms, counts: FloatArray, k: int
    ) -> None:
        rng = np.random.default_rng(_SEED)
        self.tags = rng.integers(0, 2**64, size=(2, space.total), dtype=np.uint64, endpoint=False)
        self.ids = atoms.cell_ids
        self.valid = self.ids >= 0
        self.safe = np.where(self.valid, self.ids, 0)
        self.atom_count = atoms.count
        self.k = k
        # Pick order for a cell, best first: fewest respondents, filtered, deeper, lowest id.
        rank_keys = (np.arange(space.total), -space.depth_of(tree), ~space.filtered(), counts)
        self.filtered = space.filtered()
        self.cell_rank = np.empty(space.total, dtype=np.int64)
        self.cell_rank[np.lexsort(rank_keys)] = np.arange(space.total)

    def run(self, published: BoolArray) -> None:
        while True:
            pub = self.valid & published[self.safe]
            sig = np.where(pub, self.ids, -1)
            classes = self._classes(sig, pub)
            small = np.flatnonzero((classes.count < self.k) & (classes.size > 0))
            if small.size == 0:
                return
            published[self._picks(sig[classes.rep], classes, small)] = False

    def _classes(self, sig: IntArray, pub: BoolArray) -> _Classes:
        h1 = np.where(pub, self.tags[0][self.safe], 0).sum(axis=1, dtype=np.uint64)
        h2 = np.where(pub, self.tags[1][self.safe], 0).sum(axis=1, dtype=np.uint64)
        order = np.lexsort((h2, h1))  # stable: equal hashes keep atom order
        s1, s2 = h1[order], h2[order]
        start = np.ones(order.size, dtype=np.bool_)
        start[1:] = (s1[1:] != s1[:-1]) | (s2[1:] != s2[:-1])
        of_atom = np.empty(order.size, dtype=np.int64)
        of_atom[order] = np.cumsum(start) - 1
        rep = order[start]
        if not np.array_equal(sig, sig[rep[of_atom]]):  # a 128-bit hash collision: be exact
            _, rep, of_atom = np.unique(sig, axis=0, return_index=True, return_inverse=True)
            of_atom = of_atom.reshape(-1)
        count = np.asarray(
            np.bincount(of_atom, weights=self.atom_count, minlength=rep.size), dtype=np.float64
        )
        return _Classes(of_atom, rep, h1[rep], count, pub[rep].sum(axis=1))

    def _picks(self, rep_sig: IntArray, classes: _Classes, small: IntArray) -> IntArray:
        """The cells to withhold this round."""
        n_classes = classes.rep.size
        # Processing order of the small classes: fewest respondents, then first atom.
        small = small[np.lexsort((classes.rep[small], classes.count[small]))]
        position = np.full(n_classes, _NEVER, dtype=np.int64)
        position[small] = np.arange(small.size)
        # Every (class T, cell c in T's signature) and the class with signature T - {c}.
        t_idx, slot = np.nonzero(rep_sig >= 0)
        cell = rep_sig[t_idx, slot]
        lower = _lookup(classes.hash, classes.hash[t_idx] - self.tags[0][cell])
        to_empty = classes.size[t_idx] == 1  # removing c leaves T in no published cell
        # (a) a small T withholds c from its own signature: merges when T - {c} exists.
        a = position[t_idx] != _NEVER
        # (b) a small U = T - {c} withholds c (not in its signature): T merges into U.
        b = (lower >= 0) & (position[np.maximum(lower, 0)] != _NEVER)
        owner = np.concatenate([t_idx[a], lower[b]])
        picked = np.concatenate([cell[a], cell[b]])
        merges = np.concatenate([(lower[a] >= 0) | to_empty[a], np.ones(int(b.sum()), np.bool_)])
        partner = np.concatenate([np.where(to_empty[a], -1, lower[a]), t_idx[b]])
        # Best entry per small class: filtered cells first, then merging ones, then by cell
        # rank. (owner, cell) pairs are unique, so exactly one entry per class is the minimum.
        key = np.where(self.filtered[picked], 0, _UNFILTERED)
        key += np.where(merges, 0, _NO_MERGE) + self.cell_rank[picked]
        best = np.full(n_classes, _NEVER, dtype=np.int64)
        np.minimum.at(best, owner, key)
        choice = np.flatnonzero(key == best[owner])
        c_owner, c_cell, c_partner = owner[choice], picked[choice], partner[choice]
        c_pos = position[c_owner]
        # Whose state an earlier pick changes: its signature, its own pick, or its partner.
        cell_first = np.full(self.tags.shape[1], _NEVER, dtype=np.int64)
        np.minimum.at(cell_first, c_cell, c_pos)
        touched = np.full(n_classes, _NEVER, dtype=np.int64)
        has_partner = c_partner >= 0
        np.minimum.at(touched, c_partner[has_partner], c_pos[has_partner])
        sig_rows = rep_sig[c_owner]
        sig_first = np.where(sig_rows >= 0, cell_first[np.maximum(sig_rows, 0)], _NEVER)
        earlier = np.minimum(sig_first.min(axis=1, initial=_NEVER), touched[c_owner])
        earlier = np.minimum(earlier, cell_first[c_cell])
        accepted = earlier >= c_pos
        return np.asarray(c_cell[accepted], dtype=np.int64)


def _lookup(keys: U64Array, wanted: U64Array) -> IntArray:
    """Index of a class whose hash equals each wanted value, -1 when none.

    A bucketed table on the hash's top bits (the hashes are uniform): about four buckets per
    key, so most look-ups end in an empty bucket and the rest check one or two keys.
    """
    found = np.full(wanted.size, -1, dtype=np.int64)
    if keys.size == 0 or wanted.size == 0:
        return found
    bits = int(keys.size).bit_length() + 2
    shift = np.uint64(64 - bits)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    per_bucket = np.bincount((sorted_keys >> shift).astype(np.int64), minlength=1 << bits)
    start = np.zeros((1 << bits) + 1, dtype=np.int64)
    np.cumsum(per_bucket, out=start[1:])
    bucket = (wanted >> shift).astype(np.int64)
    at, end = start[bucket], start[bucket + 1]
    todo = np.flatnonzero(at < end)
    while todo.size:
        hit = sorted_keys[at[todo]] == wanted[todo]
        found[todo[hit]] = order[at[todo[hit]]]
        todo = todo[~hit]
        at[todo] += 1
        todo = todo[at[todo] < end[todo]]
    return found


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
