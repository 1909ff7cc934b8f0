from __future__ import annotations

from django_tasks import task

from kith.events import services
from kith.jobs.registry import periodic


@periodic(every_seconds=900)
@task()
def send_event_reminders() -> int:
    """Every quarter hour: remind everyone going to an event that starts within a day. Each
    RSVP is claimed with a conditional update, so a retry or a second worker sends nothing
    twice; the notification waits for the person's working hours."""
    return services.reminders_send_due()
