from __future__ import annotations

from django_tasks import task

from kith.jobs.registry import periodic
from kith.touchpoints.services import journeys


@periodic(every_seconds=86400)
@task()
def sweep_journeys() -> dict[str, int]:
    """Daily: journeys for new people the import's hook missed, managers and buddies picked
    up, welcome calls and check-ins booked as their day nears, held meetings counted."""
    return journeys.journeys_sweep().as_dict()


@periodic(every_seconds=3600)
@task()
def nudge_late_journey_steps() -> int:
    """Hourly: each owner's late steps, on their own calendar day; delivered in working hours."""
    return journeys.journey_nudges_send()


__all__ = ["nudge_late_journey_steps", "sweep_journeys"]
