"""Text normalisation for search: pure functions, no Django."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case, strip accents and squeeze spaces: "  José  Ñúñez" -> "jose nunez"."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.casefold()).strip()


def slugify_tag(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:80]


def search_text_for(full_name: str, preferred_name: str, title: str, *extra: str) -> str:
    """What the one search box matches: names and title first, then team, city, interests and
    skills (`extra`), folded; cut at 600 characters."""
    parts = [full_name, preferred_name if preferred_name != full_name else "", title, *extra]
    return fold(" | ".join(p for p in parts if p))[:600]
