"""Events respect the person's meeting preference (issue 12, "Boundaries"): the events home
and the API list put the events that suit it first ("For you"), never hide the others, and
change nothing about who may see what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from kith.communities.models import Community
from kith.core.permissions import viewer_for_user
from kith.directory.models import ContactPreference, Office
from kith.directory.tests.factories import PersonFactory, login_for
from kith.events.engine import for_you
from kith.events.models import Event, EventInvite
from kith.events.selectors import events_home_for_viewer
from kith.events.tests.builders import community, make_event

LISBON = (38.72509, -9.1498)
PORTO = (41.14961, -8.61099)
SINTRA = (38.80097, -9.37826)  # about 25 km from Lisbon's centre


# --- The rule, pure -----------------------------------------------------------------------------


def test_virtual_puts_virtual_and_hybrid_first_wherever_they_are():
    taste = for_you.Taste(meeting_mode="virtual", city="lisbon", country="PT")
    assert for_you.suits(taste, for_you.Where("virtual"))
    assert for_you.suits(taste, for_you.Where("hybrid", city="porto", country="PT"))
    assert not for_you.suits(taste, for_you.Where("in_person", city="lisbon", country="PT"))


def test_in_person_puts_in_person_and_hybrid_in_or_near_the_city_first():
    taste = for_you.Taste("in_person", "lisbon", "PT", *LISBON)
    assert for_you.suits(taste, for_you.Where("in_person", "lisbon", "PT"))
    assert for_you.suits(taste, for_you.Where("hybrid", "lisbon", "PT"))
    assert not for_you.suits(taste, for_you.Where("virtual", "lisbon", "PT"))
    assert not for_you.suits(taste, for_you.Where("in_person", "porto", "PT", *PORTO))
    assert not for_you.suits(taste, for_you.Where("in_person", "lisbon", "US"))  # another Lisbon
    # Near: an office in another town within NEAR_KM of the person's city.
    assert for_you.suits(taste, for_you.Where("in_person", "sintra", "PT", *SINTRA))
    assert 20 < for_you.distance_km(*LISBON, *SINTRA) < for_you.NEAR_KM
    assert 250 < for_you.distance_km(*LISBON, *PORTO) < 300


def test_in_person_without_a_city_puts_every_in_person_event_first():
    taste = for_you.Taste(meeting_mode="in_person")
    assert for_you.suits(taste, for_you.Where("in_person", "porto", "PT"))
    assert not for_you.suits(taste, for_you.Where("virtual"))


def test_either_puts_nothing_first_and_the_order_is_stable():
    taste = for_you.Taste(meeting_mode="either", city="lisbon", country="PT")
    assert not for_you.suits(taste, for_you.Where("virtual"))
    assert not for_you.suits(taste, for_you.Where("in_person", "lisbon", "PT"))
    assert for_you.for_you_first([1, 2, 3, 4], [False, True, False, True]) == [2, 4, 1, 3]


# --- The events home and the API ----------------------------------------------------------------


@pytest.fixture
def events(db):
    """Soonest first: in person in Porto, in person in Lisbon, virtual, hybrid in Porto, in
    person at an office in Sintra (near Lisbon)."""
    base = timezone.now() + dt.timedelta(days=1)
    sintra = Office.objects.create(
        name="Sintra hub",
        city="Sintra",
        country="PT",
        latitude=SINTRA[0],
        longitude=SINTRA[1],
        timezone="Europe/Lisbon",
    )
    rows = [
        ("Porto picnic", Event.Mode.IN_PERSON, "Porto", None),
        ("Lisbon lunch", Event.Mode.IN_PERSON, "Lisbon", None),
        ("Online quiz", Event.Mode.VIRTUAL, "", None),
        ("Porto talk, also online", Event.Mode.HYBRID, "Porto", None),
        ("Sintra walk", Event.Mode.IN_PERSON, "Sintra", sintra),
    ]
    return [
        make_event(
            title=title,
            mode=mode,
            city=city,
            office=office,
            venue="" if office else "Somewhere",
            link="https://meet.example.com/x" if mode != Event.Mode.IN_PERSON else "",
            starts_at=base + dt.timedelta(hours=i),
        )
        for i, (title, mode, city, office) in enumerate(rows)
    ]


def _titles(person) -> list[str]:
    return [
        c.event.title for c in events_home_for_viewer(viewer_for_user(login_for(person))).upcoming
    ]


def _prefer(person, mode: str) -> None:
    ContactPreference.objects.update_or_create(person=person, defaults={"meeting_mode": mode})


SOONEST_FIRST = [
    "Porto picnic",
    "Lisbon lunch",
    "Online quiz",
    "Porto talk, also online",
    "Sintra walk",
]


def test_no_preference_and_either_keep_the_soonest_first(events):
    person = PersonFactory()  # Lisbon
    assert _titles(person) == SOONEST_FIRST
    _prefer(person, "either")
    assert _titles(person) == SOONEST_FIRST
    home = events_home_for_viewer(viewer_for_user(login_for(person)))
    assert home.for_you_mode == "" and home.for_you == []


def test_virtually_lists_virtual_and_hybrid_first_and_hides_nothing(events):
    person = PersonFactory()
    _prefer(person, "virtual")

    home = events_home_for_viewer(viewer_for_user(login_for(person)))

    assert [c.event.title for c in home.upcoming] == [
        "Online quiz",
        "Porto talk, also online",
        "Porto picnic",
        "Lisbon lunch",
        "Sintra walk",
    ]
    assert home.for_you_mode == "virtual"
    assert [c.event.title for c in home.for_you] == ["Online quiz", "Porto talk, also online"]
    assert sorted(c.event.title for c in home.upcoming) == sorted(SOONEST_FIRST)


def test_in_person_lists_events_in_or_near_my_city_first(events):
    person = PersonFactory()  # Lisbon, with Lisbon's coordinates
    _prefer(person, "in_person")

    home = events_home_for_viewer(viewer_for_user(login_for(person)))

    assert [c.event.title for c in home.upcoming] == [
        "Lisbon lunch",
        "Sintra walk",
        "Porto picnic",
        "Online quiz",
        "Porto talk, also online",
    ]
    assert home.for_you_mode == "in_person" and home.for_you_city == "Lisbon"


def test_in_person_in_porto_puts_porto_first(events):
    person = PersonFactory(city="Porto", latitude=PORTO[0], longitude=PORTO[1])
    _prefer(person, "in_person")
    assert _titles(person)[:2] == ["Porto picnic", "Porto talk, also online"]


def test_visibility_rules_are_unchanged_by_the_preference(events):
    """A confidential community's virtual event stays hidden from a non-member, and an
    invitation-only one from someone not invited, however much they prefer virtual."""
    secret = community("Support circle", Community.Visibility.CONFIDENTIAL)
    make_event(title="Circle online", mode=Event.Mode.VIRTUAL, host="community", community=secret)
    invited_only = make_event(title="Focus group", mode=Event.Mode.VIRTUAL, invite_only=True)
    outsider, invitee = PersonFactory(), PersonFactory()
    EventInvite.objects.create(event=invited_only, person=invitee)
    for person in (outsider, invitee):
        _prefer(person, "virtual")

    assert "Circle online" not in _titles(outsider)
    assert "Focus group" not in _titles(outsider)
    assert _titles(invitee)[:3] == ["Online quiz", "Porto talk, also online", "Focus group"]
    assert "Circle online" not in _titles(invitee)


def test_the_page_says_why_with_a_link_to_change_it(events):
    person = PersonFactory()
    client = Client()
    client.force_login(login_for(person))
    assert "as you prefer" not in client.get("/events/").content.decode()

    _prefer(person, "virtual")
    page = client.get("/events/").content.decode()

    assert "Virtual and hybrid events first, as you prefer" in page
    assert 'href="/guidelines/boundaries/"' in page
    assert page.index("Online quiz") < page.index("Porto picnic")
    assert "Also coming up" in page


def test_the_api_list_uses_the_same_order_and_says_which_suit(events):
    person = PersonFactory()
    _prefer(person, "in_person")
    client = Client()
    client.force_login(login_for(person))

    rows = client.get("/api/v1/events").json()

    assert [r["title"] for r in rows] == _titles(person)
    assert [r["title"] for r in rows if r["for_you"]] == ["Lisbon lunch", "Sintra walk"]
    assert len(rows) == len(SOONEST_FIRST)
