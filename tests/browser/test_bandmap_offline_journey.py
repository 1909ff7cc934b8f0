"""The Band Map without tiles still looks like a map (country outlines served by Kith), and a
remote colleague, far from everyone, is never left at a dead end: their nearest colleagues'
cities and the programs that work over video."""

from __future__ import annotations

import re
import urllib.request

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from kith.connect.models import Program
from kith.connect.tests.factories import ProgramFactory
from kith.directory.tests.factories import PersonFactory, login_for
from tests.browser.test_bandmap_journey import block_tiles, forget_blocked_tiles

pytestmark = pytest.mark.browser
PASSWORD = "pw-for-tests-1"
CITIES = {
    "Reykjavik": ("IS", 64.14660, -21.94260),
    "Lisbon": ("PT", 38.72509, -9.14980),
    "Dublin": ("IE", 53.34980, -6.26031),
    "Madrid": ("ES", 40.41650, -3.70256),
}


def person_in(city: str, **kwargs):
    country, lat, lon = CITIES[city]
    return PersonFactory(city=city, country=country, latitude=lat, longitude=lon, **kwargs)


@pytest.fixture
def remote(transactional_db, live_server):
    """Rán works from Reykjavik: the nearest colleagues are ~1,500 km away."""
    # A cold live server can take longer than a page's timeout to answer its first request on
    # a busy machine: answer one here, outside any browser timeout.
    urllib.request.urlopen(f"{live_server.url}/accounts/login/", timeout=120).close()
    cache.clear()
    for _ in range(4):
        person_in("Dublin")
    for _ in range(5):
        person_in("Lisbon")
    person_in("Madrid", full_name="Only One In Madrid")
    me = person_in("Reykjavik", full_name="Rán Remote", email="ran@example.com")
    login_for(me, password=PASSWORD)
    return me


def test_with_every_tile_blocked_the_map_draws_country_outlines(open_browsing, remote):
    desk = open_browsing()
    blocked = block_tiles(desk)
    desk.log_in(remote.email, PASSWORD)
    desk.goto("/map/")
    canvas = desk.page.locator("#band-map")
    expect(canvas).to_have_attribute("data-outlines", "drawn")
    expect(canvas).to_have_class(re.compile("has-outlines"))
    outlines = canvas.locator("path.bandmap-outline")
    expect(outlines.first).to_be_attached()
    assert outlines.count() > 150, outlines.count()  # one shape per country
    expect(canvas.locator(".leaflet-control-attribution")).to_contain_text("Natural Earth")
    expect(canvas.locator(".bandmap-marker", has_text=re.compile(r"^4$"))).to_be_visible()
    assert blocked, "the map asked for no tiles, so blocking them proved nothing"
    desk.shot("band map, tiles blocked, country outlines")
    forget_blocked_tiles(desk)
    desk.assert_clean()


def test_with_tiles_switched_off_no_tile_is_asked_for(open_browsing, remote, settings):
    settings.KITH_MAP_TILES_URL = ""  # KITH_MAP_TILES_URL=off
    desk = open_browsing()
    blocked = block_tiles(desk)
    desk.log_in(remote.email, PASSWORD)
    desk.goto("/map/")
    canvas = desk.page.locator("#band-map")
    expect(canvas).to_have_attribute("data-outlines", "drawn")
    assert canvas.locator("path.bandmap-outline").count() > 150
    assert canvas.locator("img.leaflet-tile").count() == 0
    assert blocked == []
    desk.assert_clean()


def test_a_remote_colleague_sees_their_nearest_colleagues_and_programs(open_browsing, remote):
    coffee = ProgramFactory(name="Coffee roulette", kind=Program.Kind.COFFEE)
    ProgramFactory(name="Lunch in Lisbon", kind=Program.Kind.LUNCH)
    phone = open_browsing(viewport="phone")
    block_tiles(phone)
    phone.log_in(remote.email, PASSWORD)
    phone.goto("/map/?radius=500")
    page = phone.page
    expect(page.locator("#near-summary")).to_contain_text("Nobody within 500 km of Reykjavik")
    nearest = page.get_by_role("list", name="Your nearest colleagues")
    expect(nearest.get_by_role("listitem")).to_have_count(2)  # Madrid's one is never shown
    expect(nearest.get_by_role("listitem").first).to_contain_text("Dublin")
    expect(nearest.get_by_role("listitem").first).to_contain_text("4 colleagues")
    expect(nearest.get_by_role("listitem").nth(1)).to_contain_text("Lisbon")
    expect(page.get_by_text("Only One In Madrid")).to_have_count(0)
    programs = page.get_by_role("list", name="Programs that work from anywhere")
    expect(programs.get_by_role("link")).to_have_count(1)
    expect(page.get_by_role("link", name="Lunch in Lisbon")).to_have_count(0)
    phone.shot("band map, a remote colleague's nearest colleagues")
    programs.get_by_role("link", name="Coffee roulette").click()
    expect(page).to_have_url(re.compile(rf"/connect/programs/{coffee.pk}/$"))
    forget_blocked_tiles(phone)
    phone.assert_clean()
