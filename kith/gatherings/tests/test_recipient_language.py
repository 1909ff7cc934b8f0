"""Issue 14, item 14: a gathering's invitations (message and .ics) are each in their reader's
language, not the organiser's."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import translation

from kith.accounts.services import user_language_set
from kith.directory.models import Office
from kith.directory.tests.factories import PersonFactory, login_for
from kith.gatherings import services
from kith.gatherings.tests.test_services import BERLIN, MUNICH, create, people_in, viewer
from kith.notify.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr():
    return PersonFactory.create(full_name="Jasmine Garcia")


@pytest.fixture
def office():
    return Office.objects.create(
        name="Berlin Hub",
        city="Berlin",
        country="DE",
        latitude=52.52,
        longitude=13.40,
        timezone="Europe/Berlin",
        capacity=20,
    )


@pytest.fixture(autouse=True)
def _english_afterwards():
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.mark.parametrize(("organiser_page", "reader"), [("en", "pt"), ("pt", "en")])
def test_each_invitation_is_in_its_readers_language(hr, office, organiser_page, reader):
    people = people_in([BERLIN, BERLIN, MUNICH])
    user_language_set(user=login_for(people[0]), language=reader)
    gathering = create(hr, people)
    with translation.override(organiser_page):
        organiser = viewer(hr, hr=True)
        services.gathering_choose(viewer=organiser, gathering=gathering, option=1)
        event = services.gathering_send_invitations(viewer=organiser, gathering=gathering)
    # The event's description is stored once: in the organiser's language.
    together = "dias juntos pessoalmente" if organiser_page == "pt" else "days together in person"
    assert together in event.description
    note = Notification.objects.get(person=people[0], kind="gatherings.invite")
    ics = note.attachments[0]["content"].replace("\r\n ", "")
    if reader == "pt":
        assert note.subject == "Está convidado: Platform core week"
        assert "Quando:" in note.body and "Detalhes e a sua resposta" in ics
    else:
        assert note.subject == "You are invited: Platform core week"
        assert "When:" in note.body and "Details and your RSVP" in ics
