"""The map's tile server, read by config/settings.py before Django starts (so no Django
imports here): the URL template is checked once, and its origin is added to the CSP's
img-src so the browser may load tiles from it and from nowhere else."""

from __future__ import annotations

from urllib.parse import urlsplit

from kith.core.env import ImproperlyConfiguredEnv

DEFAULT_TILES_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)


# Values that switch tiles off: the map then draws country outlines (kith.bandmap.outlines)
# and asks no tile server for anything.
TILES_OFF = ("off", "none", "no", "false", "0")


def tiles_off(url: str) -> bool:
    return url.strip().lower() in (*TILES_OFF, "")


def checked_tiles_url(url: str, *, name: str = "KITH_MAP_TILES_URL") -> str:
    """A Leaflet tile URL template: http(s) or a path on this site, with {z}, {x} and {y};
    or "" when tiles are switched off ("off", "none", or empty)."""
    if tiles_off(url):
        return ""
    missing = [part for part in ("{z}", "{x}", "{y}") if part not in url]
    if missing:
        raise ImproperlyConfiguredEnv(
            f"{name}={url!r} is not valid: it needs {', '.join(missing)}, "
            "e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png"
        )
    parts = urlsplit(url.replace("{s}", "a"))
    if url.startswith("/") and not url.startswith("//"):
        return url  # tiles served by this site: 'self' already allows them
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImproperlyConfiguredEnv(
            f"{name}={url!r} is not valid: expected an http(s) URL or a path starting with /"
        )
    return url


def tiles_csp_sources(url: str) -> list[str]:
    """The CSP source for the tile host: "https://tile.example.org", or with a {s}
    subdomain placeholder "https://*.tile.example.org"; nothing for tiles on this site or
    when tiles are off."""
    if tiles_off(url) or (url.startswith("/") and not url.startswith("//")):
        return []
    parts = urlsplit(url.replace("{s}", "__sub__"))
    host = (parts.netloc or "").replace("__sub__", "*")
    return [f"{parts.scheme}://{host}"]
