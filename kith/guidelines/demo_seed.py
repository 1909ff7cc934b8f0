"""Demo data of the guidelines app (see kith/directory/demo/extras.py)."""

from __future__ import annotations

import datetime as dt

from kith.guidelines.demo import boundaries, guide


def seed(*, today: dt.date, seed: int, demo_emails: list[str]) -> str:
    lines = [
        part.seed(today=today, seed=seed, demo_emails=demo_emails)
        for part in (
            guide,
            boundaries,
        )
    ]
    return "; ".join(line for line in lines if line)
