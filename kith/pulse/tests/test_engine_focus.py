"""The focus-group engine (kith/pulse/engine/focus.py): the draw is uniform, never below k,
never outside the population, and independent of input order; the name check finds full
names whatever their case and accents. No database."""

from __future__ import annotations

from collections import Counter
from random import Random

from hypothesis import given, settings
from hypothesis import strategies as st

from kith.pulse.engine.focus import DrawRefused, draw, names_in


def test_draw_is_uniform_over_the_population():
    """Every person of ten is drawn about as often, with the real (system) random source:
    2,000 draws of 5 make each count Binomial(2000, 1/2), mean 1,000, sd 22; a band of
    ±150 (almost 7 sd) fails by chance less than once in 10^10 runs."""
    counts: Counter[int] = Counter()
    for _ in range(2000):
        drawn = draw(list(range(10)), 5, k=5)
        assert len(set(drawn)) == 5
        counts.update(drawn)
    assert set(counts) == set(range(10))
    assert all(850 <= n <= 1150 for n in counts.values()), counts


@settings(max_examples=200, deadline=None)
@given(
    people=st.sets(st.integers(min_value=1, max_value=10**9), max_size=40),
    size=st.integers(min_value=0, max_value=45),
    k=st.integers(min_value=3, max_value=10),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_draw_never_goes_below_k_nor_outside_the_population(people, size, k, seed):
    try:
        drawn = draw(list(people), size, k=k, rng=Random(seed))
    except DrawRefused as refused:
        assert len(people) < k or size < k or size > len(people)
        assert refused.field in {"cell", "size"}
        return
    assert k <= len(drawn) == size <= len(people)
    assert set(drawn) <= people and len(set(drawn)) == len(drawn)


def test_the_draw_does_not_depend_on_the_order_people_came_in():
    people = [7, 3, 9, 1, 5, 8]
    assert draw(people, 5, k=5, rng=Random(4)) == draw(sorted(people), 5, k=5, rng=Random(4))


def test_names_in_finds_full_names_whatever_their_case_and_accents():
    names = ["José Silva", "Ana", "Platform Person1"]
    assert names_in("jose SILVA said meetings run long", names) == ["José Silva"]
    assert names_in("Meetings run long, people said.", names) == []
    assert names_in("anathema", names) == []  # one-word names are not checked
    assert names_in("Platform Person10 agrees", names) == []  # whole words only
