"""Which cells may be published: the signature-class rule, for any app. Pure numpy.

Threat model. The attacker knows who is in which population (HR does), sees every published
cell's counts and aggregates, and combines any of them linearly: parent minus children, one
filter minus another, one campaign minus another, one wave minus another (treating a person's
answers as if they did not change), one app's figures against another's. Nothing that
concerns fewer than k people may be derivable.

The criterion ("signature classes"). An *atom* is a set of people that no cell separates;
its *signature* is the set of published cells containing it; atoms with the same signature
form a *class*. Any linear combination of published cells is constant on each class and zero
on the class with an empty signature (class 0, exempt), so the support of any non-zero
combination is a union of classes with non-empty signatures. If every such class weighs 0 or
at least k in every weight column (respondents; invitees; answers to one item …), no
combination of published cells says anything about fewer than k people.

A *layer* is one way of counting people: its atoms, the weight of each atom per column, and
the classes that earlier publications already cut (from the ledger). `add_while_safe` tries
candidate cells one at a time, in priority order, and keeps a cell only if every layer stays
safe: the signature-class rule, relaxed only where linear algebra shows a small class cannot
be isolated (its docstring has the argument). The family is safe after every step, so it is
safe at the end. `prune_until_safe` trims a family with the plain rule: withholding a cell
only merges classes, so any subset of a family safe under the plain rule is safe too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

IntArray = NDArray[np.int64]
UIntArray = NDArray[np.uint64]
BoolArray = NDArray[np.bool_]

MIN_K = 3  # below this no threshold protects anyone


def check_k(k: int) -> None:
    if k < MIN_K:
        raise ValueError(f"minimum group size must be at least {MIN_K}; got {k}")


# --- hashing signatures ----------------------------------------------------------------------


def mix64(values: IntArray | UIntArray) -> UIntArray:
    """splitmix64 of each value: a fixed pseudo-random 64-bit tag per cell id. A signature is
    the (wrapping) sum of its cells' tags, so two different signatures collide with
    probability ~2^-64 per pair: never in practice, and a collision could only merge two
    classes' bookkeeping, which the tests compare against exact set arithmetic."""
    with np.errstate(over="ignore"):
        z = np.asarray(values, dtype=np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        out = z ^ (z >> np.uint64(31))
    out[out == 0] = 1  # 0 is reserved for the empty signature
    return out


def tag_sums(index: IntArray, tags: UIntArray, size: int) -> UIntArray:
    """Per bin of `index` (0..size-1), the wrapping 64-bit sum of its tags: four float
    bincounts of 16-bit slices (exact below 2^37 tags a bin), far faster than np.add.at."""
    tags = np.asarray(tags, dtype=np.uint64)
    total = np.zeros(size, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for shift in (0, 16, 32, 48):
            part = ((tags >> np.uint64(shift)) & np.uint64(0xFFFF)).astype(np.float64)
            sums = np.bincount(index, weights=part, minlength=size)
            total += np.asarray(sums, dtype=np.uint64) << np.uint64(shift)
    return total


def signature_hash(cell_ids: IntArray, published: BoolArray, tags: UIntArray) -> UIntArray:
    """Per atom, the sum of the tags of the published cells containing it (0: none).
    `cell_ids` is (A, S): the cells each atom lies in, -1 for none."""
    valid = cell_ids >= 0
    safe = np.where(valid, cell_ids, 0)
    keep = valid & published[safe]
    with np.errstate(over="ignore"):
        summed = np.where(keep, tags[safe], np.uint64(0)).sum(axis=1, dtype=np.uint64)
    return np.asarray(summed, dtype=np.uint64)


def classes_of(hashes: UIntArray) -> tuple[IntArray, int]:
    """Class ids 1..K-1 for the distinct non-zero hashes, 0 for hash 0; and K."""
    uniq, inverse = np.unique(hashes, return_inverse=True)
    inverse = inverse.astype(np.int64).reshape(-1)
    if uniq.size and uniq[0] == 0:
        return inverse, int(uniq.size)
    return inverse + 1, int(uniq.size) + 1


# --- layers ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Layer:
    """One way of counting the people that candidate cells describe.

    cell_ids: (A, S) the candidate cell ids each atom lies in (-1: none).
    weights: (A, w) non-negative whole weights per atom (e.g. respondents, invitees).
    klass: (A,) the class each atom starts in (0: exempt, in no published cell yet).
    class_weight: (K, w) the starting weight of each class, including people who are in no
        atom here (earlier publications' people who are not candidates now).
    """

    cell_ids: IntArray
    weights: IntArray
    klass: IntArray
    class_weight: IntArray
    # Optional: a tag per atom whose sums identify populations (the sum of its people's
    # person_tag), and the populations already published (sums of tags). A cell whose
    # population was published before adds nothing new and is always safe.
    atom_tag: UIntArray | None = None
    known: UIntArray | None = None

    @staticmethod
    def fresh(cell_ids: IntArray, weights: IntArray) -> Layer:
        """A layer with nothing published yet: every atom in the exempt class 0."""
        weights = np.asarray(weights, dtype=np.int64).reshape(cell_ids.shape[0], -1)
        return Layer(
            cell_ids=cell_ids,
            weights=weights,
            klass=np.zeros(cell_ids.shape[0], dtype=np.int64),
            class_weight=weights.sum(axis=0, keepdims=True),
        )


PERSON_SALT = np.uint64(0x5D588B656C078965)


def person_tag(persons: IntArray) -> UIntArray:
    """A pseudo-random tag per person (unrelated to cell tags): a population's hash is the
    sum of its people's tags."""
    return mix64(np.asarray(persons, dtype=np.int64).astype(np.uint64) ^ PERSON_SALT)


def _small(weight: IntArray, k: int) -> BoolArray:
    """Rows (classes or parts) with 1..k-1 weight in some column."""
    return np.asarray(((weight > 0) & (weight < k)).any(axis=-1))


class _LayerState:
    """A layer's classes as cells are added, with a cell → atoms index (CSR)."""

    def __init__(self, layer: Layer, total_cells: int, k: int) -> None:
        valid = layer.cell_ids >= 0
        rows = np.broadcast_to(np.arange(layer.cell_ids.shape[0])[:, None], layer.cell_ids.shape)
        atom_of = rows[valid]
        cell_of = layer.cell_ids[valid]
        by_cell = np.argsort(cell_of, kind="stable")
        self.k = k
        self.members = atom_of[by_cell]
        self.start = np.searchsorted(cell_of[by_cell], np.arange(total_cells + 1))
        self.weight = layer.weights
        self.klass = layer.klass.copy()
        n_classes = layer.class_weight.shape[0]
        capacity = n_classes + layer.cell_ids.shape[0] + 1
        self.size = np.zeros((capacity, layer.weights.shape[1]), dtype=np.int64)
        self.size[:n_classes] = layer.class_weight
        self.next_class = n_classes
        self.small_classes = int(_small(self.size[1:n_classes], k).sum())  # class 0 exempt
        n_atoms = layer.cell_ids.shape[0]
        self.atom_tag = (
            mix64(np.arange(n_atoms, dtype=np.int64) + (1 << 40))
            if layer.atom_tag is None
            else np.asarray(layer.atom_tag, dtype=np.uint64)
        )
        self.known: set[int] = set() if layer.known is None else set(layer.known.tolist())

    def population(self, members: IntArray) -> int:
        with np.errstate(over="ignore"):
            return int(self.atom_tag[members].sum(dtype=np.uint64))

    def split(self, cid: int) -> _Split | None:
        """What adding this cell would do to the classes; None when it could let a
        combination live on fewer than k people (see add_while_safe)."""
        k = self.k
        members = self.members[self.start[cid] : self.start[cid + 1]]
        if members.size == 0:
            return None
        cls = self.klass[members]
        first = int(cls[0])
        if (cls == first).all():
            if self.weight.shape[1] == 1:
                return self._split_one_class(members, first)
            touched = cls[:1]
            inverse = np.zeros(cls.size, dtype=np.int64)
            inside = self.weight[members].sum(axis=0, keepdims=True)
        elif cls.size <= 48:  # a few atoms: plain Python beats numpy's fixed costs
            index: dict[int, int] = {}
            inverse_list = [index.setdefault(c, len(index)) for c in cls.tolist()]
            touched = np.fromiter(index, dtype=np.int64, count=len(index))
            inverse = np.array(inverse_list, dtype=np.int64)
            inside = np.zeros((touched.size, self.weight.shape[1]), dtype=np.int64)
            np.add.at(inside, inverse, self.weight[members])
        else:
            touched, inverse = np.unique(cls, return_inverse=True)
            inside = np.zeros((touched.size, self.weight.shape[1]), dtype=np.int64)
            np.add.at(inside, inverse, self.weight[members])
        size = self.size[touched]
        outside = size - inside
        exempt = touched == 0
        small_in = ((inside > 0) & (inside < k)).any(axis=1)
        small_out = ((outside > 0) & (outside < k)).any(axis=1) & ~exempt
        was_small = ((size > 0) & (size < k)).any(axis=1) & ~exempt
        delta = int(small_in.sum()) + int(small_out.sum()) - int(was_small.sum())
        found = _Split(members, touched, inverse, inside, delta)
        if self.small_classes + delta == 0:
            return found  # the plain signature-class rule
        if self.population(members) in self.known:
            return found  # published before: its row is in the span already
        # Otherwise this cell's own column e_C must lie in the span of the large classes'
        # columns (condition A in add_while_safe): a class cut into two large parts (their
        # difference is e_C), or a large part of people in no cell yet (their column is e_C).
        large_in = (inside > 0).any(axis=1) & ~small_in
        large_out = (outside > 0).any(axis=1) & ~small_out
        if (large_in & large_out & ~exempt).any() or (large_in & exempt).any():
            return found
        return None

    def _split_one_class(self, members: IntArray, klass: int) -> _Split | None:
        """split() for the common case (one weight column, every member in one class), in
        plain integers: the same rule, without array overhead."""
        k = self.k
        inside = int(self.weight[members, 0].sum())
        size = int(self.size[klass, 0])
        outside = size - inside
        exempt = klass == 0
        small_in = 0 < inside < k
        small_out = 0 < outside < k and not exempt
        was_small = 0 < size < k and not exempt
        delta = int(small_in) + int(small_out) - int(was_small)
        found = _Split(
            members,
            np.array([klass], dtype=np.int64),
            np.zeros(members.size, dtype=np.int64),
            np.array([[inside]], dtype=np.int64),
            delta,
        )
        if self.small_classes + delta == 0 or self.population(members) in self.known:
            return found
        large_in = inside > 0 and not small_in
        large_out = outside > 0 and not small_out
        if large_in and (exempt or large_out):
            return found
        return None

    def apply(self, found: _Split) -> None:
        members, touched, inverse, inside = (
            found.members,
            found.touched,
            found.inverse,
            found.inside,
        )
        self.known.add(self.population(members))
        self.small_classes += found.small_delta
        outside = self.size[touched] - inside
        # The part inside the cell gets a new class when the class is split, or when it was
        # the exempt class 0 (which is no longer exempt there). A class wholly inside keeps
        # its id: its signature grew, its weight did not.
        split = (outside > 0).any(axis=1) | (touched == 0)
        if not split.any():
            return
        new_ids = np.full(touched.size, -1, dtype=np.int64)
        n_new = int(split.sum())
        new_ids[split] = np.arange(self.next_class, self.next_class + n_new)
        self.next_class += n_new
        moved = new_ids[inverse]
        move = moved >= 0
        self.klass[members[move]] = moved[move]
        self.size[new_ids[split]] = inside[split]
        self.size[touched[split]] -= inside[split]


@dataclass(frozen=True, slots=True)
class _Split:
    members: IntArray  # the atoms in the cell
    touched: IntArray  # the classes they are in
    inverse: IntArray  # per member, its index in touched
    inside: IntArray  # (touched, w) weight inside the cell
    small_delta: int  # change in the number of small classes if the cell is added


def add_while_safe(layers: Sequence[Layer], order: IntArray, k: int, total_cells: int) -> IntArray:
    """The cells of `order` (candidate cell ids, in priority order) that are kept, in turn,
    when each keeps every layer safe.

    The guarantee: no non-zero linear combination of the published cells lives on fewer
    than k people (weight). Classes with 1..k-1 weight are "small", the others "large".
    With no small class this is the plain signature-class rule: a combination is constant
    on classes, so its support is a union of classes of >= k. Small classes appear when an
    earlier class is cut unevenly: people who answered one wave and not the next, inside a
    group whose other changes are large (the organisation's cell in a later wave).

    The invariant kept: every combination that is zero on all large classes lives on >= k
    people (or is zero). A cell C that leaves a small class is added only if (A) its own
    column e_C is in the span of the large classes' columns: a class cut into two large
    parts (their difference is e_C), or a large part of people in no cell yet (their column
    is e_C). Then a new combination v = y·M that is zero on the large classes has y_C =
    Σ b_j·v(L_j) = 0, so it is an old combination read on the finer classes. Either it was
    zero on every old large class — then it lived on >= k people before, and on the same
    people now — or it is non-zero on an old large class P none of whose parts is large
    now: all of P's >= k people are then in its support. A cell whose population was
    published before changes nothing and is always safe. So every step keeps the invariant
    and the family is safe at the end; the brute-force tests check the guarantee itself (no
    set under k carries a combination) on random organisations."""
    check_k(k)
    states = [_LayerState(layer, total_cells, k) for layer in layers]
    kept: list[int] = []
    for cid in np.asarray(order, dtype=np.int64).tolist():
        found = []
        for state in states:
            split = state.split(cid)
            if split is None:
                break
            found.append(split)
        if len(found) != len(states):
            continue
        for state, split in zip(states, found, strict=True):
            state.apply(split)
        kept.append(cid)
    return np.array(kept, dtype=np.int64)


def prune_until_safe(
    cell_ids: IntArray, weights: IntArray, published: BoolArray, rank: IntArray, k: int
) -> BoolArray:
    """A subset of `published` (a mask over cell ids) under which every class with a
    non-empty signature weighs 0 or >= k in every column of `weights` (A, w).

    While some class is unsafe, the most specific published cell of each unsafe class (the
    highest `rank`: deepest, smallest) is withheld, which merges that class into a coarser
    one. Withholding only merges classes, so classes that were safe stay safe; the loop ends
    because every round withholds at least one cell."""
    check_k(k)
    published = published.copy()
    weights = np.asarray(weights, dtype=np.int64).reshape(cell_ids.shape[0], -1)
    tags = mix64(np.arange(published.size, dtype=np.int64))
    valid = cell_ids >= 0
    safe_ids = np.where(valid, cell_ids, 0)
    while True:
        klass, n_classes = classes_of(signature_hash(cell_ids, published, tags))
        total = np.zeros((n_classes, weights.shape[1]), dtype=np.int64)
        np.add.at(total, klass, weights)
        unsafe = np.asarray(((total > 0) & (total < k)).any(axis=1), dtype=np.bool_)
        unsafe[0] = False
        bad_atoms = unsafe[klass]
        if not bad_atoms.any():
            return published
        shown = valid[bad_atoms] & published[safe_ids[bad_atoms]]
        ranks = np.where(shown, rank[safe_ids[bad_atoms]], -1)
        pick = safe_ids[bad_atoms][np.arange(ranks.shape[0]), ranks.argmax(axis=1)]
        published[np.unique(pick)] = False
