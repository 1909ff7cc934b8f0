from __future__ import annotations

from django_tasks import task

from kith.jobs.registry import periodic
from kith.touchpoints.services import span as services

__all__ = ["take_span_snapshot"]


@periodic(every_seconds=86400)
@task()
def take_span_snapshot() -> str:
    """Daily: the first run of each month stores that month's distribution of spans (unique
    per month, so later runs and a second scheduler find it there and change nothing)."""
    snapshot, taken = services.span_snapshot_take()
    return f"{snapshot.taken_on:%Y-%m}: {'taken' if taken else 'already taken'}"
