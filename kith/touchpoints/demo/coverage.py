from __future__ import annotations

import datetime as dt

from kith.touchpoints.services.coverage import coverage_compute


def seed(*, today: dt.date, seed: int, demo_emails: list[str]) -> str:
    """After the 1:1 history and check-ins: one coverage run, so HR's page has figures."""
    run = coverage_compute()
    return f"coverage run {run.pk}"
