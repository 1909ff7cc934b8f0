"""Publishing over the org-unit tree (kith.core.disclosure.tree), without a database: the
arrays, which cells are published, which may show a count-based figure, and who a recorded
cell described."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from kith.core.disclosure import engine, tree
from kith.core.disclosure.tree import OrgTree

# The organisation (0) > Engineering (10) > Platform (11), Data (12); Sales (20).
UNITS = [(10, None, "Engineering"), (20, None, "Sales"), (11, 10, "Platform"), (12, 10, "Data")]
# person id -> own unit id
PEOPLE = {1: 10} | {p: 11 for p in range(2, 8)} | {p: 12 for p in range(8, 12)}
PEOPLE |= {p: 20 for p in range(12, 18)}


@dataclass(frozen=True)
class Prior:
    persons: engine.IntArray
    signatures: engine.UIntArray
    populations: engine.UIntArray


NOTHING = Prior(
    np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.uint64)
)


def org(people: dict[int, int] = PEOPLE) -> OrgTree:
    unit_ids, parent, names, depth = tree.unit_arrays(UNITS, "Kith")
    index = {int(u): i for i, u in enumerate(unit_ids.tolist())}
    ids = np.array(sorted(people), dtype=np.int64)
    own = np.array([index[people[int(p)]] for p in ids.tolist()], dtype=np.int64)
    return OrgTree(unit_ids, parent, names, depth, ids, own)


def unit_ids(found: OrgTree, indices: Iterable[int]) -> set[int]:
    return {int(found.unit_ids[i]) for i in indices}


def test_the_arrays_name_units_from_the_top_and_know_their_ancestors() -> None:
    found = org()
    assert found.names == [
        "Kith",
        "Engineering",
        "Sales",
        "Engineering / Platform",
        "Engineering / Data",
    ]
    assert found.depth.tolist() == [0, 1, 1, 2, 2]
    assert tree.depths(found.parent).tolist() == [0, 1, 1, 2, 2]
    platform = found.index_of_unit()[11]
    assert found.ancestors(np.array([platform])).tolist() == [[3, 1, 0]]
    assert tree.people_per_unit(found).tolist() == [17, 11, 6, 6, 4]


def test_members_and_tree_survive_the_round_trip() -> None:
    found = org()
    person, unit = tree.unpack_members(memoryview(tree.pack_members(found)))
    assert dict(zip(person.tolist(), unit.tolist(), strict=True)) == PEOPLE
    assert tree.tree_json(found) == {"0": -1, "10": 0, "20": 0, "11": 10, "12": 10}
    assert [tree.unit_of_key(tree.cell_key(u)) for u in (0, 11)] == [0, 11]
    assert tree.cell_key(0) == "unit:org"


def test_a_difference_of_fewer_than_k_withholds_the_smaller_cell() -> None:
    found = org()
    published = tree.publishable_units(found, NOTHING, 5)
    # Data has 4 (< 5); Engineering minus Platform is 5: all of the others may be shown.
    assert unit_ids(found, published.tolist()) == {0, 10, 11, 20}
    smaller = org({p: u for p, u in PEOPLE.items() if p != 8})  # Engineering minus Platform: 4
    assert unit_ids(smaller, tree.publishable_units(smaller, NOTHING, 5).tolist()) == {0, 10, 20}


def test_a_figure_is_withheld_where_a_class_holds_one_person_who_did_not() -> None:
    found = org()
    published = tree.publishable_units(found, NOTHING, 5)
    did = np.ones(found.person_ids.size, dtype=np.int64)
    did[found.person_ids == 2] = 0  # one person of Platform did not
    shown = unit_ids(found, tree.figure_cells(found, did, published, 5))
    # Platform (5 did, 1 did not) goes; Engineering then holds 10 and 1: it goes too, and
    # so does the organisation (its people outside Sales are Engineering's).
    assert shown == {20}
    # Counted only among people 3..17, the one who did not is nobody the figure counts.
    among = found.person_ids != 2
    assert unit_ids(found, tree.figure_cells(found, did, published, 5, among=among)) == {
        0,
        10,
        11,
        20,
    }


def brute_classes(rows: dict[int, set[int]]) -> set[frozenset[int]]:
    signature: dict[int, frozenset[int]] = {}
    for cell, members in rows.items():
        for p in members:
            signature[p] = signature.get(p, frozenset()) | {cell}
    classes: dict[frozenset[int], set[int]] = {}
    for p, sig in signature.items():
        classes.setdefault(sig, set()).add(p)
    return {frozenset(c) for c in classes.values()}


@dataclass(frozen=True)
class Row:
    batch: str
    key: str
    tag: int


def test_recorded_cells_resolve_to_the_people_of_their_subtrees() -> None:
    rng = random.Random(3)
    publications = {}
    rows: list[Row] = []
    expected: dict[int, set[int]] = {}
    for pub in (1, 2):
        people = {p: rng.choice([10, 11, 12, 20]) for p in range(1, 25) if rng.random() < 0.8}
        found = org(people)
        publications[pub] = (tree.pack_members(found), tree.tree_json(found))
        for unit in (0, 10, 11, 20):
            tag = int(engine.mix64(np.array([len(rows) + 1]))[0])
            rows.append(Row(f"run:{pub}", tree.cell_key(unit), tag))
            below = {unit} | ({11, 12} if unit == 10 else set()) if unit else {10, 11, 12, 20}
            expected[len(rows)] = {p for p, u in people.items() if u in below}

    def load(ids: list[int]) -> list[tuple[int, bytes, dict[str, int]]]:
        return [(i, *publications[i]) for i in ids]

    persons, sums, populations = tree.resolve_batches(rows, prefix="run:", load=load)
    assert persons.tolist() == sorted(set(itertools.chain(*expected.values())))
    klass, _ = engine.classes_of(sums)
    classes = {frozenset(persons[klass == c].tolist()) for c in np.unique(klass)}
    assert classes == brute_classes(expected)
    hashes = {
        int(engine.person_tag(np.array(sorted(m))).sum(dtype=np.uint64)) for m in expected.values()
    }
    assert set(populations.tolist()) == hashes
