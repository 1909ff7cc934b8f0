"""The event form offers every office HR added (places), each option carrying its city,
country and zone for the browser to fill in; an event in an office with those fields left
empty takes them from the office."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from kith.core.permissions import viewer_for_user
from kith.directory.tests.factories import PersonFactory, login_for
from kith.events.models import Event
from kith.places.services.offices import OfficeInput, office_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def porto():
    hr = viewer_for_user(login_for(PersonFactory(), hr=True))
    return office_create(
        viewer=hr, data=OfficeInput(name="Porto office", city="Porto", country="PT", capacity=30)
    )


def test_the_form_offers_an_office_added_by_hr(hr_client, porto):
    html = hr_client.get("/events/new/").content.decode()
    option = re.search(rf'<option value="{porto.pk}"[^>]*>([^<]*)</option>', html)
    assert option is not None, "the office is not an option of the event form"
    assert option.group(1) == "Porto office (Porto, PT)"
    for attribute in ('data-city="Porto"', 'data-country="PT"', 'data-timezone="Europe/Lisbon"'):
        assert attribute in option.group(0)
    assert "places/office_fill" in html


def test_picking_an_office_fills_city_country_and_zone(hr_client, porto):
    day = (timezone.now() + dt.timedelta(days=7)).date().isoformat()
    response = hr_client.post(
        "/events/new/",
        {
            "title": "Porto coffee",
            "kind": "meetup",
            "host": "hr",
            "mode": "in_person",
            "starts_local": f"{day}T10:00",
            "ends_local": f"{day}T11:00",
            "office": str(porto.pk),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = Event.objects.get(title="Porto coffee")
    assert (event.office_id, event.city, event.country, event.timezone) == (
        porto.pk,
        "Porto",
        "PT",
        "Europe/Lisbon",
    )
