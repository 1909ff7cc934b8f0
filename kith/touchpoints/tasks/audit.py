from __future__ import annotations

from django_tasks import task

from kith.jobs.registry import periodic
from kith.touchpoints.services import audit as audit_services

__all__ = ["publish_human_touch_feedback"]


@periodic(every_seconds=3600)
@task()
def publish_human_touch_feedback() -> int:
    """Hourly: publishes each step whose "did it feel human?" answers grew by a batch of k
    since its last figure. The only place figures are published: answering never does, so a
    figure's appearance does not mark the moment of the answer that completed its batch (and
    it keeps only the day). Also catches up after k was changed or a publication could not
    be made (a rotated key, a busy ledger)."""
    return audit_services.step_figures_publish()
