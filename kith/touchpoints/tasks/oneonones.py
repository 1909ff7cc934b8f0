from __future__ import annotations

from django_tasks import task

from kith.jobs.registry import periodic
from kith.touchpoints.services import oneonones


@periodic(every_seconds=6 * 3600)
@task()
def sync_one_on_ones() -> dict[str, int]:
    """A 1:1 for every manager and report, after imports and directory edits."""
    return oneonones.one_on_ones_sync()


@periodic(every_seconds=3600)
@task()
def nudge_overdue_one_on_ones() -> int:
    """Overdue 1:1s remind their manager (inside the manager's working hours)."""
    return oneonones.overdue_nudge()


__all__ = ["nudge_overdue_one_on_ones", "sync_one_on_ones"]
