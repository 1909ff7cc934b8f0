"""Places, the waitlist and promotion; the notifications that go with them."""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.utils import timezone

from kith.directory.tests.factories import PersonFactory, login_for
from kith.events import services
from kith.events.models import Rsvp
from kith.events.tests.builders import make_event
from kith.notify.models import Notification

pytestmark = pytest.mark.django_db


def _status(event, person) -> str:
    return Rsvp.objects.get(event=event, person=person).status


def test_full_event_puts_people_on_the_waitlist_and_a_cancellation_promotes_the_first(
    django_capture_on_commit_callbacks,
):
    event = make_event(capacity=2)
    ana, ben, cai, dora = PersonFactory.create_batch(4)
    with django_capture_on_commit_callbacks(execute=True):
        for person in (ana, ben, cai, dora):
            services.rsvp_going(event=event, person=person)
    assert [_status(event, p) for p in (ana, ben, cai, dora)] == [
        "going",
        "going",
        "waitlisted",
        "waitlisted",
    ]
    waiting = Notification.objects.get(person=cai)
    assert waiting.subject == "You are on the waitlist for Board games night"

    with django_capture_on_commit_callbacks(execute=True):
        services.rsvp_cancel(event=event, person=ben)

    assert _status(event, ben) == "not_going"
    assert _status(event, cai) == "going"  # first in the queue
    assert _status(event, dora) == "waitlisted"
    promoted = Notification.objects.filter(person=cai).order_by("-id").first()
    assert promoted is not None
    assert promoted.subject == "A place came free: you are going to Board games night"
    assert promoted.attachments[0]["filename"] == f"kith-event-{event.pk}.ics"
    assert "BEGIN:VEVENT" in promoted.attachments[0]["content"]


def test_rsvp_twice_keeps_the_place_and_rejoining_goes_to_the_back_of_the_queue():
    event = make_event(capacity=1)
    ana, ben, cai = PersonFactory.create_batch(3)
    services.rsvp_going(event=event, person=ana)
    services.rsvp_going(event=event, person=ben)
    services.rsvp_going(event=event, person=ben)  # asking again changes nothing
    services.rsvp_cancel(event=event, person=ben)  # leaves the waitlist
    services.rsvp_going(event=event, person=cai)
    services.rsvp_going(event=event, person=ben)  # back, behind cai
    services.rsvp_cancel(event=event, person=ana)
    assert _status(event, cai) == "going"
    assert _status(event, ben) == "waitlisted"
    assert Rsvp.objects.filter(event=event, status="going").count() == 1


def test_no_capacity_means_everyone_goes_and_a_bigger_room_lets_the_waitlist_in():
    unlimited = make_event(capacity=None)
    people = PersonFactory.create_batch(5)
    for p in people:
        services.rsvp_going(event=unlimited, person=p)
    assert Rsvp.objects.filter(event=unlimited, status="going").count() == 5

    small = make_event(capacity=1)
    for p in people[:3]:
        services.rsvp_going(event=small, person=p)
    small.capacity = 2
    small.save()
    services._promote_waitlist(small)
    assert [_status(small, p) for p in people[:3]] == ["going", "going", "waitlisted"]


def test_an_event_that_is_over_takes_no_rsvp_and_leavers_cannot_rsvp():
    past = make_event(starts_at=timezone.now() - dt.timedelta(hours=5))
    with pytest.raises(services.EventOver, match="This event is over"):
        services.rsvp_going(event=past, person=PersonFactory())
    with pytest.raises(ValidationError, match="Only active colleagues"):
        services.rsvp_going(event=make_event(), person=PersonFactory(is_active=False))


RSVP = """
import sys, time
import django
django.setup()
from kith.directory.models import Person
from kith.events import services
from kith.events.models import Event
event = Event.objects.get(pk=int(sys.argv[2]))
person = Person.objects.get(pk=int(sys.argv[3]))
time.sleep(max(0.0, float(sys.argv[1]) - time.time()))
print(services.rsvp_going(event=event, person=person).status)
"""


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("KITH_TEST_DATABASE_URL"),
    reason="needs PostgreSQL: set KITH_TEST_DATABASE_URL",
)
@pytest.mark.django_db(transaction=True)
def test_people_taking_the_last_place_at_once_never_overfill_it():
    """Each RSVP locks the event row, so of four processes exactly one gets the place."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    from kith.jobs.tests.test_concurrency import run_python_together

    event = make_event(capacity=1)
    people = PersonFactory.create_batch(4)
    outputs = run_python_together(RSVP, *[[str(event.pk), str(p.pk)] for p in people])
    assert sorted(o.strip() for o in outputs) == ["going", "waitlisted", "waitlisted", "waitlisted"]
    assert Rsvp.objects.filter(event=event, status="going").count() == 1


def test_the_api_rsvps_cancels_and_promotes(django_capture_on_commit_callbacks):
    event = make_event(capacity=1)
    ana, ben = PersonFactory.create_batch(2)
    clients = {}
    for person in (ana, ben):
        clients[person.pk] = Client()
        clients[person.pk].force_login(login_for(person))
    with django_capture_on_commit_callbacks(execute=True):
        first = clients[ana.pk].post(f"/api/v1/events/{event.pk}/rsvp").json()
        second = clients[ben.pk].post(f"/api/v1/events/{event.pk}/rsvp").json()
        assert (first["my_status"], second["my_status"]) == ("going", "waitlisted")
        assert second["attendees"] is None  # waiting is not going: counts only
        clients[ana.pk].post(f"/api/v1/events/{event.pk}/cancel")
    after = clients[ben.pk].get(f"/api/v1/events/{event.pk}").json()
    assert after["my_status"] == "going" and after["going"] == 1 and after["waitlisted"] == 0
    lisbon = event.starts_at.astimezone(ZoneInfo("Europe/Lisbon"))
    assert after["local_start"] == lisbon.strftime("%Y-%m-%dT%H:%M")
    over = make_event(starts_at=timezone.now() - dt.timedelta(hours=4))
    assert clients[ana.pk].post(f"/api/v1/events/{over.pk}/rsvp").status_code == 409
    feed = clients[ana.pk].post("/api/v1/events/feed")
    assert feed.status_code == 201 and "/events/feed/" in feed.json()["url"]
    assert clients[ana.pk].delete("/api/v1/events/feed").json()["url"] is None
