from __future__ import annotations

from django_tasks import task

from kith.jobs.registry import periodic
from kith.notify import services


@task()
def deliver_email(notification_id: int) -> bool:
    return services.notification_deliver_email(notification_id=notification_id)


@task()
def deliver_chat(notification_id: int) -> bool:
    return services.notification_deliver_chat(notification_id=notification_id)


@periodic(every_seconds=60)
@task()
def deliver_due_notifications() -> int:
    return services.notifications_deliver_due()


@task()
def reschedule_notifications(org_unit_id: int | None = None) -> int:
    """After tech-free hours (of a unit) or a wellness week (everyone) changed."""
    return services.notifications_reschedule(org_unit_id=org_unit_id)
