from __future__ import annotations

from django_tasks import task

from kith.celebrate import digest, services
from kith.jobs.registry import periodic


@periodic(every_seconds=3600)
@task()
def generate_milestones() -> int:
    """Hourly, so a day's milestones appear soon after midnight in the organisation's zone;
    unique per (person, kind, date), so reruns and a second scheduler add nothing. Also
    catches up on the last week's days if the scheduler was stopped."""
    return services.milestones_generate_recent()


@periodic(every_seconds=3600)
@task()
def send_weekly_digests() -> int:
    """The first run of each ISO week sends the digests (unique per person and week); later
    runs that week find them sent. Generates the milestones first so a Monday digest never
    misses Sunday's."""
    services.milestones_generate_recent()
    return digest.digests_send_due()
