"""Country outlines for the map's background when tiles cannot load, or when an install
switches tiles off (KITH_MAP_TILES_URL=off): without them the markers float on grey.

The shapes are Natural Earth's 1:110m admin-0 countries (public domain), as shipped inside
the `countryinfo` package's wheel (one JSON file per country, each with a `geoJSON`
FeatureCollection; its README credits johan/world.geo.json, itself derived from Natural
Earth). Nothing is downloaded: the files are read from the installed package once per process,
coordinates rounded to 0.01° (about 1 km, far below what a 1:110m outline can show), repeated
points dropped, and the result served as one compact GeoJSON document (~150 KB) with a long
cache lifetime. The package's Python code is never imported: only its data files are read.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

PACKAGE = "countryinfo"
DECIMALS = 2
ATTRIBUTION = "Made with Natural Earth"

Ring = list[list[float]]


def data_dir() -> Path | None:
    """The package's data folder, found without importing the package; None when it is not
    installed (the map then has no outlines and says nothing worse than before)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "data"
    return folder if folder.is_dir() else None


def _ring(points: list[Any]) -> Ring | None:
    """A ring with rounded coordinates and no repeated neighbours; None when fewer than four
    points are left (a closed ring needs three corners and the first point again)."""
    out: Ring = []
    for point in points:
        lon, lat = round(float(point[0]), DECIMALS), round(float(point[1]), DECIMALS)
        if not out or out[-1] != [lon, lat]:
            out.append([lon, lat])
    if len(out) > 1 and out[0] != out[-1]:
        out.append(list(out[0]))
    return out if len(out) >= 4 else None


def _polygons(geometry: dict[str, Any]) -> list[list[Ring]]:
    kind, coordinates = geometry.get("type"), geometry.get("coordinates") or []
    polygons = [coordinates] if kind == "Polygon" else coordinates if kind == "MultiPolygon" else []
    kept = []
    for polygon in polygons:
        rings = [r for r in (_ring(points) for points in polygon) if r is not None]
        if rings:
            kept.append(rings)
    return kept


def _features(folder: Path) -> list[dict[str, Any]]:
    """One feature per country, in a stable order; a country filed twice (the package keeps
    some under two names) is drawn once."""
    seen: set[str] = set()
    features = []
    for path in sorted(folder.glob("*.json")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            log.warning("bandmap outlines: skipped unreadable %s", path.name)
            continue
        collection = document.get("geoJSON") if isinstance(document, dict) else None
        for feature in (
            (collection or {}).get("features", []) if isinstance(collection, dict) else []
        ):
            key = str(feature.get("id") or path.stem)
            polygons = _polygons(feature.get("geometry") or {})
            if key in seen or not polygons:
                continue
            seen.add(key)
            features.append(
                {
                    "type": "Feature",
                    "properties": {},
                    "geometry": {"type": "MultiPolygon", "coordinates": polygons},
                }
            )
    return features


@functools.cache
def outlines_document() -> bytes:
    """The whole GeoJSON FeatureCollection, as compact UTF-8 JSON (empty without the data)."""
    folder = data_dir()
    features = _features(folder) if folder is not None else []
    body = {"type": "FeatureCollection", "features": features}
    return json.dumps(body, separators=(",", ":")).encode()


@functools.cache
def outlines_etag() -> str:
    return hashlib.sha256(outlines_document()).hexdigest()[:32]


def check_outlines(**kwargs: Any) -> list[Any]:
    """A Django system check: warn (not fail) when the outlines' data is missing."""
    from django.core.checks import Warning as CheckWarning

    if data_dir() is not None:
        return []
    return [
        CheckWarning(
            f"The {PACKAGE} package is not installed, so the Band Map has no country outlines "
            "when its tiles cannot load.",
            hint=f"pip install {PACKAGE}",
            id="bandmap.W001",
        )
    ]
