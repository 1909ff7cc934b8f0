from __future__ import annotations

from kith.touchpoints.registrations import audit, journeys, oneonones, span


def register_all(app_label: str) -> None:
    for part in (oneonones, journeys, span, audit):
        part.register(app_label)
