"""Which events suit a person's meeting preference ("For you" on the events home): pure, no
Django.

- virtual: virtual and hybrid events (they can be joined online);
- in person: in-person and hybrid events in or near the person's city: the same city and
  country, or held at an office within `NEAR_KM` of the city's centre. Without a city on
  their profile, every in-person and hybrid event;
- either: nothing is put first.

Nothing is ever left out: the other events follow, each group soonest first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

NEAR_KM = 50.0
EARTH_RADIUS_KM = 6371.0088
EITHER, IN_PERSON, VIRTUAL, HYBRID = "either", "in_person", "virtual", "hybrid"


@dataclass(frozen=True)
class Taste:
    """A person's preference, with their city (folded) and its coordinates when known."""

    meeting_mode: str = EITHER
    city: str = ""
    country: str = ""
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class Where:
    """An event's mode and place: its city (folded), and its office's coordinates if any."""

    mode: str
    city: str = ""
    country: str = ""
    latitude: float | None = None
    longitude: float | None = None


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in km."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, max(0.0, a))))


def is_near(taste: Taste, where: Where) -> bool:
    if not taste.city:
        return True
    if where.city and where.city == taste.city and where.country == taste.country:
        return True
    if None in (taste.latitude, taste.longitude, where.latitude, where.longitude):
        return False
    assert taste.latitude is not None and taste.longitude is not None
    assert where.latitude is not None and where.longitude is not None
    return distance_km(taste.latitude, taste.longitude, where.latitude, where.longitude) <= NEAR_KM


def suits(taste: Taste, where: Where) -> bool:
    if taste.meeting_mode == VIRTUAL:
        return where.mode in (VIRTUAL, HYBRID)
    if taste.meeting_mode == IN_PERSON:
        return where.mode in (IN_PERSON, HYBRID) and is_near(taste, where)
    return False


T = TypeVar("T")


def for_you_first(items: Sequence[T], suited: Sequence[bool]) -> list[T]:
    """The suited items first, then the others; each group keeps its order (a stable sort)."""
    return [item for item, ok in zip(items, suited, strict=True) if ok] + [
        item for item, ok in zip(items, suited, strict=True) if not ok
    ]
