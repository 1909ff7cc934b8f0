"""Offices on the Band Map: markers distinct from the people clusters (their own list in the
map's data, never a count), a list on the page, and hubs that go once an office is near."""

from __future__ import annotations

import pytest

from kith.bandmap import selectors
from kith.core.permissions import viewer_for_user
from kith.directory.models import Office
from kith.directory.tests.factories import PersonFactory, login_for
from kith.places.services.offices import OfficeInput, office_create

from .test_map import API, MAP, client_for, in_city, page_data

pytestmark = pytest.mark.django_db


def test_offices_are_markers_of_their_own_and_listed(employee_client):
    office = Office.objects.create(
        name="Lisbon office", city="Lisbon", country="PT", latitude=38.725091,
        longitude=-9.149804, timezone="Europe/Lisbon", capacity=3,
    )  # fmt: skip
    response = employee_client.get(MAP)
    data = page_data(response)
    assert data["offices"] == [
        {
            "id": office.pk,
            "name": "Lisbon office",
            "city": "Lisbon",
            "country": "PT",
            "lat": 38.72509,
            "lon": -9.1498,
        }
    ]
    assert data["offices_url"] == "/places/offices/"
    assert data["cities"] == []  # an office is no colleague: no city count comes with it
    html = response.content.decode()
    assert f'id="office-{office.pk}"' in html
    assert f'href="/places/offices/#office-{office.pk}">Lisbon office</a>' in html


def test_the_page_says_when_there_is_no_office(employee_client):
    assert "No offices yet" in employee_client.get(MAP).content.decode()


def test_adding_an_office_near_a_hub_removes_the_hub(hr_person):
    for _ in range(5):
        in_city("Porto")
        in_city("Madrid")
    hr = client_for(hr_person, hr=True)
    hubs = {h["name"] for h in hr.get(f"{API}/hubs").json()["hubs"]}
    assert hubs == {"Porto", "Madrid"}

    # HR adds an office through the places service: the geocoder puts it at Porto's centre.
    viewer = viewer_for_user(login_for(PersonFactory(), hr=True))
    office_create(
        viewer=viewer,
        data=OfficeInput(name="Porto office", city="Porto", country="PT", capacity=30),
    )
    found = selectors.hubs_for_viewer(viewer)
    assert found is not None
    assert [(h.city.name, h.nearest_office) for h in found] == [("Madrid", "Porto office")]
    assert [h["name"] for h in hr.get(f"{API}/hubs").json()["hubs"]] == ["Madrid"]
    assert page_data(hr.get(MAP))["hubs"] == ["Madrid|ES"]
