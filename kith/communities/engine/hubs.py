"""Hubs: cities near an ambassador's city where enough colleagues live but there is no office.

Pure computation over city-level points (never an address); no Django imports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class CityPoint:
    city: str
    country: str
    latitude: float
    longitude: float
    colleagues: int


@dataclass(frozen=True)
class Hub:
    city: str
    country: str
    colleagues: int
    distance_km: int


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def city_key(city: str, country: str) -> tuple[str, str]:
    return (city.strip().casefold(), country.strip().upper())


def find_hubs(
    *,
    home: tuple[float, float],
    cities: list[CityPoint],
    office_cities: set[tuple[str, str]],
    min_colleagues: int,
    radius_km: float,
) -> list[Hub]:
    """Cities within `radius_km` of `home` (the ambassador's own city included) with at least
    `min_colleagues` colleagues and no office; nearest first, then the bigger one."""
    offices = {city_key(c, k) for c, k in office_cities}
    hubs = []
    for point in cities:
        if point.colleagues < min_colleagues or city_key(point.city, point.country) in offices:
            continue
        km = distance_km(home[0], home[1], point.latitude, point.longitude)
        if km <= radius_km:
            hubs.append(Hub(point.city, point.country, point.colleagues, round(km)))
    return sorted(hubs, key=lambda h: (h.distance_km, -h.colleagues, h.city))


def banded_count(count: int, *, floor: int = 3) -> str:
    """A count as shown to an ambassador: small numbers say only "fewer than 3"."""
    return f"fewer than {floor}" if count < floor else str(count)
