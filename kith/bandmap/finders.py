"""Leaflet and Leaflet.markercluster for the static files, straight from their installed
XStatic packages (no CDN, nothing copied into the repository).

Only the files the map uses are exposed: the packages also ship a minified markercluster
whose source map is missing, and the production storage (CompressedManifestStaticFilesStorage)
refuses to collect a file that points at a map it cannot find. The unminified build, whose
map is shipped, is served instead (WhiteNoise compresses it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import CheckMessage
from django.core.checks import Error as CheckError
from django.core.files.storage import FileSystemStorage

PACKAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "leaflet": (
        xstatic.pkg.leaflet.BASE_DIR,
        (
            "leaflet.js",
            "leaflet.js.map",
            "leaflet.css",
            "images/layers.png",
            "images/layers-2x.png",
            "images/marker-icon.png",
            "images/marker-icon-2x.png",
            "images/marker-shadow.png",
        ),
    ),
    "leaflet-markercluster": (
        xstatic.pkg.leaflet_markercluster.BASE_DIR,
        (
            "leaflet.markercluster-src.js",
            "leaflet.markercluster-src.js.map",
            "MarkerCluster.css",
            "MarkerCluster.Default.css",
        ),
    ),
}


class LeafletFinder(BaseFinder):
    """Finds "leaflet/…" and "leaflet-markercluster/…" in the installed packages."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.storages: dict[str, FileSystemStorage] = {}
        for prefix, (base_dir, _) in PACKAGES.items():
            storage = FileSystemStorage(location=base_dir)
            storage.prefix = prefix  # type: ignore[attr-defined]
            self.storages[prefix] = storage

    def check(self, **kwargs: Any) -> list[CheckMessage]:
        return [
            CheckError(f"{prefix}: {name} is missing from {base_dir}", id="bandmap.E001")
            for prefix, (base_dir, names) in PACKAGES.items()
            for name in names
            if not (Path(base_dir) / name).is_file()
        ]

    def find(  # type: ignore[override]
        self, path: str, find_all: bool = False, **kwargs: Any
    ) -> str | list[str]:
        find_all = find_all or bool(kwargs.get("all", False))
        prefix, _, name = path.partition("/")
        package = PACKAGES.get(prefix)
        if package is None or name not in package[1]:
            return [] if find_all else ""
        full = str(Path(package[0]) / name)
        return [full] if find_all else full

    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, FileSystemStorage]]:
        for prefix, (_, names) in PACKAGES.items():
            for name in names:
                yield name, self.storages[prefix]
