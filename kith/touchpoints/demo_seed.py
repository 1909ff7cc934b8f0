"""Demo touchpoints: 1:1 history (a few overdue), a manager with 16 reports, journeys for this
month's joiners, a mapped lifecycle with flagged steps."""

from __future__ import annotations

import datetime as dt

from kith.touchpoints.demo import audit, coverage, journeys, oneonones, span


def seed(*, today: dt.date, seed: int, demo_emails: list[str]) -> str:
    lines = [
        part.seed(today=today, seed=seed, demo_emails=demo_emails)
        for part in (oneonones, span, journeys, audit, coverage)
    ]
    return "; ".join(line for line in lines if line)
