"""Nobody dead-ends on the Band Map (the nearest colleagues beyond the radius, programs that
work from anywhere), and the map still looks like a map without tiles (country outlines)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from django.test import Client

from kith.bandmap import outlines, selectors
from kith.bandmap.engine import geo
from kith.bandmap.services import map_preference_set
from kith.bandmap.tests.test_map import client_for, page_data
from kith.bandmap.tiles import checked_tiles_url, tiles_csp_sources
from kith.connect.models import Program
from kith.connect.tests.factories import ProgramFactory
from kith.core.permissions import viewer_for_user
from kith.directory.tests.factories import PersonFactory, login_for

CITIES = {
    "Reykjavik": ("IS", 64.14660, -21.94260),
    "Lisbon": ("PT", 38.72509, -9.14980),
    "Sintra": ("PT", 38.80097, -9.37826),
    "Coimbra": ("PT", 40.20564, -8.41955),  # ~178 km from Lisbon
    "Porto": ("PT", 41.14961, -8.61099),
    "Madrid": ("ES", 40.41650, -3.70256),
    "Dublin": ("IE", 53.34980, -6.26031),
}
API = "/api/v1/map"


def in_city(city: str, **kwargs):
    country, lat, lon = CITIES[city]
    return PersonFactory(city=city, country=country, latitude=lat, longitude=lon, **kwargs)


def people_in(city: str, n: int) -> list:
    return [in_city(city) for _ in range(n)]


def near_for(person, radius_km: int, **filters) -> selectors.NearMe:
    viewer = viewer_for_user(login_for(person))
    query = selectors.NearQuery.build(radius_km=radius_km, **filters)
    return selectors.near_me_for_viewer(viewer, query)


@pytest.fixture
def remote(db):
    """Someone in Reykjavik, far beyond 500 km of anyone: Dublin 4 (~1,495 km), Madrid 3
    (~2,891 km), Lisbon 5 (~2,950 km), and two in Porto (too few for the map)."""
    people_in("Lisbon", 5)
    people_in("Dublin", 4)
    people_in("Madrid", 3)
    people_in("Porto", 2)
    return in_city("Reykjavik", full_name="Rán Remote")


# --- nearest colleagues ------------------------------------------------------------------------


def test_beyond_the_largest_radius_the_nearest_cities_are_listed_with_the_maps_counts(remote):
    near = near_for(remote, selectors.MAX_RADIUS_KM)
    assert near.total == 0 and near.dead_end
    assert [(c.name, c.count) for c in near.nearest] == [
        ("Dublin", 4),
        ("Madrid", 3),
        ("Lisbon", 5),
    ]
    distances = [c.distance_km for c in near.nearest]
    assert distances == sorted(distances) and distances[0] > selectors.MAX_RADIUS_KM
    assert near.wider is False  # nobody within 500 km either


def test_the_nearest_cities_never_say_more_than_the_city_table(remote):
    """An attacker comparing answers at every radius, before and after someone hides, learns
    nothing beyond the map's own city table: every entry is a row of it, count and all, and
    no number is ever summed over a band of distances."""
    viewer = viewer_for_user(login_for(remote))
    for step in ("before", "after hiding"):
        table = {(c.name, c.country, c.count) for c in selectors.cities_for_viewer(viewer).cities}
        for radius in (10, 50, 200, 500):
            near = near_for(remote, radius)
            for c in near.nearest:
                assert (c.name, c.country, c.count) in table, (step, radius, c)
            assert all((c.count or 0) >= selectors.MIN_CITY_COUNT for c in near.nearest)
        if step == "before":
            map_preference_set(person=in_city("Madrid"), hidden=False)  # Madrid: 4 shown
            map_preference_set(
                person=selectors.map_people(viewer).filter(city="Dublin")[0], hidden=True
            )
    names = [c.name for c in near_for(remote, 500).nearest]
    assert "Porto" not in names  # two people: never a number, never a name here


def test_someone_within_the_largest_radius_is_pointed_at(db):
    me = in_city("Coimbra")
    people_in("Lisbon", 3)
    near = near_for(me, 50)
    assert near.total == 0
    assert near.wider is True
    assert [c.name for c in near.nearest] == ["Lisbon"]
    assert near_for(me, 500).total == 3


def test_a_filtered_search_that_finds_nobody_suggests_fewer_filters_not_other_cities(db):
    me = in_city("Lisbon")
    people_in("Lisbon", 4)
    near = near_for(me, 50, interest="Underwater rugby")
    assert near.total == 0 and not near.dead_end
    assert near.nearest == [] and near.wider is False


def test_hidden_people_and_the_viewer_do_not_count_towards_a_listed_city(db):
    me = in_city("Reykjavik")
    madrid = people_in("Madrid", 3)
    map_preference_set(person=madrid[0], hidden=True)
    people_in("Lisbon", 3)
    assert [c.name for c in near_for(me, 500).nearest] == ["Lisbon"]


def test_the_page_lists_nearest_colleagues_and_virtual_programs(remote):
    coffee = ProgramFactory(name="Coffee roulette", kind=Program.Kind.COFFEE)
    mentoring = ProgramFactory(name="Mentors anywhere", kind=Program.Kind.MENTORING)
    ProgramFactory(name="Lunch in Lisbon", kind=Program.Kind.LUNCH)
    ProgramFactory(name="Old coffee", kind=Program.Kind.COFFEE, is_active=False)
    response = client_for(remote).get("/map/?radius=500")
    html = response.content.decode()
    assert "Your nearest colleagues" in html
    assert "Dublin" in html and "4 colleagues" in html
    assert f"/connect/programs/{coffee.pk}/" in html
    assert f"/connect/programs/{mentoring.pk}/" in html
    assert "Lunch in Lisbon" not in html and "Old coffee" not in html
    assert "Try a wider distance" not in html  # 500 km is as wide as it goes
    data = page_data(response)
    assert data["near"]["nearest"] == ["Dublin|IE", "Madrid|ES", "Lisbon|PT"]


def test_someone_without_a_city_is_shown_the_virtual_programs(db):
    me = PersonFactory(city="", country="", latitude=None, longitude=None)
    coffee = ProgramFactory(name="Coffee roulette", kind=Program.Kind.COFFEE)
    html = client_for(me).get("/map/").content.decode()
    assert "Kith does not know your city yet" in html
    assert f"/connect/programs/{coffee.pk}/" in html


def test_nobody_nearby_is_not_shown_when_colleagues_are_found(db):
    me = in_city("Lisbon")
    people_in("Sintra", 3)
    ProgramFactory(name="Coffee roulette")
    html = client_for(me).get("/map/?radius=50").content.decode()
    assert "Your nearest colleagues" not in html and "Coffee roulette" not in html


def test_the_api_gives_the_nearest_cities_and_whether_a_wider_search_finds_someone(remote):
    body = client_for(remote).get(f"{API}/near", {"radius_km": 100}).json()
    assert body["count"] == 0 and body["wider"] is False
    assert [(c["name"], c["count"]) for c in body["nearest"]] == [
        ("Dublin", 4),
        ("Madrid", 3),
        ("Lisbon", 5),
    ]


def test_nearest_beyond_in_the_engine():
    lats = np.array([0.0, 0.0, 0.0, 0.0])
    lons = np.array([0.1, 5.0, 2.0, 9.0])  # ~11, ~556, ~222 and ~1001 km from (0, 0)
    found = geo.nearest_beyond(0.0, 0.0, lats, lons, beyond_km=100, limit=2)
    assert found.indices.tolist() == [2, 1]
    assert found.distances_km[0] == pytest.approx(222.4, abs=0.5)
    assert geo.nearest_beyond(0.0, 0.0, lats, lons, beyond_km=2000, limit=5).indices.size == 0


# --- outlines and tiles switched off -----------------------------------------------------------


def test_the_outlines_are_natural_earth_countries_light_enough_to_send():
    document = outlines.outlines_document()
    assert len(document) < 1_000_000
    shapes = json.loads(document)
    assert shapes["type"] == "FeatureCollection"
    assert len(shapes["features"]) > 150
    for feature in shapes["features"]:
        assert feature["geometry"]["type"] == "MultiPolygon"
        for polygon in feature["geometry"]["coordinates"]:
            for ring in polygon:
                assert len(ring) >= 4 and ring[0] == ring[-1]
                assert all(round(x, 2) == x and -180 <= x <= 180 for x, _ in ring)


def test_the_outlines_endpoint_is_cached_and_answers_304_when_unchanged(employee_client: Client):
    response = employee_client.get("/map/outlines.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "max-age=86400" in response["Cache-Control"]
    assert len(json.loads(response.content)["features"]) > 150
    again = employee_client.get("/map/outlines.json", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_the_outlines_need_a_signed_in_colleague():
    assert Client().get("/map/outlines.json").status_code in (302, 403)


def test_without_the_package_there_are_no_outlines_and_a_warning(monkeypatch):
    monkeypatch.setattr(outlines.importlib.util, "find_spec", lambda name: None)
    assert outlines.data_dir() is None
    assert [w.id for w in outlines.check_outlines()] == ["bandmap.W001"]


@pytest.mark.parametrize("value", ["off", "OFF", "none", ""])
def test_tiles_can_be_switched_off(value):
    assert checked_tiles_url(value) == ""
    assert tiles_csp_sources("") == []


def test_with_tiles_off_the_page_asks_for_outlines_only(employee_client, settings):
    settings.KITH_MAP_TILES_URL = ""
    data = page_data(employee_client.get("/map/"))
    assert data["tiles"]["url"] == ""
    assert data["outlines"]["url"] == "/map/outlines.json"
    assert "Natural Earth" in data["outlines"]["attribution"]


def test_a_rule_the_service_refuses_is_a_400_naming_it(employee_client, monkeypatch):
    """config/api.py's handler turns the service's ValidationError into the 400."""
    from django.core.exceptions import ValidationError

    from kith.bandmap import services

    def refuse(**kwargs):
        raise ValidationError("Only active colleagues appear on the map.")

    monkeypatch.setattr(services, "map_preference_set", refuse)
    response = employee_client.put(
        f"{API}/preference", data={"hidden": True}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "Only active colleagues appear on the map."}


# --- in Portuguese -----------------------------------------------------------------------------


def test_the_map_speaks_portuguese_to_a_portuguese_browser(remote):
    ProgramFactory(name="Coffee roulette", kind=Program.Kind.COFFEE)
    html = client_for(remote).get("/map/?radius=500", HTTP_ACCEPT_LANGUAGE="pt").content.decode()
    assert "Perto de mim" in html
    assert "Os colegas mais próximos de si" in html
    assert (
        "4 colegas · a 1495 km" in html
        or "4 colegas · a 1.495 km" in html
        or ("4 colegas · a 1 495 km" in html)
    ), html[html.index("bandmap-nearest-list") :][:600]
    assert "Ainda não há ninguém a menos de 500 km de Reykjavik." in html


def test_a_refusal_is_in_portuguese(db):
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from kith.bandmap import services

    class Leaver:
        is_active = False

    with translation.override("pt"), pytest.raises(ValidationError) as caught:
        services.map_preference_set(person=Leaver(), hidden=True)
    assert caught.value.messages == ["Só os colegas no ativo aparecem no mapa."]
