"""Demo data of the other apps. Each app that has some keeps it in `<app>/demo_seed.py` with
`seed(*, today, seed, demo_emails) -> str`; the directory comes first, as they all read it."""

from __future__ import annotations

import datetime as dt
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps


def seed_app_demos(*, seed: int, demo_emails: list[str], today: dt.date | None = None) -> list[str]:
    today = today or dt.date.today()  # noqa: DTZ011 - the organisation's calendar day
    lines = []
    for config in apps.get_app_configs():
        name = f"{config.name}.demo_seed"
        if not config.name.startswith("kith.") or find_spec(name) is None:
            continue
        module = import_module(name)
        lines.append(module.seed(today=today, seed=seed, demo_emails=demo_emails))
    return lines
