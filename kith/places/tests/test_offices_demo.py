"""The offices demo: every demo office gets an address line and 3 to 6 amenities, the same
for the same seed, in one bulk update; offices that already have them are left alone."""

from __future__ import annotations

import datetime as dt

import pytest

from kith.directory.models import Office
from kith.places.demo import offices as demo
from kith.places.engine.offices import MAX_AMENITIES, MAX_AMENITY_LENGTH

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 6)


def make(name: str, city: str, **fields) -> Office:
    return Office.objects.create(
        name=name, city=city, country="PT", latitude=1.0, longitude=1.0,
        timezone="Europe/Lisbon", **fields,
    )  # fmt: skip


def test_offices_get_addresses_and_amenities(django_assert_max_num_queries):
    make("Lisbon office", "Lisbon")
    make("Elsewhere office", "Elsewhere")
    kept = make("Kept office", "Lisbon", address="Own street 1", amenities=["Own"])
    with django_assert_max_num_queries(3):
        line = demo.seed(today=TODAY, seed=1, demo_emails=[])
    assert line == "3 offices with addresses and amenities"
    lisbon = Office.objects.get(name="Lisbon office")
    assert lisbon.address == demo.ADDRESSES["Lisbon"]
    assert Office.objects.get(name="Elsewhere office").address
    assert 3 <= len(lisbon.amenities) <= 6 <= MAX_AMENITIES
    assert all(len(a) <= MAX_AMENITY_LENGTH for a in demo.AMENITIES)
    kept.refresh_from_db()
    assert (kept.address, kept.amenities) == ("Own street 1", ["Own"])


def test_the_same_seed_gives_the_same_amenities():
    make("Lisbon office", "Lisbon")
    demo.seed(today=TODAY, seed=4, demo_emails=[])
    first = Office.objects.get().amenities
    Office.objects.update(amenities=[])
    demo.seed(today=TODAY, seed=4, demo_emails=[])
    assert Office.objects.get().amenities == first


def test_no_offices_no_line():
    assert demo.seed(today=TODAY, seed=1, demo_emails=[]) == ""
