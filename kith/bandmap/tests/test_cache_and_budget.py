"""What the Band Map keeps in the shared cache, who invalidates it, that nothing cached
carries one viewer's view to another, and how many queries each page and endpoint costs
(the same at a small and a larger organisation: counts, never timings)."""

from __future__ import annotations

import random

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kith.bandmap import selectors
from kith.bandmap.models import MapPreference
from kith.bandmap.services import map_preference_set
from kith.bandmap.tests.test_map import city_counts_in_page, client_for, in_city, page_data
from kith.directory.caching import directory_changed
from kith.directory.models import Office, Person, Tag
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory

MAP = "/map/"
API = "/api/v1/map"


# --- who invalidates the cached city counts ----------------------------------------------------


def test_an_imports_bulk_sql_is_counted_once_the_importer_tells_the_directory(employee_client):
    """The HR import writes with SQL (no save(), no signal) and then calls the directory's
    directory_changed(), as kith/directory/importing/apply.py does: new people, a move to
    another city and leavers all show on the next request."""
    for _ in range(3):
        in_city("Sintra")
    porto = [in_city("Porto") for _ in range(2)]
    assert city_counts_in_page(employee_client.get(MAP)) == {"Sintra": 3}
    new = Person.objects.bulk_create(
        [
            Person(employee_id=f"I{i}", email=f"i{i}@example.com", full_name=f"Imported {i}")
            for i in range(2)
        ]
    )
    Person.objects.filter(pk__in=[p.pk for p in new]).update(
        city="Sintra", country="PT", latitude=38.80097, longitude=-9.37826
    )
    assert city_counts_in_page(employee_client.get(MAP)) == {"Sintra": 3}  # not told yet
    directory_changed()
    assert city_counts_in_page(employee_client.get(MAP)) == {"Sintra": 5}
    # A move to another city, and leavers.
    Person.objects.filter(pk=new[0].pk).update(city="Porto", latitude=41.14961, longitude=-8.61099)
    Person.objects.filter(pk=new[1].pk).update(is_active=False)
    directory_changed()
    assert city_counts_in_page(employee_client.get(MAP)) == {"Sintra": 3, "Porto": 3}
    assert len(porto) == 2


def test_deleting_a_person_or_a_preference_is_counted_at_once(employee_client):
    sintra = [in_city("Sintra") for _ in range(4)]
    map_preference_set(person=sintra[0], hidden=True)
    assert city_counts_in_page(employee_client.get(MAP)) == {"Sintra": 3}
    MapPreference.objects.get(person=sintra[0]).delete()  # no row: shown again
    assert city_counts_in_page(employee_client.get(MAP)) == {"Sintra": 4}
    sintra[1].delete()
    assert city_counts_in_page(employee_client.get(MAP)) == {"Sintra": 3}


