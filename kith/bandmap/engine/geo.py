"""Great-circle geometry for the Band Map: pure numpy, no Django.

Distances are haversine distances on a sphere of the Earth's mean radius, between city
centres (people carry their city's coordinates, never an address). "Within r km" means
distance <= r. A bounding box narrows the database query first; it is a superset of the
circle by construction, so the exact test on the candidates decides alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
# Widens the bounding box a little, so rounding can never drop a point the exact test keeps.
_BOX_MARGIN_DEG = 1e-6


def haversine_km(lat: float, lon: float, lats: FloatArray, lons: FloatArray) -> FloatArray:
    """Distances in km from (lat, lon) to every (lats[i], lons[i]), all in degrees."""
    phi1 = math.radians(lat)
    phi2 = np.radians(np.asarray(lats, dtype=np.float64))
    dphi = phi2 - phi1
    dlambda = np.radians(np.asarray(lons, dtype=np.float64) - lon)
    a = np.sin(dphi / 2.0) ** 2 + math.cos(phi1) * np.cos(phi2) * np.sin(dlambda / 2.0) ** 2
    # Rounding can push a just above 1 for antipodal points; arcsin would give NaN.
    a = np.clip(a, 0.0, 1.0)
    result: FloatArray = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))
    return result


@dataclass(frozen=True)
class Nearby:
    """Indices of the points within the radius, nearest first (ties keep input order), and
    their distances in km."""

    indices: IntArray
    distances_km: FloatArray


def within_radius(
    lat: float, lon: float, lats: FloatArray, lons: FloatArray, radius_km: float
) -> Nearby:
    distances = haversine_km(lat, lon, lats, lons)
    inside = np.flatnonzero(distances <= radius_km)
    order = np.argsort(distances[inside], kind="stable")
    chosen = inside[order]
    return Nearby(indices=chosen.astype(np.intp), distances_km=distances[chosen])


def nearest_beyond(
    lat: float, lon: float, lats: FloatArray, lons: FloatArray, *, beyond_km: float, limit: int
) -> Nearby:
    """The `limit` points nearest to (lat, lon) that are farther than `beyond_km`, nearest
    first (ties keep input order)."""
    distances = haversine_km(lat, lon, lats, lons)
    outside = np.flatnonzero(distances > beyond_km)
    order = np.argsort(distances[outside], kind="stable")[: max(limit, 0)]
    chosen = outside[order]
    return Nearby(indices=chosen.astype(np.intp), distances_km=distances[chosen])


@dataclass(frozen=True)
class BoundingBox:
    """Latitude range and one or two longitude ranges (two when the circle crosses the
    antimeridian), in degrees. A circle around a pole covers every longitude."""

    min_lat: float
    max_lat: float
    lon_ranges: tuple[tuple[float, float], ...]


def bounding_box(lat: float, lon: float, radius_km: float) -> BoundingBox:
    """The smallest latitude/longitude box around the circle (Matuschek's method)."""
    angular = radius_km / EARTH_RADIUS_KM
    min_lat = lat - math.degrees(angular) - _BOX_MARGIN_DEG
    max_lat = lat + math.degrees(angular) + _BOX_MARGIN_DEG
    if min_lat <= -90.0 or max_lat >= 90.0 or angular >= math.pi / 2:
        return BoundingBox(max(min_lat, -90.0), min(max_lat, 90.0), ((-180.0, 180.0),))
    ratio = math.sin(angular) / math.cos(math.radians(lat))
    if ratio >= 1.0:
        return BoundingBox(min_lat, max_lat, ((-180.0, 180.0),))
    delta = math.degrees(math.asin(ratio)) + _BOX_MARGIN_DEG
    west, east = lon - delta, lon + delta
    if west < -180.0:
        return BoundingBox(min_lat, max_lat, ((west + 360.0, 180.0), (-180.0, east)))
    if east > 180.0:
        return BoundingBox(min_lat, max_lat, ((west, 180.0), (-180.0, east - 360.0)))
    return BoundingBox(min_lat, max_lat, ((west, east),))


def box_contains(box: BoundingBox, lats: FloatArray, lons: FloatArray) -> npt.NDArray[np.bool_]:
    """Which points the box holds (the same test the database query makes)."""
    lat_ok = (lats >= box.min_lat) & (lats <= box.max_lat)
    lon_ok = np.zeros(lats.shape, dtype=bool)
    for west, east in box.lon_ranges:
        lon_ok |= (lons >= west) & (lons <= east)
    result: npt.NDArray[np.bool_] = lat_ok & lon_ok
    return result


@dataclass(frozen=True)
class HubCandidate:
    index: int  # into the city arrays
    nearest_office: int | None  # into the office arrays; None when there are no offices
    nearest_office_km: float | None


def hubs(
    city_lats: FloatArray,
    city_lons: FloatArray,
    city_counts: npt.NDArray[np.int64],
    office_lats: FloatArray,
    office_lons: FloatArray,
    *,
    min_people: int,
    office_radius_km: float,
) -> list[HubCandidate]:
    """Cities with at least min_people and no office within office_radius_km, largest
    first (ties keep input order), each with its nearest office."""
    found: list[HubCandidate] = []
    order = np.argsort(-np.asarray(city_counts), kind="stable")
    for i in order:
        if int(city_counts[i]) < min_people:
            continue
        if len(office_lats) == 0:
            found.append(HubCandidate(int(i), None, None))
            continue
        distances = haversine_km(float(city_lats[i]), float(city_lons[i]), office_lats, office_lons)
        nearest = int(np.argmin(distances))
        if float(distances[nearest]) > office_radius_km:
            found.append(HubCandidate(int(i), nearest, float(distances[nearest])))
    return found
