"""Time zones by name, kept: `ZoneInfo` holds only the 8 zones used last, and an organisation
spans more, so code that walks every person would read zone files from disk again and again
(bench/boundaries.py: 57 % of the quiet-period computation at 20k people)."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    """The zone called `name`; raises as ZoneInfo does for an unknown or empty name."""
    return ZoneInfo(name)
