from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from kith.jobs.registry import periodic
from kith.pulse import results, services
from kith.pulse.models import Wave


@periodic(every_seconds=900)
@task()
def send_due_waves() -> int:
    """Every quarter hour: send each wave whose opening day has come (claimed once)."""
    today = timezone.localdate(timezone=timezone.get_default_timezone())
    sent = 0
    for wave in Wave.objects.filter(
        sent_at__isnull=True, opens_on__lte=today, closes_on__gte=today, campaign__is_active=True
    ).select_related("campaign"):
        sent += services.wave_send(wave=wave)
    return sent


@periodic(every_seconds=3600)
@task()
def remind_and_close_waves() -> int:
    """Hourly: reminders two days before a wave closes; results once it has closed."""
    return services.reminders_send_due() + results.waves_close_due()
