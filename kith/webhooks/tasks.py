from __future__ import annotations

from django_tasks import task

from kith.jobs.registry import periodic
from kith.webhooks import services


@task()
def send_deliveries(delivery_ids: list[int]) -> int:
    """Enqueued when events are emitted (on commit): their first attempt, at once."""
    return services.deliveries_send(delivery_ids=delivery_ids)


@periodic(every_seconds=60)
@task()
def send_due_deliveries() -> int:
    """Every minute: retries that are due, and anything the task above missed."""
    return services.deliveries_send_due()
