from __future__ import annotations


def register(app_label: str) -> None:
    """Nothing yet."""
