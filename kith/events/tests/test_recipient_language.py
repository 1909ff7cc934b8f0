"""Issue 14, item 14: what Events tells a person (RSVP news, invitations, the .ics and the
calendar feed) is in that person's language, not the language of whoever caused it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import translation

from kith.accounts.services import user_language_set
from kith.directory.tests.factories import PersonFactory, login_for
from kith.events import messages, services
from kith.events.models import Rsvp
from kith.events.tests.builders import make_event
from kith.notify.models import Notification

pytestmark = pytest.mark.django_db
THURSDAY = dt.datetime(2027, 6, 3, 17, 0, tzinfo=dt.UTC)  # 18:00 in Lisbon


@pytest.fixture(autouse=True)
def _english_afterwards():
    yield
    translation.activate(settings.LANGUAGE_CODE)


def _speaking(language: str):
    person = PersonFactory.create(timezone="Europe/Lisbon")
    user_language_set(user=login_for(person), language=language)
    return person


def test_an_english_cancellation_promotes_a_portuguese_colleague_in_portuguese():
    event = make_event(capacity=1, starts_at=THURSDAY, ends_at=THURSDAY + dt.timedelta(hours=2))
    leaver, waiting = _speaking("en"), _speaking("pt")
    services.rsvp_going(event=event, person=leaver)
    services.rsvp_going(event=event, person=waiting)
    with translation.override("en"):  # the leaver cancels from an English page
        services.rsvp_cancel(event=event, person=leaver)
    note = Notification.objects.get(person=waiting, kind="events.promoted")
    assert note.subject == f"Libertou-se um lugar: vai participar em {event.title}"
    assert "Boas notícias" in note.body
    assert "Qui 3 Jun, 18:00–20:00" in note.body  # the date in Portuguese too
    ics = note.attachments[0]["content"]
    assert "Detalhes e a sua resposta" in ics.replace("\r\n ", "")


def test_a_portuguese_cancellation_promotes_an_english_colleague_in_english():
    event = make_event(capacity=1, starts_at=THURSDAY, ends_at=THURSDAY + dt.timedelta(hours=2))
    leaver, waiting = _speaking("pt"), _speaking("en")
    services.rsvp_going(event=event, person=leaver)
    services.rsvp_going(event=event, person=waiting)
    with translation.override("pt"):
        services.rsvp_cancel(event=event, person=leaver)
    note = Notification.objects.get(person=waiting, kind="events.promoted")
    assert note.subject == f"A place came free: you are going to {event.title}"
    assert "Thu 3 Jun, 18:00–20:00" in note.body


def test_the_calendar_feed_is_in_its_owners_language():
    event = make_event(capacity=1, starts_at=THURSDAY, ends_at=THURSDAY + dt.timedelta(hours=2))
    owner = _speaking("pt")
    services.rsvp_going(event=event, person=owner)
    with translation.override("en"):  # the calendar app asks in English, or not at all
        feed = messages.feed_for(list(Rsvp.objects.filter(person=owner)))
    assert "Detalhes e a sua resposta" in feed.decode().replace("\r\n ", "")
