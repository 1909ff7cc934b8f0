"""The Band Map's pages and API: counts, near me, hubs, hiding, and the privacy rules."""

from __future__ import annotations

import json
import math
import random
import re

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from kith.bandmap import selectors
from kith.bandmap.models import MapPreference
from kith.bandmap.services import map_preference_set
from kith.core.permissions import AMBASSADORS_GROUP, viewer_for_user
from kith.directory.models import Office, Person
from kith.directory.services import person_update_profile
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory, login_for

CITIES = {
    "Lisbon": ("PT", 38.72509, -9.1498),
    "Sintra": ("PT", 38.80097, -9.37826),  # about 21 km from Lisbon
    "Coimbra": ("PT", 40.20564, -8.41955),  # about 178 km
    "Porto": ("PT", 41.14961, -8.61099),  # about 274 km
    "Madrid": ("ES", 40.4165, -3.70256),
}
MAP = "/map/"
API = "/api/v1/map"


def in_city(city: str, **kwargs):
    country, lat, lon = CITIES[city]
    return PersonFactory(city=city, country=country, latitude=lat, longitude=lon, **kwargs)


def client_for(person, *, hr: bool = False) -> Client:
    client = Client()
    client.force_login(login_for(person, hr=hr))
    return client


def page_data(response) -> dict:
    """The JSON the map's script draws from."""
    match = re.search(
        r'<script id="band-map-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, "the page has no map data"
    return json.loads(match.group(1))


def city_counts_in_page(response) -> dict[str, int]:
    return {c["name"]: c["count"] for c in page_data(response)["cities"]}


def city_rows(response) -> dict[str, str]:
    """The plain (no-JavaScript) list of cities: {city: count text}."""
    html = response.content.decode()
    table = html[html.index('class="data bandmap-cities"') :]
    table = table[: table.index("</table>")]
    return dict(re.findall(r'<th scope="row">([^<]+)</th><td>[A-Z]*</td><td>([^<]+)</td>', table))


@pytest.fixture
def lisbon_people(employee, manager):
    """The employee and the manager in Lisbon (the factory's city), and three more there."""
    return [employee, manager] + [in_city("Lisbon") for _ in range(3)]


# --- counts and the threshold ----------------------------------------------------------------


def test_cities_under_three_are_left_out_of_page_list_json_and_api(employee_client, employee):
    for _ in range(3):
        in_city("Porto")
    for _ in range(2):
        in_city("Coimbra")
    in_city("Madrid")
    # Lisbon: only the employee (the manager fixture is not created here).
    response = employee_client.get(MAP)
    assert response.status_code == 200
    assert city_counts_in_page(response) == {"Porto": 3}
    assert city_rows(response) == {"Porto": "3"}
    html = response.content.decode()
    assert "Coimbra" not in html and "Madrid" not in html
    api = employee_client.get(f"{API}/cities").json()
    assert [(c["name"], c["count"]) for c in api["cities"]] == [("Porto", 3)]
    assert api["min_count"] == 3 and api["people_shown"] == 3


def test_former_colleagues_and_people_without_coordinates_are_not_counted(employee_client):
    for _ in range(3):
        in_city("Porto")
    in_city("Porto", is_active=False)
    PersonFactory(city="Porto", country="PT", latitude=None, longitude=None)
    api = employee_client.get(f"{API}/cities").json()
    assert [(c["name"], c["count"]) for c in api["cities"]] == [("Porto", 3)]


def test_no_person_coordinates_ever_reach_the_page(employee_client, lisbon_people):
    data = page_data(employee_client.get(MAP + "?radius=50"))
    assert set(data) == {
        "tiles",
        "outlines",
        "cities",
        "near",
        "hubs",
        "offices",
        "offices_url",
    }
    assert data["offices"] == []  # offices are places, listed once HR adds them
    assert set(data["cities"][0]) == {"key", "name", "country", "lat", "lon", "count"}
    # Near me names a city (and the viewer's own city centre for the circle), never people.
    assert set(data["near"]) == {
        "lat",
        "lon",
        "radius_km",
        "total",
        "cities",
        "nearest",  # city keys of the map's own markers, when nobody is within the radius
        "focus",
    }
    assert data["near"]["cities"] == {"Lisbon|PT": 4}


# --- hiding ------------------------------------------------------------------------------------


def test_a_hidden_person_appears_in_no_list_count_or_answer(lisbon_people, employee):
    hidden = in_city("Sintra", full_name="Quiet Quinn")
    for _ in range(3):
        in_city("Sintra")
    porto = in_city("Porto", full_name="Porto Pat")
    map_preference_set(person=hidden, hidden=True)
    hr = client_for(
        PersonFactory(full_name="Hana HR", city="", latitude=None, longitude=None), hr=True
    )
    client = client_for(employee)

    response = client.get(MAP + "?radius=100")
    html = response.content.decode()
    assert "Quiet Quinn" not in html
    assert "Porto Pat" not in html  # 274 km away, outside the radius
    assert city_counts_in_page(response)["Sintra"] == 3  # four there, one hidden
    assert city_rows(response)["Sintra"] == "3"
    assert page_data(response)["near"]["cities"]["Sintra|PT"] == 3

    near = client.get(f"{API}/near", {"radius_km": 100}).json()
    assert hidden.pk not in [p["id"] for p in near["people"]]
    assert near["count"] == 4 + 3  # four Lisbon colleagues (not me) and three in Sintra
    cities = {c["name"]: c["count"] for c in client.get(f"{API}/cities").json()["cities"]}
    assert cities == {"Lisbon": 5, "Sintra": 3}
    hubs = {h["name"]: h["count"] for h in hr.get(f"{API}/hubs").json()["hubs"]}
    assert hubs == {"Lisbon": 5}  # Sintra has 3 shown, under the hub threshold of 5

    # Someone new in Sintra shows at once; a preference row saying "shown" counts like no row.
    map_preference_set(person=in_city("Sintra"), hidden=False)
    # Hiding three in Lisbon drops it under three, with the cache warm: it disappears.
    assert client.get(f"{API}/cities").json()["people_shown"] == 9
    map_preference_set(person=lisbon_people[2], hidden=True)
    map_preference_set(person=lisbon_people[3], hidden=True)
    map_preference_set(person=lisbon_people[4], hidden=True)
    cities = {c["name"]: c["count"] for c in client.get(f"{API}/cities").json()["cities"]}
    assert cities == {"Sintra": 4}
    assert "Lisbon" not in city_counts_in_page(client.get(MAP))
    assert porto.pk  # Porto (one person) was never shown
    assert "Porto" not in cities


def test_hiding_and_saved_people_show_at_once_while_a_manual_sql_fix_waits_for_the_cache(
    employee_client, employee
):
    sintra = [in_city("Sintra") for _ in range(4)]
    assert city_counts_in_page(employee_client.get(MAP)) == {"Sintra": 4}
    in_city("Sintra")  # saved: the cached counts follow at once
    assert city_counts_in_page(employee_client.get(MAP)) == {"Sintra": 5}
    map_preference_set(person=sintra[0], hidden=True)  # hidden: at once
    assert city_counts_in_page(employee_client.get(MAP)) == {"Sintra": 4}
    # An UPDATE outside Kith's code (a manual SQL fix: no save(), no directory_changed())
    # shows once the cached counts expire (CITY_CACHE_SECONDS).
    Person.objects.filter(pk=sintra[1].pk).update(city="Porto", latitude=41.14961)
    assert city_counts_in_page(employee_client.get(MAP)) == {"Sintra": 4}
    cache.delete(selectors.CITIES_KEY)  # as when CITY_CACHE_SECONDS have passed
    assert city_counts_in_page(employee_client.get(MAP)) == {"Sintra": 3}
    map_preference_set(person=sintra[2], hidden=True)
    assert city_counts_in_page(employee_client.get(MAP)) == {}


def test_the_hidden_person_still_uses_the_map_and_sees_they_are_hidden(employee, lisbon_people):
    map_preference_set(person=employee, hidden=True)
    client = client_for(employee)
    response = client.get(MAP)
    assert "You are <strong>hidden</strong>" in response.content.decode()
    assert city_counts_in_page(response)["Lisbon"] == 4
    others = client.get(f"{API}/near").json()["people"]
    assert len(others) == 4  # they can still look for colleagues nearby


def test_hide_and_show_from_the_page(employee_client, employee):
    response = employee_client.post(reverse("bandmap:preference"), {"hidden": "1"}, follow=True)
    assert "You are hidden from the map" in response.content.decode()
    assert MapPreference.objects.get(person=employee).hidden
    response = employee_client.post(reverse("bandmap:preference"), {"hidden": "0"}, follow=True)
    assert "You are on the map again" in response.content.decode()
    assert not MapPreference.objects.get(person=employee).hidden
    response = employee_client.post(reverse("bandmap:preference"), {"hidden": "yes"}, follow=True)
    assert "Choose whether to hide yourself" in response.content.decode()
    assert not MapPreference.objects.get(person=employee).hidden


def test_preference_through_the_api(employee_client, employee):
    assert employee_client.get(f"{API}/preference").json() == {"hidden": False}
    response = employee_client.put(
        f"{API}/preference", {"hidden": True}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json() == {"hidden": True}
    assert employee_client.get(f"{API}/preference").json() == {"hidden": True}
    bad = employee_client.put(
        f"{API}/preference", {"hidden": "maybe"}, content_type="application/json"
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"][-1] == "hidden"


def test_a_login_without_a_person_cannot_set_a_preference_but_hr_sees_the_map(hr_client):
    # hr_person exists, so HR has a person; an admin without one:
    admin = login_for(PersonFactory(email="gone@example.com", is_active=False), hr=True)
    client = Client()
    client.force_login(admin)
    assert client.get(f"{API}/preference").status_code == 403
    response = client.get(MAP)
    assert response.status_code == 200
    assert "your login has no directory entry" in response.content.decode()
    assert client.get(f"{API}/near").json()["problem"] == "no_person"


# --- near me -----------------------------------------------------------------------------------


def brute_force_near(me, people, radius_km: float) -> list[int]:
    def km(a, b):
        p1, p2 = math.radians(a.latitude), math.radians(b.latitude)
        dp, dl = p2 - p1, math.radians(b.longitude - a.longitude)
        h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
        return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, h)))

    found = [(km(me, p), p.full_name, p.pk) for p in people if p.pk != me.pk]
    return [pk for d, _, pk in sorted(found) if d <= radius_km]


