"""HR adds an office through the page (after the geocoder suggests the right spelling), and it
appears on the Band Map (its own marker and list entry, with every tile blocked) and in the
event form, where picking it fills the city, country and time zone. Also on a phone."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from kith.directory.models import Office
from kith.directory.tests.factories import PersonFactory, login_for
from tests.browser.test_bandmap_journey import block_tiles, forget_blocked_tiles, person_in

pytestmark = pytest.mark.browser
PASSWORD = "pw-for-tests-1"


def warm_the_geocoder() -> None:
    """A first miss builds the geocoder's alternate names and the close-match index (seconds,
    once per process); the live server is a thread of this process, so it finds them built
    and answers within the browser's timeout."""
    from django.core.exceptions import ValidationError

    from kith.places.services.offices import OfficeInput, office_fields

    with pytest.raises(ValidationError):
        office_fields(OfficeInput(name="x", city="Nowhere-at-all", country="PT", capacity=0))


@pytest.fixture
def hr(transactional_db):
    cache.clear()  # the city sums of an earlier test (same process) must not leak in
    warm_the_geocoder()
    Office.objects.create(
        name="Lisbon office", city="Lisbon", country="PT", latitude=38.72509,
        longitude=-9.1498, timezone="Europe/Lisbon", capacity=100,
    )  # fmt: skip
    for n in range(3):
        person_in("Lisbon", full_name=f"Lisbon Colleague {n}")
    person = PersonFactory(full_name="Hana HR", email="hana@example.com")
    login_for(person, hr=True, password=PASSWORD)
    return person


def test_hr_adds_an_office_and_it_is_on_the_map_and_in_the_event_form(open_browsing, hr):
    desk = open_browsing()
    page = desk.page
    desk.log_in(hr.email, PASSWORD)
    desk.goto("/places/offices/")
    expect(page.get_by_role("heading", name="Lisbon office")).to_be_visible()
    page.get_by_role("link", name="Add an office").click()

    page.get_by_label("Name", exact=True).fill("Coimbra office")
    page.get_by_label("City", exact=True).fill("Coimbr")
    page.get_by_label("Country", exact=True).fill("Portugal")
    page.get_by_label("Address line").fill("Rua Ferreira Borges 10")
    page.get_by_label("Capacity").fill("25")
    page.get_by_label("Amenities").fill("Quiet room, Kitchen")
    page.get_by_role("button", name="Add the office").click()
    expect(page.get_by_text("Did you mean Coimbra?")).to_be_visible()
    desk.shot("office form, the geocoder suggests")
    assert not Office.objects.filter(name="Coimbra office").exists()

    page.get_by_label("City", exact=True).fill("Coimbra")
    page.get_by_role("button", name="Add the office").click()
    card = page.locator(".office-card", has=page.get_by_role("heading", name="Coimbra office"))
    expect(card).to_contain_text("Coimbra, PT")
    expect(card).to_contain_text("Rua Ferreira Borges 10")
    expect(card).to_contain_text("25 seats")
    expect(card.get_by_role("listitem")).to_have_text(["Quiet room", "Kitchen"])
    desk.shot("offices with the new one")
    office = Office.objects.get(name="Coimbra office")
    assert office.timezone == "Europe/Lisbon"

    # The map, with every tile blocked: the office is a marker of its own and in the list.
    blocked = block_tiles(desk)
    card.get_by_role("link", name=re.compile("on the map")).click()
    canvas = page.locator("#band-map")
    expect(canvas).to_have_class(re.compile("is-ready"))
    marker = canvas.locator(".bandmap-office[title='Office: Coimbra office, Coimbra']")
    expect(marker).to_be_visible()
    expect(canvas.locator(".bandmap-office")).to_have_count(2)
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Coimbra office")  # /map/#office-N opened it
    offices = page.get_by_role("list", name="Offices")
    expect(offices.get_by_role("link", name="Coimbra office")).to_be_visible()
    assert blocked, "the map asked for no tiles, so blocking them proved nothing"
    page.wait_for_timeout(300)  # the popup fades in
    desk.shot("the office on the band map")

    # The event form offers it, and picking it fills where and when.
    desk.goto("/events/new/")
    choice = page.locator("#id_office")
    expect(choice.locator("option", has_text="Coimbra office (Coimbra, PT)")).to_have_count(1)
    choice.select_option(label="Coimbra office (Coimbra, PT)")
    expect(page.locator("#id_city")).to_have_value("Coimbra")
    expect(page.locator("#id_country")).to_have_value("PT")
    expect(page.locator("#id_timezone")).to_have_value("Europe/Lisbon")
    choice.select_option(label="Lisbon office (Lisbon, PT)")
    expect(page.locator("#id_city")).to_have_value("Lisbon")
    desk.shot("event form with the office")
    forget_blocked_tiles(desk)
    desk.assert_clean()


def test_offices_on_a_phone(open_browsing, hr):
    phone = open_browsing(viewport="phone")
    phone.log_in(hr.email, PASSWORD)
    phone.goto("/places/offices/")
    card = phone.page.locator(".office-card").first
    expect(card).to_be_visible()
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the offices page is {width}px wide on a 390px phone"
    phone.goto("/places/offices/new/")
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the office form is {width}px wide on a 390px phone"
    phone.shot("office form on a phone")
    phone.assert_clean()
