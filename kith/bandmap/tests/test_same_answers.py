"""Near me and the city counts answer exactly as the previous algorithm did (tests/previous.py:
every candidate loaded and sorted in Python), now that the database groups people by city
centre and reads only the page shown: on a seeded organisation with the edge cases — people
exactly at the radius, the antimeridian, both poles, two cities at the same distance, names
that sort differently under a locale's collation, hidden, former and unplaced people,
filters, and the nearest colleagues beyond the largest radius."""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import pytest

from kith.bandmap import selectors
from kith.bandmap.engine import geo
from kith.bandmap.models import MapPreference
from kith.bandmap.tests import previous
from kith.core.permissions import viewer_for_user
from kith.directory.models import OrgUnit, Person, Tag
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory, login_for

# Names whose order differs between code points (Python's) and a locale's collation:
# capitals before small letters, accents after z, and the same name twice (then by id).
NAMES = ["Ana", "ana", "Álvaro", "Zoë", "zack", "Émile", "Ødegaard", "Ana", "bob", "Bob", "Ana"]


def km_between(lat0: float, lon0: float, lat: float, lon: float) -> float:
    return float(geo.haversine_km(lat0, lon0, np.array([lat]), np.array([lon]))[0])


def around_the_radius(lat0: float, lon0: float, km: float) -> tuple[float, float, float]:
    """Latitudes due north of (lat0, lon0) whose distance the engine computes as just under,
    exactly, and just over km (adjacent floats)."""
    low, high = lat0, lat0 + 2 * math.degrees(km / geo.EARTH_RADIUS_KM)
    for _ in range(200):
        middle = (low + high) / 2
        low, high = (middle, high) if km_between(lat0, lon0, middle, lon0) < km else (low, middle)
    lat = low
    for _ in range(100):
        lat = float(np.nextafter(lat, -math.inf))
    inside = exact = None
    for _ in range(300):
        d = km_between(lat0, lon0, lat, lon0)
        if d < km:
            inside = lat
        elif d == km:
            exact = lat
        elif exact is not None and inside is not None:
            return inside, exact, lat
        lat = float(np.nextafter(lat, math.inf))
    raise AssertionError(f"no latitude exactly {km} km north of {lat0}")


