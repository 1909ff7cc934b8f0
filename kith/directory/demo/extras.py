"""Demo data of the other apps. Each app that has some keeps it in `<app>/demo_seed.py` with
`seed(*, today, seed, demo_emails) -> str`; the directory comes first, as they all read it."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps

log = logging.getLogger(__name__)


def seed_app_demos(
    *,
    seed: int,
    demo_emails: list[str],
    today: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[str]:
    """Each app's demo in INSTALLED_APPS order; `progress` hears each app's label first.
    The time each takes is logged (wall and CPU), for benchmarks of large demos."""
    today = today or dt.date.today()  # noqa: DTZ011 - the organisation's calendar day
    lines = []
    for config in apps.get_app_configs():
        name = f"{config.name}.demo_seed"
        if not config.name.startswith("kith.") or find_spec(name) is None:
            continue
        if progress is not None:
            progress(config.label)
        module = import_module(name)
        wall, cpu = time.perf_counter(), time.process_time()
        lines.append(module.seed(today=today, seed=seed, demo_emails=demo_emails))
        log.info(
            "demo %s: %.1f s (CPU %.1f s)",
            config.label,
            time.perf_counter() - wall,
            time.process_time() - cpu,
        )
    return lines
