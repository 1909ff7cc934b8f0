from __future__ import annotations

from django_tasks import task

from kith.jobs.registry import periodic
from kith.touchpoints.services import coverage

__all__ = ["compute_coverage"]


@periodic(every_seconds=86400)
@task()
def compute_coverage() -> int:
    """Daily: 1:1 and check-in coverage of the last 90 days, published through the
    disclosure layer (skipped when HR already recomputed today); old runs are forgotten."""
    return coverage.coverage_compute_due()
