from __future__ import annotations

from django_tasks import task

from kith.jobs.registry import periodic
from kith.places.services import days


@periodic(every_seconds=6 * 3600)
@task()
def nudge_office_days() -> int:
    """At most one gentle nudge a week per person about a day people they know will be in an
    office near them (through notify, so inside their working hours)."""
    return days.office_day_nudges_send()


__all__ = ["nudge_office_days"]
