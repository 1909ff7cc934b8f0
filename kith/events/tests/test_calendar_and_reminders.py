"""Invites, the personal feed (and revoking it), and day-before reminders in working hours."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from icalendar import Calendar

from kith.directory.tests.factories import PersonFactory, login_for
from kith.events import messages, services
from kith.events.models import FeedToken, Rsvp
from kith.events.tests.builders import make_event
from kith.notify.models import Notification

pytestmark = pytest.mark.django_db
NEW_YORK, TOKYO = ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")
FUTURE = dt.datetime(2031, 7, 1, 18, 30)


def _vevents(content: bytes) -> list:
    return [c for c in Calendar.from_ical(content).walk() if c.name == "VEVENT"]


def test_the_invite_carries_the_events_zone_and_local_wall_time():
    event = make_event(
        title="Town hall",
        timezone="America/New_York",
        starts_at=FUTURE.replace(tzinfo=NEW_YORK),
        ends_at=FUTURE.replace(tzinfo=NEW_YORK) + dt.timedelta(hours=1),
    )
    person = PersonFactory()
    calendar = Calendar.from_ical(messages.invite_for(event, person))
    (vevent,) = _vevents(calendar.to_ical())
    start = vevent.decoded("DTSTART")
    assert vevent["DTSTART"].params["TZID"] == "America/New_York"
    assert (start.hour, start.minute) == (18, 30)
    assert start.astimezone(dt.UTC) == dt.datetime(2031, 7, 1, 22, 30, tzinfo=dt.UTC)
    zones = [c for c in calendar.walk() if c.name == "VTIMEZONE"]
    assert [str(z["TZID"]) for z in zones] == ["America/New_York"]
    assert str(vevent["SUMMARY"]) == "Town hall"


def test_the_feed_lists_going_and_waitlisted_events_in_their_zones_without_a_login():
    person = PersonFactory()
    tokyo = make_event(
        title="Tokyo meetup",
        capacity=1,
        timezone="Asia/Tokyo",
        starts_at=dt.datetime(2031, 3, 5, 19, 0, tzinfo=TOKYO),
    )
    new_york = make_event(
        title="Listening session",
        timezone="America/New_York",
        starts_at=FUTURE.replace(tzinfo=NEW_YORK),
    )
    services.rsvp_going(event=tokyo, person=PersonFactory())  # takes the only place
    services.rsvp_going(event=tokyo, person=person)
    services.rsvp_going(event=new_york, person=person)
    services.rsvp_cancel(event=make_event(title="Skipped"), person=person)
    token = services.feed_token_regenerate(person=person).token

    response = Client().get(f"/events/feed/{token}.ics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    by_title = {str(v["SUMMARY"]): v for v in _vevents(response.content)}
    assert set(by_title) == {"Waitlisted: Tokyo meetup", "Listening session"}
    tokyo_start = by_title["Waitlisted: Tokyo meetup"]["DTSTART"]
    assert tokyo_start.params["TZID"] == "Asia/Tokyo"
    assert (tokyo_start.dt.hour, tokyo_start.dt.minute) == (19, 0)
    ny_start = by_title["Listening session"]["DTSTART"]
    assert ny_start.params["TZID"] == "America/New_York"
    assert (ny_start.dt.hour, ny_start.dt.minute) == (18, 30)


def test_regenerating_or_revoking_the_feed_kills_the_old_address(caplog):
    person = PersonFactory()
    client = Client()
    client.force_login(login_for(person))
    client.post("/events/feed/", {"action": "regenerate"})
    old = FeedToken.objects.get(person=person).token
    assert old in client.get("/events/feed/").content.decode()
    assert Client().get(f"/events/feed/{old}.ics").status_code == 200

    client.post("/events/feed/", {"action": "regenerate"})
    new = FeedToken.objects.get(person=person, revoked_at__isnull=True).token
    assert new != old
    with caplog.at_level("WARNING"):
        assert Client().get(f"/events/feed/{old}.ics").status_code == 404
    assert old not in caplog.text  # the secret never reaches the log
    assert Client().get(f"/events/feed/{new}.ics").status_code == 200

    client.post("/events/feed/", {"action": "revoke"})
    assert Client().get(f"/events/feed/{new}.ics").status_code == 404
    assert not FeedToken.objects.filter(person=person, revoked_at__isnull=True).exists()


def test_a_leavers_feed_stops():
    person = PersonFactory()
    token = services.feed_token_regenerate(person=person).token
    person.is_active = False
    person.save()
    assert Client().get(f"/events/feed/{token}.ics").status_code == 404


def test_reminder_waits_for_working_hours_and_is_sent_once():
    # 18:00 in Tokyo; the job runs 23 hours before, at 19:00 Tokyo time: quiet hours.
    start = dt.datetime(2031, 3, 5, 18, 0, tzinfo=TOKYO)  # a Wednesday
    event = make_event(timezone="Asia/Tokyo", starts_at=start)
    person = PersonFactory(timezone="Asia/Tokyo")
    waiting = PersonFactory(timezone="Asia/Tokyo")
    event.capacity = 1
    event.save()
    services.rsvp_going(event=event, person=person, now=start - dt.timedelta(days=5))
    services.rsvp_going(event=event, person=waiting, now=start - dt.timedelta(days=5))
    Notification.objects.all().delete()
    now = start - dt.timedelta(hours=23)

    assert services.reminders_send_due(now=now) == 1
    assert services.reminders_send_due(now=now) == 0
    assert services.reminders_send_due(now=now + dt.timedelta(minutes=15)) == 0

    (reminder,) = Notification.objects.filter(kind="events.reminder")
    assert reminder.person == person  # not the waitlisted one
    assert reminder.deliver_at.astimezone(TOKYO) == dt.datetime(2031, 3, 5, 9, 0, tzinfo=TOKYO)
    assert Rsvp.objects.get(person=person).reminded_at == now


def test_no_reminder_for_events_more_than_a_day_away():
    event = make_event(starts_at=dt.datetime(2031, 3, 5, 18, 0, tzinfo=dt.UTC))
    services.rsvp_going(
        event=event, person=PersonFactory(), now=dt.datetime(2031, 3, 1, tzinfo=dt.UTC)
    )
    assert services.reminders_send_due(now=event.starts_at - dt.timedelta(hours=30)) == 0
    assert not Notification.objects.filter(kind="events.reminder").exists()
