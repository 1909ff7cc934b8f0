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


@task()
def tell_town_hall_notes(event_id: int) -> int:
    """Once, when a town hall's notes are first published: tell everyone who was going, asked
    a named question or voted. Whoever already has the message is skipped, so a retry sends
    nothing twice."""
    from kith.events.town_hall_services import notes_tell

    return notes_tell(event_id=event_id)
