from __future__ import annotations

from django_tasks import task

from kith.directory.importing.runs import import_runs_purge
from kith.jobs.registry import periodic


@periodic(every_seconds=60 * 60)
@task()
def purge_import_runs() -> dict[str, int]:
    """Expire import runs whose worker died, and delete uploaded HR files after a day and
    the names in previews and problem lists after 30 days (docs/import.md, Retention)."""
    result = import_runs_purge()
    return {
        "expired": result.expired,
        "files_deleted": result.files_deleted,
        "details_deleted": result.details_deleted,
    }
