from __future__ import annotations

from django_tasks import task

from kith.directory.importing.runs import import_run_apply, import_run_check


@task()
def check_import_run(run_id: int) -> str:
    """Check a big uploaded HRIS file and preview it; returns the run's status."""
    return import_run_check(run_id=run_id)


@task()
def apply_import_run(run_id: int, actor_id: int | None = None) -> str:
    """Apply an uploaded HRIS file that an HR admin previewed; returns the run's status."""
    return import_run_apply(run_id=run_id, actor_id=actor_id)
