from __future__ import annotations


def register(app_label: str) -> None:
    """What this part plugs into core (export, privacy page, disclosure sources, hooks)."""
