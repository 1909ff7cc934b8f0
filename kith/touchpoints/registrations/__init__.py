from __future__ import annotations

from kith.touchpoints.registrations import audit, coverage, journeys, oneonones, span


def register_all(app_label: str) -> None:
    for part in (oneonones, journeys, span, audit, coverage):
        part.register(app_label)
