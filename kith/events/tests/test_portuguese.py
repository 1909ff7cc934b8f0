"""Issue 14, item 14: events, celebrations, communities and gatherings speak Portuguese to a
browser that asks for it, and their messages do too."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from kith.celebrate import services as celebrate_services
from kith.directory.tests.factories import PersonFactory, login_for
from kith.events.tests.builders import make_event
from kith.notify.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A request in Portuguese leaves the language active in this thread: later tests in the
    same worker expect English, as a new request would set it again."""
    yield
    translation.activate("en")


def _portuguese(person, *, hr: bool = False) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="pt")
    client.force_login(login_for(person, hr=hr))
    return client


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/events/", "As minhas respostas"),
        ("/celebrate/", "Dar kudos"),
        ("/communities/", "Todas as comunidades"),
        ("/gatherings/", "Os meus encontros"),
    ],
)
def test_each_home_page_reads_in_portuguese(path, words):
    page = _portuguese(PersonFactory()).get(path)
    assert page.status_code == 200
    assert words in page.content.decode()


def test_the_event_page_and_its_rsvp_read_in_portuguese():
    event = make_event(capacity=10)
    page = _portuguese(PersonFactory()).get(f"/events/{event.pk}/").content.decode()
    assert "A sua resposta" in page and "Vou" in page and "Quem vai" in page


def test_a_kudos_message_is_sent_in_portuguese():
    sender, thanked = PersonFactory.create(full_name="Ana Lima"), PersonFactory.create()
    from kith.accounts.services import user_language_set

    user_language_set(user=login_for(thanked), language="pt")  # the recipient's language counts
    with translation.override("pt"):
        celebrate_services.kudos_give(sender=sender, recipients=[thanked], message="Obrigada!")
    assert Notification.objects.get().subject == "Ana Lima deu-lhe kudos"
