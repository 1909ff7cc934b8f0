"""The geo engine against brute force: a plain-Python haversine over every point."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kith.bandmap.engine import geo

LAT = st.floats(min_value=-89.9, max_value=89.9, allow_nan=False)
LON = st.floats(min_value=-180.0, max_value=180.0, allow_nan=False)
RADIUS = st.floats(min_value=10.0, max_value=500.0, allow_nan=False)


def brute_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The textbook haversine, one pair at a time with the math module."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = math.radians(lat2 - lat1), math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * geo.EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


def points_near(rng: np.random.Generator, lat: float, lon: float, n: int, spread: float):
    """Random points around (lat, lon), many of them near the radius under test."""
    lats = np.clip(lat + rng.normal(0, spread, n), -90, 90)
    lons = (lon + rng.normal(0, spread * 1.5, n) + 180.0) % 360.0 - 180.0
    return lats, lons


def test_known_distance_lisbon_to_porto():
    d = geo.haversine_km(38.72509, -9.1498, np.array([41.14961]), np.array([-8.61099]))[0]
    assert 272 < d < 276  # about 274 km between the two city centres


@settings(max_examples=60, deadline=None)
@given(lat=LAT, lon=LON, radius=RADIUS, seed=st.integers(0, 2**32 - 1))
def test_within_radius_finds_exactly_the_brute_force_set(lat, lon, radius, seed):
    rng = np.random.default_rng(seed)
    lats, lons = points_near(rng, lat, lon, 400, spread=radius / 111.0)
    found = geo.within_radius(lat, lon, lats, lons, radius)
    brute = [brute_km(lat, lon, a, b) for a, b in zip(lats, lons, strict=True)]
    # A point closer to the edge than floating-point noise could land on either side; the
    # data is random, so such a point is vanishingly rare, and is the only one let through.
    expected = {i for i, d in enumerate(brute) if d <= radius}
    ambiguous = {i for i, d in enumerate(brute) if abs(d - radius) < 1e-9}
    assert set(found.indices.tolist()) ^ expected <= ambiguous
    for i, d in zip(found.indices, found.distances_km, strict=True):
        assert d == pytest.approx(brute[i], rel=1e-12, abs=1e-9)
    assert list(found.distances_km) == sorted(found.distances_km)


@settings(max_examples=80, deadline=None)
@given(lat=LAT, lon=LON, radius=RADIUS, seed=st.integers(0, 2**32 - 1))
def test_bounding_box_never_drops_a_point_inside_the_circle(lat, lon, radius, seed):
    rng = np.random.default_rng(seed)
    lats, lons = points_near(rng, lat, lon, 400, spread=radius / 80.0)
    box = geo.bounding_box(lat, lon, radius)
    inside = geo.haversine_km(lat, lon, lats, lons) <= radius
    in_box = geo.box_contains(box, lats, lons)
    assert not np.any(inside & ~in_box)


def test_bounding_box_across_the_antimeridian_and_near_a_pole():
    fiji = geo.bounding_box(-17.7, 179.9, 100)
    assert len(fiji.lon_ranges) == 2
    lats, lons = np.array([-17.7, -17.7]), np.array([-179.8, 179.5])
    assert geo.box_contains(fiji, lats, lons).all()
    assert (geo.haversine_km(-17.7, 179.9, lats, lons) <= 100).all()
    north = geo.bounding_box(89.8, 10.0, 100)
    assert north.lon_ranges == ((-180.0, 180.0),)


def test_antipodal_points_are_half_the_circumference_not_nan():
    d = geo.haversine_km(10.0, 20.0, np.array([-10.0]), np.array([-160.0]))[0]
    assert d == pytest.approx(math.pi * geo.EARTH_RADIUS_KM)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), min_people=st.integers(3, 8))
def test_hubs_match_brute_force(seed, min_people):
    rng = np.random.default_rng(seed)
    city_lats, city_lons = points_near(rng, 48.0, 5.0, 40, spread=4.0)
    counts = rng.integers(0, 15, 40).astype(np.int64)
    office_lats, office_lons = points_near(rng, 48.0, 5.0, int(rng.integers(0, 6)), spread=4.0)
    found = geo.hubs(
        city_lats,
        city_lons,
        counts,
        office_lats,
        office_lons,
        min_people=min_people,
        office_radius_km=50,
    )
    expected = set()
    for i in range(40):
        distances = [
            brute_km(city_lats[i], city_lons[i], a, b)
            for a, b in zip(office_lats, office_lons, strict=True)
        ]
        if counts[i] >= min_people and all(d > 50 for d in distances):
            expected.add(i)
    assert {h.index for h in found} == expected
    assert [counts[h.index] for h in found] == sorted(
        (counts[h.index] for h in found), reverse=True
    )
    for h in found:
        if len(office_lats):
            assert h.nearest_office_km is not None and h.nearest_office_km > 50
        else:
            assert h.nearest_office is None