def test_inside_a_transaction_the_generation_moves_again_once_it_commits(
    employee, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        map_preference_set(person=employee, hidden=True)
    assert callbacks  # a bump after commit (and one at once, for the writer's next request)
    generation = cache.get(selectors.GENERATION_KEY)
    callbacks[-1]()
    assert cache.get(selectors.GENERATION_KEY) != generation


def test_the_cache_holds_only_what_the_city_table_publishes(employee):
    for _ in range(3):
        in_city("Porto")
    for _ in range(2):
        in_city("Coimbra")
    selectors.city_counts()
    generations, rows = cache.get(selectors.CITIES_KEY)
    assert generations == (
        cache.get(selectors.DIRECTORY_GENERATION),
        cache.get(selectors.GENERATION_KEY),
    )
    # City as stored (translated when read), country, centre, count: no person, nothing < 3.
    assert rows == [("Porto", "PT", pytest.approx(41.14961), pytest.approx(-8.61099), 3)]


# --- two viewers -------------------------------------------------------------------------------


def test_a_person_who_hides_is_in_nothing_another_viewer_gets_from_a_warm_cache(employee, manager):
    """Whoever fills the cache, before or after hiding, the other viewer never sees the
    hidden person: not in a count, not in near me, not in hubs."""
    quiet = in_city("Lisbon", full_name="Quiet Quinn")
    for _ in range(4):
        in_city("Lisbon")
    quiet_client, other = client_for(quiet), client_for(employee)
    hr = client_for(manager, hr=True)
    before = city_counts_in_page(other.get(MAP))  # the other viewer fills the cache
    assert before == {"Lisbon": 7}
    map_preference_set(person=quiet, hidden=True)
    mine = quiet_client.get(MAP)  # the hidden person fills it again
    assert "You are <strong>hidden</strong>" in mine.content.decode()
    assert city_counts_in_page(mine) == {"Lisbon": 6}
    response = other.get(MAP)
    assert city_counts_in_page(response) == {"Lisbon": 6}
    assert page_data(response)["near"]["cities"] == {"Lisbon|PT": 5}
    assert "Quiet Quinn" not in response.content.decode()
    assert "You are <strong>hidden</strong>" not in response.content.decode()
    near = other.get(f"{API}/near", {"radius_km": 100}).json()
    assert quiet.pk not in [p["id"] for p in near["people"]] and near["count"] == 5
    assert {h["name"]: h["count"] for h in hr.get(f"{API}/hubs").json()["hubs"]} == {"Lisbon": 6}
    # And the preference itself is the person's own: the other viewer is told nothing of it.
    assert other.get(f"{API}/preference").json() == {"hidden": False}
    assert quiet_client.get(f"{API}/preference").json() == {"hidden": True}


def test_a_viewers_language_is_not_cached_for_the_next(employee):
    for _ in range(3):
        PersonFactory(city="", country="PT", latitude=39.0, longitude=-8.0)
    pt = client_for(employee).get(f"{API}/cities", HTTP_ACCEPT_LANGUAGE="pt").json()
    en = client_for(employee).get(f"{API}/cities", HTTP_ACCEPT_LANGUAGE="en").json()
    assert [c["name"] for c in en["cities"]] == ["Unnamed place"]
    assert [c["name"] for c in pt["cities"]] != ["Unnamed place"]


def test_hubs_filled_by_hr_are_still_refused_to_a_colleague(employee, manager):
    for _ in range(5):
        in_city("Sintra")
    assert client_for(manager, hr=True).get(f"{API}/hubs").status_code == 200
    assert client_for(employee).get(f"{API}/hubs").status_code == 403
    assert "Hubs without an office" not in client_for(employee).get(MAP).content.decode()


# --- query budget ------------------------------------------------------------------------------

# Queries with the cache warm (the second request). Every request: the session, the user, their
# groups and their directory entry (4); every page adds the navigation's 3 (notifications,
# insights, wellness week). The map page itself: the team choices, near me's counts per city
# centre and the page of people shown, the cached city counts, the offices, the viewer's
# preference and the interest suggestions (7). HR's hubs read the cached counts and the
# offices again (+2). Nobody nearby: no page of people, but the 500 km check, the cached
# counts for the nearest cities and the Connect programs (+2). The API: the same 4, then its
# answer's own (near me: 2, a team adds its unit, nobody nearby the 500 km check and the
# cached counts).
BUDGET = {
    "map": 14,
    "map_500_interest_page2": 14,
    "map_hr": 16,
    "map_dead_end": 16,
    "cities": 5,
    "near": 6,
    "near_500_team": 7,
    "near_dead_end": 7,
    "hubs": 6,
    "preference": 5,
}


def seed(size: int) -> dict[str, Person]:
    """An organisation of `size` people around Lisbon in size // 10 towns, with interests,
    teams, hidden people and offices; a viewer in Lisbon and one in Reykjavik (nobody
    within 500 km)."""
    rng = random.Random(size)
    unit = OrgUnitFactory(name=f"Department {size}", kind="department")
    tags = [
        Tag.objects.get_or_create(kind=Tag.Kind.INTEREST, name=f"Hobby {i}", slug=f"hobby-{i}")[0]
        for i in range(5)
    ]
    towns = [
        (f"Town {t}", 38.7 + rng.uniform(-2, 2), -9.1 + rng.uniform(-2, 2))
        for t in range(size // 10)
    ]
    people = Person.objects.bulk_create(
        [
            Person(
                employee_id=f"B{size}-{i}",
                email=f"b{size}-{i}@example.com",
                full_name=f"Person {rng.randrange(10**6)}",
                city=town,
                country="PT",
                latitude=lat,
                longitude=lon,
                org_unit=unit,
            )
            for i, (town, lat, lon) in enumerate(rng.choices(towns, k=size))
        ]
    )
    through = Person.tags.through
    through.objects.bulk_create(
        [through(person_id=p.pk, tag_id=rng.choice(tags).pk) for p in people]
    )
    MapPreference.objects.bulk_create(
        [MapPreference(person=p, hidden=True) for p in rng.sample(people, size // 20)]
    )
    for i in range(max(1, size // 50)):
        Office.objects.create(
            name=f"Office {size}-{i}",
            city="Lisbon",
            country="PT",
            latitude=38.7,
            longitude=-9.1,
            timezone="Europe/Lisbon",
        )
    lisbon = in_city("Lisbon", full_name="Lisbon Viewer", org_unit=unit)
    for _ in range(size // 4):
        in_city("Lisbon")  # many people at the viewer's own centre
    remote = PersonFactory(
        full_name="Remote Viewer",
        city="Reykjavik",
        country="IS",
        latitude=64.1466,
        longitude=-21.9426,
    )
    hr = PersonFactory(full_name="HR Viewer", city="Lisbon", latitude=38.7, longitude=-9.1)
    return {"lisbon": lisbon, "remote": remote, "hr": hr, "unit": unit}


def counts(people: dict) -> dict[str, int]:
    unit = people["unit"].pk
    employee, remote = client_for(people["lisbon"]), client_for(people["remote"])
    hr = client_for(people["hr"], hr=True)
    requests = {
        "map": (employee, MAP),
        "map_500_interest_page2": (employee, f"{MAP}?radius=500&interest=Hobby+1&page=2"),
        "map_hr": (hr, MAP),
        "map_dead_end": (remote, MAP),
        "cities": (employee, f"{API}/cities"),
        "near": (employee, f"{API}/near"),
        "near_500_team": (employee, f"{API}/near?radius_km=500&team={unit}&page=3"),
        "near_dead_end": (remote, f"{API}/near?radius_km=100"),
        "hubs": (hr, f"{API}/hubs"),
        "preference": (employee, f"{API}/preference"),
    }
    found = {}
    for name, (client, url) in requests.items():
        assert client.get(url).status_code == 200, url  # warms the cache and the session
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        found[name] = len(queries)
    return found


@pytest.mark.django_db
def test_every_page_and_endpoint_costs_the_same_few_queries_at_any_size():
    small = counts(seed(40))
    Person.objects.all().delete()
    cache.clear()
    large = counts(seed(400))
    assert large == small, "a count grows with the organisation"
    over = {name: (n, BUDGET[name]) for name, n in small.items() if n > BUDGET[name]}
    assert not over, over


# --- the team filter's select ------------------------------------------------------------------


def test_the_team_select_is_what_djangos_own_select_writes(db, team):
    """PlainSelect writes the options in one pass; the HTML means the same as Django's
    Select: the same options, the one chosen, the error attributes, names escaped."""
    import re
    from html.parser import HTMLParser

    from django import forms

    from kith.bandmap.forms import NearForm

    OrgUnitFactory(name="R&D <Labs>", kind="department")

    class Parsed(HTMLParser):
        def __init__(self, html: str) -> None:
            super().__init__()
            self.tags: list[tuple[str, tuple]] = []
            self.text: list[str] = []
            self.feed(html)

        def handle_starttag(self, tag, attrs):
            self.tags.append((tag, tuple(sorted(attrs, key=lambda a: a[0]))))

        def handle_data(self, data):
            if data.strip():
                self.text.append(data)

    for data in (None, {"team": str(team.pk)}, {"team": "999999"}):
        form = NearForm(data)
        if data:
            form.is_valid()
        ours = str(form["team"])
        form.fields["team"].widget = forms.Select(choices=form.fields["team"].choices)
        theirs = str(form["team"])
        assert Parsed(ours).tags == Parsed(theirs).tags, data
        assert Parsed(ours).text == Parsed(theirs).text, data
        assert "R&amp;D &lt;Labs&gt;" in ours
        assert len(re.findall(" selected", ours)) == (0 if data and data["team"] == "999999" else 1)
