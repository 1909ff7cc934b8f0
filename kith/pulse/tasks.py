from __future__ import annotations

from django_tasks import task

from kith.jobs.registry import periodic
from kith.pulse import results, services


@periodic(every_seconds=900)
@task()
def send_due_waves() -> int:
    """Every quarter hour: send each wave whose opening day has come (claimed once)."""
    return services.waves_send_due()


@periodic(every_seconds=3600)
@task()
def remind_and_close_waves() -> int:
    """Hourly: reminders two days before a wave closes; results once it has closed."""
    return services.reminders_send_due() + results.waves_close_due()