@pytest.mark.parametrize("radius", [10, 50, 200])
def test_near_me_matches_brute_force_over_random_people(employee, manager, radius):
    rng = random.Random(radius)
    people = [employee, manager]
    for n in range(120):
        lat = employee.latitude + rng.uniform(-2.5, 2.5)
        lon = employee.longitude + rng.uniform(-3.0, 3.0)
        people.append(
            PersonFactory(
                full_name=f"Near {n:03d}", city=f"Town {n % 40}", latitude=lat, longitude=lon
            )
        )
    viewer = viewer_for_user(login_for(employee))
    query = selectors.NearQuery.build(radius_km=radius)
    near = selectors.near_me_for_viewer(viewer, query, 1)
    ids = []
    for number in range(1, near.page.paginator.num_pages + 1):
        page = selectors.near_me_for_viewer(viewer, query, number).page
        ids += [n.person.pk for n in page.object_list]
    assert ids == brute_force_near(employee, people, radius)
    assert near.total == len(ids)


def test_near_me_list_pages_link_to_profiles_and_keep_the_filters(employee_client, employee):
    for n in range(25):
        in_city("Sintra", full_name=f"Sintra Person {n:02d}")
    response = employee_client.get(MAP, {"radius": 30})
    html = response.content.decode()
    assert "26 colleagues within 30 km of Lisbon" in html  # and the manager, in Lisbon
    assert html.count('class="name" href="/people/') == selectors.NEAR_PAGE_SIZE
    assert "?radius=30&amp;page=2" in html
    page2 = employee_client.get(MAP, {"radius": 30, "page": 2}).content.decode()
    assert page2.count('class="name" href="/people/') == 6