class Org:
    """Bulk-created people; `place` puts `n` of them at one city centre."""

    def __init__(self, rng: random.Random, units: list[OrgUnit], tags: list[Tag]) -> None:
        self.rng, self.units, self.tags = rng, units, tags
        self.people: list[Person] = []

    def place(self, city: str, country: str, lat: float, lon: float, n: int = 1) -> None:
        for _ in range(n):
            i = len(self.people)
            surname = self.rng.choice(["", "Silva", "silva"])
            self.people.append(
                Person(
                    employee_id=f"S{i:05d}",
                    full_name=f"{self.rng.choice(NAMES)} {surname}".strip(),
                    email=f"seeded{i}@example.com",
                    city=city,
                    country=country,
                    latitude=lat,
                    longitude=lon,
                    org_unit=self.rng.choice(self.units),
                    is_active=self.rng.random() > 0.05,
                )
            )

    def save(self) -> None:
        Person.objects.bulk_create(self.people, batch_size=500)
        through = Person.tags.through
        through.objects.bulk_create(
            [through(person_id=p.pk, tag_id=self.rng.choice(self.tags).pk) for p in self.people]
        )
        hidden = self.rng.sample(self.people, len(self.people) // 12)
        MapPreference.objects.bulk_create([MapPreference(person=p, hidden=True) for p in hidden])
        shown = self.rng.sample(self.people, len(self.people) // 20)  # a row saying "shown"
        MapPreference.objects.bulk_create(
            [MapPreference(person=p, hidden=False) for p in shown if p not in hidden]
        )


VIEWERS = {
    # name: (city, country, lat, lon)
    "equator": ("Equatoria", "GA", 0.0, 10.0),
    "dateline": ("Suva", "FJ", -17.7, 179.95),
    "north": ("Polar Station", "NO", 89.7, 20.0),
    "south": ("Amundsen", "AQ", -89.9, 0.0),
    "lisbon": ("Lisbon", "PT", 38.72509, -9.1498),
    "meridian": ("Greenwich Row", "GB", 40.0, 0.0),
    "reykjavik": ("Reykjavik", "IS", 64.1466, -21.9426),
    "azores": ("Ponta Delgada", "PT", 37.7412, -25.6756),
}


def seed_organisation() -> dict[str, Any]:
    rng = random.Random(15)
    department = OrgUnitFactory(name="Engineering", kind="department")
    units = [department, *(OrgUnitFactory(name=f"Squad {i}", parent=department) for i in range(3))]
    units.append(OrgUnitFactory(name="Sales", kind="department"))
    tags = [
        Tag.objects.create(kind=Tag.Kind.INTEREST, name=name, slug=name.lower())
        for name in ("Jazz", "Chess", "Running")
    ]
    org = Org(rng, units, tags)
    # People exactly at 10, 50 and 200 km (the engine's own arithmetic), and one step inside
    # and outside each.
    for km in (10, 50, 200):
        inside, exact, outside = around_the_radius(0.0, 10.0, km)
        org.place(f"Exactly {km}", "GA", exact, 10.0, 3)
        org.place(f"Inside {km}", "GA", inside, 10.0, 2)
        org.place(f"Outside {km}", "GA", outside, 10.0, 2)
    org.place("Equatoria", "GA", 0.0, 10.0, 30)
    # Across the antimeridian: east and west of 180°.
    org.place("Suva", "FJ", -17.7, 179.95, 12)
    org.place("Taveuni", "FJ", -16.8, -179.9, 4)
    org.place("Levuka", "FJ", -17.68, 179.83, 3)
    org.place("Rabi", "FJ", -16.5, -179.97, 2)
    org.place("Lau", "FJ", -18.2, -178.5, 5)
    # Around both poles: every longitude is near.
    org.place("Polar Station", "NO", 89.7, 20.0, 6)
    org.place("Across the pole", "CA", 89.8, -160.0, 4)
    org.place("Ice Camp", "RU", 89.2, 100.0, 3)
    org.place("Svalbard", "NO", 78.22, 15.65, 5)
    org.place("Amundsen", "AQ", -89.9, 0.0, 4)
    org.place("Far side", "AQ", -89.5, 179.0, 3)
    org.place("Plateau", "AQ", -85.0, 90.0, 3)
    # Two cities at exactly the same distance (mirror images across the meridian), names
    # interleaving between them.
    org.place("Greenwich Row", "GB", 40.0, 0.0, 5)
    org.place("Westville", "ES", 40.0, -0.3, 9)
    org.place("Eastville", "ES", 40.0, 0.3, 9)
    org.place("Same Name", "ES", 40.1, 0.5, 2)
    org.place("Same Name", "FR", 40.3, 0.9, 3)
    org.place("", "ES", 40.2, -0.4, 3)  # a centre without a city name
    # A big city and its neighbours: many pages of near me.
    org.place("Lisbon", "PT", 38.72509, -9.1498, 70)
    org.place("Sintra", "PT", 38.80097, -9.37826, 26)
    org.place("Coimbra", "PT", 40.20564, -8.41955, 4)
    org.place("Porto", "PT", 41.14961, -8.61099, 2)
    org.place("Madrid", "ES", 40.4165, -3.70256, 3)
    org.place("Dublin", "IE", 53.3498, -6.26031, 4)
    # Iceland: nobody within 50 km of Reykjavik but someone within 500 (Akureyri).
    org.place("Akureyri", "IS", 65.6835, -18.0878, 2)
    # Random towns, each a centre shared by its people.
    for t in range(40):
        lat, lon = rng.uniform(-60, 70), rng.uniform(-180, 180)
        org.place(f"Town {t}", "XX", lat, lon, rng.randint(1, 12))
    org.save()
    Person.objects.bulk_create(
        [Person(employee_id="U1", email="u1@example.com", full_name="Nowhere")]
    )
    viewers = {}
    for key, (city, country, lat, lon) in VIEWERS.items():
        viewers[key] = PersonFactory(
            full_name=f"Viewer {key}", city=city, country=country, latitude=lat, longitude=lon
        )
    return viewers


def every_page(viewer, query) -> tuple[selectors.NearMe, list[tuple[int, float]]]:
    first = selectors.near_me_for_viewer(viewer, query, 1)
    ranked: list[tuple[int, float]] = []
    if first.page is not None:
        for number in range(1, first.page.paginator.num_pages + 1):
            page = selectors.near_me_for_viewer(viewer, query, number).page
            assert page is not None
            ranked += [(n.person.pk, n.distance_km) for n in page.object_list]
    return first, ranked


@pytest.mark.django_db
def test_near_me_and_the_city_counts_answer_as_the_previous_algorithm():
    viewers = seed_organisation()
    jazz = "Jazz"
    squad = OrgUnit.objects.get(name="Squad 1").pk
    engineering = OrgUnit.objects.get(name="Engineering").pk
    compared = 0
    for key, person in viewers.items():
        viewer = viewer_for_user(login_for(person))
        for radius in (10, 50, 200, 500):
            for filters in ({}, {"interest": jazz}, {"team": squad}, {"team": engineering}):
                query = selectors.NearQuery.build(radius_km=radius, **filters)
                new, ranked = every_page(viewer, query)
                old = previous.near_me(viewer, query)
                where = (key, radius, filters)
                assert new.problem == old.problem, where
                assert new.total == old.total == len(ranked), where
                assert ranked == old.ranked, where  # ids and exact distances, page by page
                assert new.cities == old.cities, where
                assert [(c.name, c.country, c.count) for c in new.nearest] == [
                    (c.name, c.country, c.count) for c in old.nearest or []
                ], where
                assert [round(c.distance_km, 6) for c in new.nearest] == [
                    round(c.distance_km, 6) for c in old.nearest or []
                ], where
                assert new.wider == old.wider, where
                compared += 1
    assert compared == len(VIEWERS) * 16

    # The edge cases really were exercised.
    equator = viewer_for_user(login_for(viewers["equator"]))
    at_50 = selectors.near_me_for_viewer(equator, selectors.NearQuery.build(radius_km=50))
    names = {c.name for c in at_50.cities}
    assert "Exactly 50" in names and "Inside 50" in names and "Outside 50" not in names
    fiji = selectors.near_me_for_viewer(
        viewer_for_user(login_for(viewers["dateline"])), selectors.NearQuery.build(radius_km=200)
    )
    assert {"Taveuni", "Levuka", "Rabi", "Lau"} <= {c.name for c in fiji.cities}
    north = selectors.near_me_for_viewer(
        viewer_for_user(login_for(viewers["north"])), selectors.NearQuery.build(radius_km=200)
    )
    assert {"Across the pole", "Ice Camp"} <= {c.name for c in north.cities}
    south = selectors.near_me_for_viewer(
        viewer_for_user(login_for(viewers["south"])), selectors.NearQuery.build(radius_km=100)
    )
    assert "Far side" in {c.name for c in south.cities}
    mirror = selectors.near_me_for_viewer(
        viewer_for_user(login_for(viewers["meridian"])), selectors.NearQuery.build(radius_km=50)
    )
    west, east = (next(c for c in mirror.cities if c.name == n) for n in ("Westville", "Eastville"))
    assert west.distance_km == east.distance_km
    iceland = selectors.near_me_for_viewer(
        viewer_for_user(login_for(viewers["reykjavik"])), selectors.NearQuery()
    )
    assert iceland.total == 0 and iceland.wider and iceland.nearest
    azores = selectors.near_me_for_viewer(
        viewer_for_user(login_for(viewers["azores"])), selectors.NearQuery.build(radius_km=500)
    )
    assert azores.total == 0 and not azores.wider
    assert len(azores.nearest) == selectors.NEAREST_CITIES
    assert all(c.distance_km > 500 and (c.count or 0) >= 3 for c in azores.nearest)


@pytest.mark.django_db
def test_the_city_table_and_hubs_answer_as_before():
    viewers = seed_organisation()
    viewer = viewer_for_user(login_for(viewers["lisbon"], hr=True))
    new = selectors.cities_for_viewer(viewer).cities
    old = previous.cities_shown()
    assert [(c.name, c.country, c.count) for c in new] == [
        (c.name, c.country, c.count) for c in old
    ]
    # Centres as they leave the server (5 decimals): the mean of the people shown there.
    assert [(round(c.latitude, 5), round(c.longitude, 5)) for c in new] == [
        (round(c.latitude, 5), round(c.longitude, 5)) for c in old
    ]
    assert all(c.count >= selectors.MIN_CITY_COUNT for c in new)
    hubs = selectors.hubs_for_viewer(viewer)
    assert hubs is not None
    big = [c for c in old if c.count >= selectors.hub_min_people()]
    assert {h.city.name for h in hubs} == {c.name for c in big}  # no offices: every big city
