from __future__ import annotations

from django_tasks import task

from kith.insights import services
from kith.jobs.registry import periodic


@periodic(every_seconds=86400)
@task()
def purge_old_interactions() -> int:
    """Daily: interaction metadata older than KITH_INSIGHTS_RETENTION_WEEKS is deleted."""
    return services.retention_purge()


@periodic(every_seconds=86400)
@task()
def compute_last_week() -> int:
    """Daily: the window ending with the last complete ISO week, once analytics is on."""
    return services.compute_due()


@task()
def apply_import(run_id: int, actor_id: int | None = None) -> str:
    return services.import_apply_by_id(run_id=run_id, actor_id=actor_id)
