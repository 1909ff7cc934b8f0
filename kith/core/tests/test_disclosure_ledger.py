"""The disclosure ledger: stable keys, people resolved by their source, the look-back window,
and the engine's classes from what was recorded."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.utils import timezone

from kith.core.disclosure import engine, ledger
from kith.core.models import DisclosedCell

POPULATIONS = {"alpha": [1, 2, 3, 4, 5, 6], "department": [1, 2, 3, 4, 5, 6, 7]}


def resolve(recorded):
    persons, sums, populations = [], [], []
    for row in recorded:
        people = np.array(POPULATIONS[row.key], dtype=np.int64)
        persons += people.tolist()
        sums += [row.tag] * people.size
        populations.append(int(engine.person_tag(people).sum(dtype=np.uint64)))
    return (
        np.array(persons, dtype=np.int64),
        np.array(sums, dtype=np.uint64),
        np.array(populations, dtype=np.uint64),
    )


@pytest.fixture
def source():
    ledger.register_source("test", resolve)
    yield "test"
    ledger._SOURCES.pop("test", None)


def classes(prior):
    persons = prior.persons
    klass, _ = engine.classes_of(prior.signatures)
    return {tuple(int(p) for p in persons[klass == c]) for c in np.unique(klass)}


@pytest.mark.django_db
def test_recorded_cells_cut_people_into_classes(source) -> None:
    now = timezone.now()
    ledger.record(source=source, batch="x", keys=["department"], now=now)
    ledger.record(source=source, batch="y", keys=["alpha"], now=now)
    prior = ledger.prior_signatures(now=now)
    assert prior.persons.tolist() == [1, 2, 3, 4, 5, 6, 7]
    # Person 7 is alone in "department only": anything that splits them off is refused.
    assert classes(prior) == {(1, 2, 3, 4, 5, 6), (7,)}
    assert prior.populations.size == 2


@pytest.mark.django_db
def test_recording_twice_keeps_one_row_and_its_first_date(source) -> None:
    first = timezone.now() - dt.timedelta(days=3)
    ledger.record(source=source, batch="x", keys=["alpha"], now=first)
    ledger.record(source=source, batch="x", keys=["alpha"], now=timezone.now())
    assert list(DisclosedCell.objects.values_list("published_at", flat=True)) == [first]


@pytest.mark.django_db
def test_the_window_forgets_old_publications(source, settings) -> None:
    settings.KITH_DISCLOSURE_WINDOW_MONTHS = 24
    now = timezone.now()
    ledger.record(source=source, batch="old", keys=["alpha"], now=now - dt.timedelta(days=800))
    ledger.record(source=source, batch="new", keys=["department"], now=now)
    assert classes(ledger.prior_signatures(now=now)) == {(1, 2, 3, 4, 5, 6, 7)}
    settings.KITH_DISCLOSURE_WINDOW_MONTHS = 36
    assert classes(ledger.prior_signatures(now=now)) == {(1, 2, 3, 4, 5, 6), (7,)}


@pytest.mark.django_db
def test_an_unregistered_source_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown disclosure source"):
        ledger.record(source="nobody", batch="x", keys=["a"], now=timezone.now())
    DisclosedCell.objects.create(source="gone", batch="x", key="a", published_at=timezone.now())
    with pytest.raises(ValueError, match="which no app registers"):
        ledger.prior_signatures(now=timezone.now())


def test_engine_refuses_a_cell_that_splits_an_earlier_class() -> None:
    # Atoms: Alpha's six (class 1, from the ledger) and Beta's five (class 2).
    layer = engine.Layer(
        cell_ids=np.array([[0], [-1]]),  # candidate cell 0 holds Alpha only
        weights=np.array([[6], [5]]),
        klass=np.array([1, 2]),
        class_weight=np.array([[0], [6], [5]]),
    )
    assert engine.add_while_safe([layer], np.array([0]), 5, 1).tolist() == [0]
    merged = engine.Layer(  # the same people, but the ledger had them in one class
        cell_ids=np.array([[0], [-1]]),
        weights=np.array([[6], [1]]),
        klass=np.array([1, 1]),
        class_weight=np.array([[0], [7]]),
    )
    assert engine.add_while_safe([merged], np.array([0]), 5, 1).tolist() == []


def test_prune_withholds_the_most_specific_cell_first() -> None:
    # Cells: 0 organisation, 1 team A, 2 team B. One atom per team.
    cell_ids = np.array([[0, 1], [0, 2]])
    weights = np.array([[5, 1], [6, 0]])  # column 2: A's one skip
    published = np.ones(3, dtype=np.bool_)
    rank = np.array([1, 3, 2])  # A is the most specific
    kept = engine.prune_until_safe(cell_ids, weights, published, rank, 5)
    # A goes first; the organisation still holds A's one skip, so it goes too; B has none.
    assert kept.tolist() == [False, False, True]
    weights[0, 1] = 5  # five skips in A: a group of k, nothing to withhold
    assert engine.prune_until_safe(cell_ids, weights, published, rank, 5).all()
