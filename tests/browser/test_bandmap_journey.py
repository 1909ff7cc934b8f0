"""The Band Map in Chromium with every map tile blocked: the city markers (count badges),
the near-me circle and list, and hiding oneself all work, because they come from Kith's own
page and never from the tile server. Also without JavaScript, and on a phone."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import Route, expect

from kith.directory.tests.factories import PersonFactory, login_for

pytestmark = pytest.mark.browser
PASSWORD = "pw-for-tests-1"
TILE_HOST = "tile.openstreetmap.org"
CITIES = {
    "Lisbon": ("PT", 38.72509, -9.1498),
    "Sintra": ("PT", 38.80097, -9.37826),
    "Porto": ("PT", 41.14961, -8.61099),
    "Madrid": ("ES", 40.4165, -3.70256),
}


def person_in(city: str, **kwargs):
    country, lat, lon = CITIES[city]
    return PersonFactory(city=city, country=country, latitude=lat, longitude=lon, **kwargs)


def block_tiles(browsing) -> list[str]:
    """Aborts every tile request; returns the list of URLs blocked so far."""
    blocked: list[str] = []

    def abort(route: Route) -> None:
        blocked.append(route.request.url)
        route.abort()

    browsing.page.route(re.compile(rf"^https?://([a-z0-9-]+\.)?{re.escape(TILE_HOST)}/"), abort)
    return blocked


def forget_blocked_tiles(browsing) -> None:
    """The blocked tiles are this test's doing: every other failure still counts."""
    browsing.bad_responses[:] = [m for m in browsing.bad_responses if TILE_HOST not in m]
    browsing.console_errors[:] = [
        m
        for m in browsing.console_errors
        if not (m.startswith("Failed to load resource") and TILE_HOST in m)
    ]


@pytest.fixture
def colleagues(transactional_db):
    cache.clear()  # the city sums of an earlier test (same process) must not leak in
    me = person_in("Lisbon", full_name="Ana Lisboa", email="ana@example.com")
    login_for(me, password=PASSWORD)
    for n in range(4):
        person_in("Lisbon", full_name=f"Lisbon Colleague {n}")
    for n in range(4):
        person_in("Sintra", full_name=f"Sintra Colleague {n}")
    for n in range(3):
        person_in("Porto", full_name=f"Porto Colleague {n}")
    person_in("Madrid", full_name="Only One In Madrid")
    return me


def test_markers_and_near_me_work_with_every_tile_blocked(open_browsing, colleagues, settings):
    desk = open_browsing()
    blocked = block_tiles(desk)
    page = desk.page
    desk.log_in(colleagues.email, PASSWORD)
    desk.goto("/map/?radius=50")

    canvas = page.locator("#band-map")
    expect(canvas).to_have_class(re.compile("is-ready"))
    lisbon = canvas.locator(".bandmap-marker.is-near", has_text=re.compile(r"^5$"))
    sintra = canvas.locator(".bandmap-marker.is-near", has_text=re.compile(r"^4$"))
    expect(lisbon).to_be_visible()
    expect(sintra).to_be_visible()
    expect(canvas.locator("path.bandmap-radius")).to_have_count(1)
    assert blocked, "the map asked for no tiles, so blocking them proved nothing"

    near = page.get_by_role("list", name="Near me")
    expect(page.locator("#near-summary")).to_contain_text("8 colleagues within 50 km of Lisbon")
    expect(near.get_by_role("listitem")).to_have_count(8)
    expect(near.get_by_role("link", name="Sintra Colleague 0")).to_be_visible()
    expect(page.get_by_text("Only One In Madrid")).to_have_count(0)

    sintra.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Sintra, PT")
    expect(popup).to_contain_text("4 colleagues")
    page.wait_for_timeout(300)  # the popup fades in
    desk.shot("band map, tiles blocked")

    # Zoomed out, Lisbon and Sintra cluster into one badge with their sum; Porto shows too.
    page.locator(".leaflet-popup-close-button").click()
    for _ in range(4):
        page.locator(".leaflet-control-zoom-out").click()
        page.wait_for_timeout(300)
    expect(canvas.locator(".bandmap-cluster", has_text=re.compile(r"^9$"))).to_be_visible()
    expect(canvas.locator(".bandmap-marker", has_text=re.compile(r"^3$"))).to_be_visible()
    desk.shot("band map zoomed out, clustered")

    # Hide myself: Lisbon counts four, on the map and in the list of cities.
    page.get_by_role("button", name="Hide me from the map").click()
    expect(page.get_by_text("You are hidden from the map")).to_be_visible()
    cities = page.get_by_role("table").filter(has_text="Country")
    expect(cities.get_by_role("row", name=re.compile("Lisbon"))).to_contain_text("4")
    expect(canvas).to_have_class(re.compile("is-ready"))
    badges = canvas.locator(".bandmap-count").all_inner_texts()
    assert sum(int(b) for b in badges) == 4 + 4 + 3, badges  # every city, clustered or not
    forget_blocked_tiles(desk)
    desk.assert_clean()

    # HR on a phone, without a city of their own: hubs (no office anywhere, 4+ colleagues).
    settings.KITH_MAP_HUB_MIN_PEOPLE = 4
    hr = PersonFactory(full_name="Hana HR", city="", country="", latitude=None, longitude=None)
    login_for(hr, hr=True, password=PASSWORD)
    phone = open_browsing(viewport="phone")
    block_tiles(phone)
    phone.log_in(hr.email, PASSWORD)
    phone.goto("/map/")
    expect(phone.page.locator("#band-map .bandmap-count").first).to_be_visible()
    expect(phone.page.get_by_text("Kith does not know your city yet")).to_be_visible()
    hubs = phone.page.get_by_role("table").filter(has_text="Nearest office")
    expect(hubs.get_by_role("row")).to_have_count(3)  # the header, Lisbon and Sintra
    phone.shot("band map on a phone", full_page=False)
    phone.shot("band map on a phone, whole page, HR")
    forget_blocked_tiles(phone)
    phone.assert_clean()


def test_without_javascript_the_cities_and_near_me_are_lists(open_browsing, colleagues):
    plain = open_browsing(javascript=False)
    # Signing in needs no script: the login form posts normally.
    plain.log_in(colleagues.email, PASSWORD)
    plain.goto("/map/")
    cities = plain.page.get_by_role("table").filter(has_text="Country")
    expect(cities.get_by_role("row", name=re.compile("Lisbon"))).to_contain_text("5")
    expect(cities.get_by_role("row", name=re.compile("Porto"))).to_contain_text("3")
    expect(cities.get_by_role("row", name=re.compile("Madrid"))).to_have_count(0)
    expect(plain.page.get_by_role("list", name="Near me").get_by_role("listitem")).to_have_count(8)
    plain.shot("band map without javascript")
    plain.assert_clean()
