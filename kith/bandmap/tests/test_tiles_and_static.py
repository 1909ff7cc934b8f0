"""The tile server setting, its CSP source, and Leaflet from the installed packages."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders

from kith.bandmap.finders import PACKAGES, LeafletFinder
from kith.bandmap.tiles import checked_tiles_url, tiles_csp_sources
from kith.core.env import ImproperlyConfiguredEnv


@pytest.mark.parametrize(
    ("url", "sources"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", ["https://tile.openstreetmap.org"]),
        (
            "https://{s}.tiles.example.org:8443/{z}/{x}/{y}.png",
            ["https://*.tiles.example.org:8443"],
        ),
        ("/tiles/{z}/{x}/{y}.png", []),  # on this site: 'self' covers it
    ],
)
def test_tile_urls_and_their_csp_source(url, sources):
    assert checked_tiles_url(url) == url
    assert tiles_csp_sources(url) == sources


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://tile.example.org/{x}/{y}.png", "it needs {z}"),
        ("ftp://tile.example.org/{z}/{x}/{y}.png", "expected an http(s) URL"),
        ("tile.example.org/{z}/{x}/{y}.png", "expected an http(s) URL"),
    ],
)
def test_a_bad_tile_url_is_refused_with_the_reason(url, message):
    with pytest.raises(ImproperlyConfiguredEnv, match="KITH_MAP_TILES_URL") as caught:
        checked_tiles_url(url)
    assert message in str(caught.value)


def test_the_finder_exposes_just_the_files_the_map_uses():
    finder = LeafletFinder()
    assert finder.check() == []
    listed = {f"{storage.prefix}/{name}" for name, storage in finder.list(None)}
    assert "leaflet/leaflet.js" in listed
    assert "leaflet-markercluster/leaflet.markercluster-src.js" in listed
    # The minified markercluster points at a source map the package does not ship.
    assert "leaflet-markercluster/leaflet.markercluster.js" not in listed
    assert finders.find("leaflet/leaflet.css").endswith("leaflet/data/leaflet.css")
    assert finder.find("leaflet/../setup.py") == ""
    assert finder.find("leaflet/leaflet.js", find_all=True) == [
        f"{PACKAGES['leaflet'][0]}/leaflet.js"
    ]
