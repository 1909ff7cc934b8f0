"""The pages: plan, compare side by side, choose, agenda, send; who sees what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from kith.directory.models import Office
from kith.directory.tests.factories import PersonFactory, login_for
from kith.events.models import Event, EventInvite
from kith.gatherings.models import Gathering, Participant

pytestmark = pytest.mark.django_db


def client_for(person, hr=False) -> Client:
    client = Client()
    client.force_login(login_for(person, hr=hr))
    return client


@pytest.fixture
def people():
    Office.objects.create(
        name="Berlin Hub",
        city="Berlin",
        country="DE",
        latitude=52.52,
        longitude=13.40,
        timezone="Europe/Berlin",
        capacity=12,
    )
    a = PersonFactory(email="a@x.org", city="Berlin", country="DE", latitude=52.52, longitude=13.4)
    b = PersonFactory(email="b@x.org", city="Munich", country="DE", latitude=48.14, longitude=11.58)
    c = PersonFactory(email="c@x.org", city="", country="DE", latitude=None, longitude=None)
    return a, b, c


FORM = {
    "name": "Platform core week",
    "kind": "core_week",
    "first_day": "2027-06-01",
    "last_day": "2027-06-30",
    "days": "5",
    "select_by": "emails",
    "emails": "a@x.org, b@x.org\nc@x.org",
}


def test_plan_compare_choose_and_send(people):
    a, _, _ = people
    hr = client_for(PersonFactory(), hr=True)
    assert hr.get(reverse("gatherings:home")).status_code == 200
    response = hr.post(reverse("gatherings:plan"), FORM)
    gathering = Gathering.objects.get()
    assert response.url == reverse("gatherings:options", args=[gathering.pk])
    page = hr.get(response.url).content.decode()
    assert "Berlin Hub" in page and "A venue in Munich" in page and "Choose this" in page
    assert "not counted in the distances" in page
    response = hr.post(reverse("gatherings:choose", args=[gathering.pk]), {"option": "1"})
    assert response.url == reverse("gatherings:detail", args=[gathering.pk])
    detail = hr.get(response.url).content.decode()
    assert "Send invitations" in detail and "Travel and a relaxed dinner" in detail
    hr.post(reverse("gatherings:send", args=[gathering.pk]))
    gathering.refresh_from_db()
    assert gathering.status == "invited"
    mine = client_for(a).get(reverse("gatherings:detail", args=[gathering.pk]))
    assert mine.status_code == 200 and "Say whether you are going" in mine.content.decode()
    assert mine["Cache-Control"].startswith("no-store") or "no-store" in mine["Cache-Control"]


def test_unknown_email_is_named_and_nothing_is_written(people):
    hr = client_for(PersonFactory(), hr=True)
    page = hr.post(reverse("gatherings:plan"), {**FORM, "emails": "a@x.org, ghost@x.org"})
    assert page.status_code == 200 and "ghost@x.org" in page.content.decode()
    assert not Gathering.objects.exists()


def test_employees_cannot_plan_and_strangers_see_nothing(people):
    a, _, _ = people
    hr = client_for(PersonFactory(), hr=True)
    hr.post(reverse("gatherings:plan"), FORM)
    gathering = Gathering.objects.get()
    employee = client_for(a)
    assert employee.get(reverse("gatherings:plan")).status_code == 403
    # Not invited yet: the draft is the organiser's alone.
    assert employee.get(reverse("gatherings:detail", args=[gathering.pk])).status_code == 404
    assert employee.get(reverse("gatherings:options", args=[gathering.pk])).status_code == 404


def test_who_did_you_meet_is_linked_from_the_start_and_export_and_privacy_say_it(people):
    a = people[0]
    organiser = PersonFactory()
    starts = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    event = Event.objects.create(
        title="Introday",
        kind="introday",
        host="hr",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=8),
        timezone="UTC",
        invite_only=True,
        created_by=organiser,
    )
    EventInvite.objects.create(event=event, person=a)
    gathering = Gathering.objects.create(
        name="Introday",
        kind="introday",
        organiser=organiser,
        first_day=starts.date(),
        last_day=starts.date(),
        days=1,
        status="invited",
        event=event,
        week_start=starts.date(),
        city="Berlin",
        country="DE",
    )
    Participant.objects.create(gathering=gathering, person=a)
    client = client_for(a)
    page = client.get(reverse("gatherings:detail", args=[gathering.pk])).content.decode()
    assert reverse("events:met", args=[event.pk]) in page
    exported = client.get("/me/export.json").json()
    assert exported["gatherings"]["gatherings"][0]["name"] == "Introday"
    assert "Gatherings" in client.get("/privacy/").content.decode()
