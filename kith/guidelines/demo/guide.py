"""Demo data of the channel guide: the default guide, installed as on first use."""

from __future__ import annotations

import datetime as dt

from kith.guidelines.services.guide import guide_install_defaults


def seed(*, today: dt.date, seed: int, demo_emails: list[str]) -> str:
    installed = guide_install_defaults()
    return "the default channel guide" if installed else ""