def test_near_me_filters_by_interest_and_team(employee, manager, team):
    design = OrgUnitFactory(name="Design")
    jazz_fan = in_city("Sintra", full_name="Jazz Fan", org_unit=design)
    person_update_profile(person=jazz_fan, changes={}, interests=["Jazz"])
    teammate = in_city("Sintra", full_name="Platform Mate", org_unit=team)
    in_city("Sintra", full_name="Someone Else")
    client = client_for(employee)
    by_interest = client.get(f"{API}/near", {"interest": "jazz"}).json()
    assert [p["name"] for p in by_interest["people"]] == ["Jazz Fan"]
    by_team = client.get(f"{API}/near", {"team": team.parent_id}).json()  # the department
    assert [p["id"] for p in by_team["people"]] == [manager.pk, teammate.pk]  # nearest first
    html = client.get(MAP, {"interest": "Jazz"}).content.decode()
    assert "Jazz Fan" in html and "Someone Else" not in html
    none = client.get(f"{API}/near", {"team": 999999}).json()
    assert none["count"] == 0


def test_near_me_explains_a_missing_city(employee):
    employee.latitude = employee.longitude = None
    employee.city = ""
    employee.save()
    client = client_for(employee)
    html = client.get(MAP).content.decode()
    assert "Kith does not know your city yet" in html
    assert f'href="/people/{employee.pk}/"' in html
    answer = client.get(f"{API}/near").json()
    assert answer["problem"] == "no_city" and "HR" in answer["message"]
    assert answer["people"] == [] and answer["origin"] is None


def test_bad_near_me_input_is_named(employee_client):
    html = employee_client.get(MAP, {"radius": "5"}).content.decode()
    assert "Within (km): at least 10 km." in html
    html = employee_client.get(MAP, {"radius": "far"}).content.decode()
    assert "Within (km): a whole number of km, 10 to 500." in html
    html = employee_client.get(MAP, {"team": "123456789012345678901"}).content.decode()
    assert "Choose a team from the list." in html
    answer = employee_client.get(f"{API}/near", {"radius_km": 501})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"][-1] == "radius_km"


