"""Event reminders are notifications: a wellness week or tech-free hours hold them, and one
that could only arrive after the event starts is not sent at all."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kith.directory.tests.factories import OrgUnitFactory, PersonFactory
from kith.events import services
from kith.events.tests.builders import make_event
from kith.guidelines.models import TechFreeHours, WellnessWeek
from kith.notify.models import Notification

TOKYO = ZoneInfo("Asia/Tokyo")
START = dt.datetime(2031, 3, 5, 18, 0, tzinfo=TOKYO)  # a Wednesday


def _going(person):
    event = make_event(timezone="Asia/Tokyo", starts_at=START)
    services.rsvp_going(event=event, person=person, now=START - dt.timedelta(days=5))
    Notification.objects.all().delete()
    return event


@pytest.mark.django_db
def test_no_event_reminder_during_a_wellness_week():
    person = PersonFactory(timezone="Asia/Tokyo")
    _going(person)
    WellnessWeek.objects.create(
        name="Log-off", starts_on=dt.date(2031, 3, 3), ends_on=dt.date(2031, 3, 7)
    )

    services.reminders_send_due(now=START - dt.timedelta(hours=23))

    assert not Notification.objects.filter(kind="events.reminder").exists()


@pytest.mark.django_db
def test_a_reminder_waits_for_tech_free_hours_to_end():
    team = OrgUnitFactory()
    TechFreeHours.objects.create(
        org_unit=team, weekday=3, starts_at=dt.time(9), ends_at=dt.time(11)
    )
    person = PersonFactory(timezone="Asia/Tokyo", org_unit=team)
    _going(person)

    assert services.reminders_send_due(now=START - dt.timedelta(hours=23)) == 1

    (reminder,) = Notification.objects.filter(kind="events.reminder")
    assert reminder.deliver_at.astimezone(TOKYO) == dt.datetime(2031, 3, 5, 11, 0, tzinfo=TOKYO)
