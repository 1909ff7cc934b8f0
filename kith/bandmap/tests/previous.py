"""The Band Map's previous near-me and city-count algorithm (until issue 15), kept only as the
reference the new one must agree with (test_same_answers.py).

It loaded every candidate in the circle's bounding box as a row, computed each person's
distance and sorted them all in Python; the city counts were one GROUP BY over everyone with
the hidden people subtracted afterwards. Copied from kith/bandmap/selectors.py at 4f06d37,
without the cache (a cold cache gives the same answer).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from django.db.models import Count, Sum

from kith.bandmap.engine import geo
from kith.bandmap.models import MapPreference
from kith.bandmap.selectors import (
    MAX_RADIUS_KM,
    MIN_CITY_COUNT,
    NEAR_PAGE_SIZE,
    NEAREST_CITIES,
    NO_CITY,
    NO_PERSON,
    City,
    NearCity,
    NearQuery,
    _candidates,
    map_people,
    shown_count,
)
from kith.core.permissions import Viewer, can_set_map_preference, can_view_map
from kith.directory.models import Person


def city_counts() -> list[City]:
    rows = (
        Person.objects.filter(is_active=True, latitude__isnull=False, longitude__isnull=False)
        .values("city", "country")
        .annotate(n=Count("id"), lat=Sum("latitude"), lon=Sum("longitude"))
        .order_by()
    )
    sums = {(r["city"], r["country"]): (r["n"], r["lat"], r["lon"]) for r in rows}
    hidden = Person.objects.filter(
        is_active=True,
        latitude__isnull=False,
        longitude__isnull=False,
        pk__in=MapPreference.objects.filter(hidden=True).values("person_id"),
    ).order_by()
    for city, country, lat, lon in hidden.values_list("city", "country", "latitude", "longitude"):
        n, lat_sum, lon_sum = sums.get((city, country), (0, 0.0, 0.0))
        sums[(city, country)] = (n - 1, lat_sum - float(lat or 0), lon_sum - float(lon or 0))
    return [
        City(city or "Unnamed place", country, lat_sum / n, lon_sum / n, n)
        for (city, country), (n, lat_sum, lon_sum) in sums.items()
        if n > 0
    ]


def cities_shown() -> list[City]:
    shown = [c for c in city_counts() if c.count >= MIN_CITY_COUNT]
    shown.sort(key=lambda c: (-c.count, c.name, c.country))
    return shown


@dataclass
class PreviousNearMe:
    problem: str = ""
    total: int = 0
    ranked: list[tuple[int, float]] | None = None  # (person id, distance km), every page
    cities: list[NearCity] | None = None
    nearest: list[NearCity] | None = None
    wider: bool = False


def near_me(viewer: Viewer, query: NearQuery) -> PreviousNearMe:
    result = PreviousNearMe()
    me = viewer.person
    if not can_set_map_preference(viewer) or not can_view_map(viewer) or me is None:
        result.problem = NO_PERSON
        return result
    if me.latitude is None or me.longitude is None:
        result.problem = NO_CITY
        return result
    rows = list(
        _candidates(map_people(viewer), me, query)
        .order_by()
        .values_list("id", "latitude", "longitude", "full_name", "city", "country")
    )
    lats = np.fromiter((r[1] for r in rows), dtype=np.float64, count=len(rows))
    lons = np.fromiter((r[2] for r in rows), dtype=np.float64, count=len(rows))
    found = geo.within_radius(me.latitude, me.longitude, lats, lons, query.radius_km)
    ranked = sorted(
        (float(d), rows[i][3], rows[i][0], int(i))
        for i, d in zip(found.indices, found.distances_km, strict=True)
    )
    result.total = len(ranked)
    result.ranked = [(r[2], r[0]) for r in ranked]
    result.cities = _near_cities(rows, ranked)
    result.nearest = []
    if result.total == 0 and not query.filtered:
        result.nearest = _nearest_cities(me, beyond_km=query.radius_km)
        result.wider = query.radius_km < MAX_RADIUS_KM and _anyone_within(
            map_people(viewer), me, MAX_RADIUS_KM
        )
    return result


def _nearest_cities(me: Person, *, beyond_km: float) -> list[NearCity]:
    assert me.latitude is not None and me.longitude is not None
    cities = [c for c in city_counts() if c.count >= MIN_CITY_COUNT]
    found = geo.nearest_beyond(
        me.latitude,
        me.longitude,
        np.array([c.latitude for c in cities], dtype=np.float64),
        np.array([c.longitude for c in cities], dtype=np.float64),
        beyond_km=beyond_km,
        limit=NEAREST_CITIES,
    )
    return [
        NearCity(cities[i].name, cities[i].country, cities[i].count, float(d))
        for i, d in zip(found.indices, found.distances_km, strict=True)
    ]


def _anyone_within(people, me: Person, radius_km: int) -> bool:
    rows = list(
        _candidates(people, me, NearQuery(radius_km=radius_km))
        .order_by()
        .values_list("latitude", "longitude")
    )
    if not rows:
        return False
    assert me.latitude is not None and me.longitude is not None
    lats = np.array([r[0] for r in rows], dtype=np.float64)
    lons = np.array([r[1] for r in rows], dtype=np.float64)
    return bool(len(geo.within_radius(me.latitude, me.longitude, lats, lons, radius_km).indices))


def _near_cities(rows: list[tuple], ranked: list[tuple[float, str, int, int]]) -> list[NearCity]:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    distance: dict[tuple[str, str], float] = {}
    for d, _name, _id, i in ranked:
        key = (rows[i][4], rows[i][5])
        counts[key] += 1
        distance.setdefault(key, d)
    cities = [
        NearCity(
            name=name or "Unnamed place",
            country=country,
            count=shown_count(count),
            distance_km=distance[(name, country)],
        )
        for (name, country), count in counts.items()
    ]
    cities.sort(key=lambda c: (c.distance_km, c.name))
    return cities


PAGE_SIZE = NEAR_PAGE_SIZE