# --- hubs --------------------------------------------------------------------------------------


def test_hubs_are_big_cities_without_an_office_for_hr_and_ambassadors(employee, hr_person):
    for _ in range(5):
        in_city("Porto")
        in_city("Madrid")
    for _ in range(4):
        in_city("Coimbra")  # under the default of 5
    Office.objects.create(
        name="Madrid office", city="Madrid", country="ES", latitude=40.42, longitude=-3.7,
        timezone="Europe/Madrid",
    )  # fmt: skip
    hr = client_for(hr_person, hr=True)
    hubs = hr.get(f"{API}/hubs").json()
    assert [(h["name"], h["count"], h["nearest_office"]) for h in hubs["hubs"]] == [
        ("Porto", 5, "Madrid office")
    ]
    assert hubs["hubs"][0]["nearest_office_km"] > 400
    html = hr.get(MAP).content.decode()
    assert "Hubs without an office" in html
    assert page_data(hr.get(MAP))["hubs"] == ["Porto|PT"]

    employee_client = client_for(employee)
    assert employee_client.get(f"{API}/hubs").status_code == 403
    assert "Hubs without an office" not in employee_client.get(MAP).content.decode()
    assert page_data(employee_client.get(MAP))["hubs"] == []

    ambassador = login_for(in_city("Lisbon"))
    ambassador.groups.add(Group.objects.get_or_create(name=AMBASSADORS_GROUP)[0])
    client = Client()
    client.force_login(ambassador)
    assert [h["name"] for h in client.get(f"{API}/hubs").json()["hubs"]] == ["Porto"]


def test_hub_threshold_is_a_setting(settings, hr_person):
    settings.KITH_MAP_HUB_MIN_PEOPLE = 3
    for _ in range(3):
        in_city("Coimbra")
    hubs = client_for(hr_person, hr=True).get(f"{API}/hubs").json()
    assert [h["name"] for h in hubs["hubs"]] == ["Coimbra"]
    assert hubs["min_people"] == 3


# --- pages, static files, the tile server ------------------------------------------------------


def test_the_map_page_loads_leaflet_from_the_installed_packages(employee_client, settings):
    settings.KITH_MAP_TILES_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    response = employee_client.get(MAP)
    html = response.content.decode()
    for path in (
        "/static/leaflet/leaflet.js",
        "/static/leaflet/leaflet.css",
        "/static/leaflet-markercluster/leaflet.markercluster-src.js",
        "/static/bandmap/bandmap.js",
    ):
        assert path in html
        assert employee_client.get(path).status_code == 200
    assert page_data(response)["tiles"]["url"] == settings.KITH_MAP_TILES_URL
    assert "https://tile.openstreetmap.org" in response["Content-Security-Policy"]


def test_people_who_cannot_browse_the_directory_do_not_see_the_map(db):
    former = PersonFactory(is_active=False)
    client = Client()
    client.force_login(login_for(former))
    assert client.get(MAP).status_code == 403
    assert client.get(f"{API}/cities").status_code == 403
    anonymous = Client()
    assert anonymous.get(f"{API}/cities").status_code == 401
    assert anonymous.get(MAP).status_code == 302


def test_demo_seed_hides_a_few_people_but_never_a_demo_login(employee, manager):
    import datetime as dt

    from kith.bandmap import demo_seed

    others = [in_city("Porto") for _ in range(40)]
    line = demo_seed.seed(today=dt.date(2026, 3, 2), seed=1, demo_emails=[employee.email.upper()])
    hidden = set(MapPreference.objects.filter(hidden=True).values_list("person_id", flat=True))
    assert line == f"Band Map: {len(hidden)} people chose to hide from the map."
    assert 1 <= len(hidden) <= 3 and employee.pk not in hidden
    assert hidden <= {p.pk for p in [*others, manager]}
    demo_seed.seed(today=dt.date(2026, 3, 2), seed=1, demo_emails=[employee.email])  # again
    assert MapPreference.objects.count() == len(hidden)


def test_my_own_export_says_whether_i_am_hidden_and_where_i_am_counted(employee):
    assert selectors.my_bandmap_data(employee) == {
        "hidden_from_map": False,
        "preference_changed_at": None,
        "counted_in_city": "Lisbon, PT",
    }
    map_preference_set(person=employee, hidden=True)
    data = selectors.my_bandmap_data(employee)
    assert data["hidden_from_map"] is True and data["counted_in_city"] == ""
    assert data["preference_changed_at"]
