from __future__ import annotations

from django_tasks import task

from kith.jobs.registry import periodic
from kith.jobs.services import job_history_prune


@periodic(every_seconds=24 * 60 * 60)
@task()
def prune_job_history() -> dict[str, int]:
    result = job_history_prune()
    return {"job_runs": result.job_runs, "task_results": result.task_results}
