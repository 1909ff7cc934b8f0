"""What the directory's pages and API cost in queries (issue 15): a handful each, the same for a
small organisation as for one several times larger (more people, teams, cities, tags, pages
and a deeper management line), for an employee, a manager and HR. Counts, never timings.

Also what makes those counts possible stays correct: the cached city suggestions and
headcounts (kith.directory.caching) per kind of viewer and after every kind of write, paging
from the end, the capped count of a broad search, word-start matching for short words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kith.accounts.models import User
from kith.core.permissions import viewer_for_user
from kith.directory import caching, selectors
from kith.directory.importing.apply import people_import
from kith.directory.models import OrgUnit, Person
from kith.directory.provisioning import person_deactivate
from kith.directory.services import orgunit_move, person_update_profile
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory, login_for

pytestmark = pytest.mark.django_db

# Whole requests with warm caches, one over what they cost today. Every request starts with 7
# that are not the directory's: the session, the login, its groups and its person, then the
# navigation's unread notifications, insights switch and wellness week (the API: the first 4,
# and the groups and person again for its own viewer). The directory's own part follows.
BUDGET = {
    "/": 19,  # new joiners, teammates, reports (the headcount is cached); the other apps'
    # cards need 5 for an employee, 8 for HR
    "/people/": 12,  # ids of the page, their rows, their tags, the team choices
    "search": 14,  # and the capped count; the tags' ids for an interest or skill; the
    # city names for a city (a cache read, not a query, in these tests)
    "team search": 14,  # and the team
    "htmx": 12,  # the results only: no team choices, no city suggestions
    "profile": 13,  # the person, their tags, the line above (2 at any depth), the reports
    "team": 14,  # unit, sub-units, members, their tags, breadcrumb, headcount
    "org chart": 14,  # the tree; the person, tags, the line above (2), reports
    "api list": 10,  # ids of the page, their rows, their tags
    "api search": 12,  # and the capped count (and the team, or the tags' ids)
    "api person": 9,  # the person and their tags
}


@pytest.fixture(autouse=True)
def _memory_cache(settings):
    """The shared cache in memory, emptied for each test: in the database cache a read is a
    query too, and a write a few, which would blur the directory's own counts."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "directory-queries",
        }
    }
    cache.clear()
    yield
    cache.clear()


@dataclass
class Org:
    department: OrgUnit
    team: OrgUnit
    head: Person
    manager: Person
    employee: Person
    hr: Person
    clients: dict[str, Client] = field(default_factory=dict)


def _client(person: Person, *, hr: bool = False) -> Client:
    client = Client()
    client.force_login(login_for(person, hr=hr))
    return client


@pytest.fixture
def org() -> Org:
    department = OrgUnitFactory(name="Engineering", kind="department")
    team = OrgUnitFactory(name="Platform", parent=department)
    head = PersonFactory(full_name="Hana Head", title="Head of Engineering", org_unit=department)
    manager = PersonFactory(full_name="Maya Jackson", org_unit=team, manager=head)
    employee = PersonFactory(full_name="Margarida Ribeiro", org_unit=team, manager=manager)
    person_update_profile(person=employee, changes={}, interests=["Climbing"], skills=["Python"])
    hr = PersonFactory(
        full_name="Jasmine Garcia", org_unit=OrgUnitFactory(name="People", kind="department")
    )
    for i in range(4):
        PersonFactory(full_name=f"Ana Silva{i}", org_unit=team, manager=manager, city="Porto")
    PersonFactory(full_name="Former Colleague", is_active=False, city="Oslo", country="NO")
    org = Org(department, team, head, manager, employee, hr)
    org.clients = {
        "employee": _client(employee),
        "manager": _client(manager),
        "hr": _client(hr, hr=True),
    }
    return org


def _grow(org: Org) -> None:
    """Several times the people, three more levels of management above the head, six more
    teams, cities, tags, former colleagues and pages of results."""
    top: Person | None = None
    for level in range(3):
        top = PersonFactory.create(
            full_name=f"Chief Level{level}", manager=top, org_unit=org.department
        )
    org.head.manager = top
    org.head.save(update_fields=["manager"])
    cities = ["Berlin", "Tokyo", "Lagos", "Lima", "Porto", "Lisbon"]
    for t in range(6):
        unit = OrgUnitFactory(name=f"Squad {t}", parent=org.team)
        lead = PersonFactory(full_name=f"Lead Number{t}", org_unit=unit, manager=org.manager)
        for i in range(12):
            person = PersonFactory(
                full_name=f"Member{t} Person{i}", org_unit=unit, manager=lead, city=cities[i % 6]
            )
            if i % 2 == 0:
                person_update_profile(
                    person=person, changes={}, interests=["Climbing", f"Club {t}"], skills=["Go"]
                )
        PersonFactory(full_name=f"Gone Person{t}", org_unit=unit, is_active=False, city="Quito")


def _routes(org: Org) -> list[tuple[str, str]]:
    """(budget, url) for every directory page and API read."""
    return [
        ("/", "/"),
        ("/people/", "/people/"),
        ("/people/", "/people/?page=2"),
        ("/people/", "/people/?page=9999"),  # the last page
        ("search", "/people/?q=ana"),
        ("search", "/people/?q=ma"),  # a short word: word starts
        ("search", "/people/?q=margarida+lisbon"),
        ("search", "/people/?city=lisbon"),
        ("search", "/people/?interest=climbing"),
        ("search", "/people/?skill=python&city=Lisbon"),
        ("team search", f"/people/?team={org.department.pk}"),
        ("team search", f"/people/?team={org.department.pk}&page=9999"),
        ("htmx", "/people/?q=silva"),
        ("profile", f"/people/{org.employee.pk}/"),
        ("profile", f"/people/{org.manager.pk}/"),
        ("team", f"/people/teams/{org.department.pk}/"),
        ("team", f"/people/teams/{org.team.pk}/"),
        ("org chart", "/people/teams/"),
        ("org chart", f"/people/teams/?person={org.employee.pk}"),
        ("api list", "/api/v1/people"),
        ("api list", "/api/v1/people?page=9999"),
        ("api search", "/api/v1/people?q=ana"),
        ("api search", "/api/v1/people?interest=climbing&page=2"),
        ("api search", f"/api/v1/people?team={org.team.pk}"),
        ("api person", f"/api/v1/people/{org.employee.pk}"),
        ("api person", f"/api/v1/people/{org.employee.pk}/private"),
        ("api person", "/api/v1/people/me"),
    ]


def _counts(org: Org, django_assert_max_num_queries) -> dict[tuple[str, str], int]:
    counts = {}
    for role, client in org.clients.items():
        for budget, url in _routes(org):
            headers = {"HX-Request": "true"} if budget == "htmx" else {}
            client.get(url, headers=headers)  # the cached figures in place
            with (
                django_assert_max_num_queries(BUDGET[budget], info=f"{role} {url}"),
                CaptureQueriesContext(connection) as captured,
            ):
                response = client.get(url, headers=headers)
            assert response.status_code in (200, 403), (role, url, response.status_code)
            counts[(role, url)] = len(captured.captured_queries)
    return counts


def test_every_page_costs_the_same_for_a_small_and_a_larger_organisation(
    org, django_assert_max_num_queries
):
    small = _counts(org, django_assert_max_num_queries)
    people_before = Person.objects.count()
    _grow(org)
    assert Person.objects.count() >= 8 * people_before
    large = _counts(org, django_assert_max_num_queries)
    grown = {key: (small[key], large[key]) for key in small if large[key] != small[key]}
    assert not grown, grown


def _sql(client: Client, url: str) -> list[str]:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return [q["sql"] for q in captured.captured_queries]


def test_suggestions_and_headcount_come_from_the_cache(org):
    for url in ("/people/", "/"):
        sql = _sql(org.clients["employee"], url)
        assert not any("DISTINCT" in q for q in sql), url
        counts = [
            q for q in sql if q.startswith('SELECT COUNT(*) AS "__count" FROM "directory_person"')
        ]
        # (Touchpoints counts the viewer's own reports on the home page.)
        assert all('"manager_id" =' in q for q in counts), url


def test_the_search_never_wraps_a_column_in_upper(org):
    """UPPER(email) or UPPER(city) cannot use an index: the search compares plain columns."""
    for url in ("/people/?q=margarida", "/people/?q=ma", "/people/?city=LISBON"):
        sql = _sql(org.clients["employee"], url)
        person_queries = [q for q in sql if '"directory_person"' in q]
        assert person_queries and not any("UPPER(" in q for q in person_queries), url


# --- The cached figures: per kind of viewer, and after every kind of write ----------------------


def _suggested(client: Client) -> list[str]:
    page = client.get("/people/").content.decode()
    datalist = page[page.index('<datalist id="city-list">') :]
    return re.findall(r'<option value="([^"]*)">', datalist[: datalist.index("</datalist>")])


def _headcount(client: Client) -> int:
    match = re.search(r"(\d+) colleagues? at", client.get("/").content.decode())
    assert match is not None
    return int(match.group(1))


def test_former_colleagues_cities_are_suggested_to_hr_only(org):
    """Two viewers, one cache: HR's list (which has Oslo, where only a former colleague
    worked) never reaches an employee, in either order."""
    assert "Oslo" in _suggested(org.clients["hr"])
    assert "Oslo" not in _suggested(org.clients["employee"])
    cache.clear()
    assert "Oslo" not in _suggested(org.clients["employee"])
    assert "Oslo" in _suggested(org.clients["hr"])
    assert "Oslo" not in _suggested(org.clients["employee"])
    nobody = viewer_for_user(User.objects.create(email="left@example.com"))  # no person
    assert selectors.city_names(nobody) == []


def test_a_saved_person_is_suggested_at_once(org):
    client = org.clients["employee"]
    before = _headcount(client)
    assert "Bergen" not in _suggested(client)
    PersonFactory(full_name="Nora Berg", city="Bergen", country="NO")
    assert "Bergen" in _suggested(client)
    assert _headcount(client) == before + 1


def test_an_import_written_in_bulk_is_suggested_at_once(org):
    client = org.clients["employee"]
    before = _headcount(client)
    assert "Bergen" not in _suggested(client)
    outcome = people_import(
        content=(
            b"employee_id,full_name,email,manager_id,department,team,title,city,country\n"
            b"N001,Nora Berg,nora.berg@example.com,,Engineering,,Engineer,Bergen,NO\n"
        ),
        filename="people.csv",
    )
    assert outcome.ok and outcome.applied, outcome.problems
    assert "Bergen" in _suggested(client)
    assert _headcount(client) == before + 1


def test_someone_switched_off_leaves_the_suggestions_and_the_headcount(org):
    client, hr = org.clients["employee"], org.clients["hr"]
    lone = PersonFactory(full_name="Lone Traveller", city="Reykjavik", country="IS")
    before = _headcount(client)
    assert "Reykjavik" in _suggested(client) and "Reykjavik" in _suggested(hr)
    person_deactivate(person_id=lone.pk, via="test")
    assert "Reykjavik" not in _suggested(client)
    assert "Reykjavik" in _suggested(hr)  # HR still sees former colleagues
    assert _headcount(client) == before - 1


def test_a_deleted_person_leaves_the_suggestions(org):
    client = org.clients["employee"]
    lone = PersonFactory(full_name="Lone Traveller", city="Reykjavik", country="IS")
    assert "Reykjavik" in _suggested(client)
    lone.delete()
    assert "Reykjavik" not in _suggested(client)


# --- Paging, counting and matching -------------------------------------------------------------


def _names(client: Client, url: str, **params: str) -> list[str]:
    body = client.get(url, params).json()
    return [row["full_name"] for row in body["results"]]


@pytest.mark.parametrize("role", ["employee", "hr"])
@pytest.mark.parametrize("cap", [1000, 30])
def test_paging_shows_everyone_once_in_order(org, role, cap, monkeypatch):
    """Everyone's second half is read backwards from the end, a search's few matches are
    sorted, its many read along the name index: page by page each is the one order (name,
    then id: namesakes included), nobody twice, nobody missed (up to the cap)."""
    monkeypatch.setattr(selectors, "COUNT_CAP", cap)
    _grow(org)
    for i in range(5):
        PersonFactory(full_name="Sam Same", city=f"City {i}", title="Person of letters")
    client = org.clients[role]
    viewer = viewer_for_user(client.get("/people/").wsgi_request.user)
    for params in ({}, {"q": "person"}, {"interest": "climbing"}, {"team": str(org.team.pk)}):
        body = client.get("/api/v1/people", params).json()
        ids: list[int] = []
        for page in range(1, body["pages"] + 1):
            results = client.get("/api/v1/people", {**params, "page": str(page)}).json()
            ids.extend(row["id"] for row in results["results"])
        query = selectors.DirectoryQuery.build(
            text=params.get("q", ""),
            interest=params.get("interest", ""),
            team=int(params["team"]) if "team" in params else None,
        )
        expected = list(
            selectors.search_people_for_viewer(viewer, query).values_list("id", flat=True)
        )
        assert len(expected) > 25, params  # more than one page
        assert ids == expected[: body["count"]], params
        assert body["more"] == (len(expected) > cap and not query.is_empty), params
        assert body["count"] == (len(expected) if not body["more"] else cap), params


def test_a_broad_search_says_more_than_the_cap(org, monkeypatch):
    _grow(org)
    monkeypatch.setattr(selectors, "COUNT_CAP", 10)
    client = org.clients["employee"]
    broad = client.get("/api/v1/people", {"q": "person"}).json()
    assert broad["more"] is True and broad["count"] == 10 and broad["pages"] == 1
    assert len(broad["results"]) == 10
    page = client.get("/people/", {"q": "person"}).content.decode()
    assert "More than 10 people match" in page
    narrow = client.get("/api/v1/people", {"q": "silva"}).json()
    assert narrow["more"] is False and narrow["count"] == 4
    everyone = client.get("/api/v1/people").json()  # the unfiltered list counts everyone
    assert everyone["more"] is False
    assert everyone["count"] == Person.objects.filter(is_active=True).count()


def test_short_words_match_the_start_of_a_word(org):
    PersonFactory(full_name="Wei Ng", title="Designer")
    PersonFactory(full_name="Angela Long", title="Engineer")
    client = org.clients["employee"]
    assert _names(client, "/api/v1/people?q=ng") == ["Wei Ng"]
    assert _names(client, "/api/v1/people?q=ang") == ["Angela Long"]  # three: anywhere
    assert "Margarida Ribeiro" in _names(client, "/api/v1/people?q=ri")  # Ribeiro
    assert "Angela Long" in _names(client, "/api/v1/people?q=e")  # Engineer


def test_email_prefix_and_city_without_case_or_accents(org):
    PersonFactory(full_name="Joao Pires", email="jp.sp@example.com", city="São Paulo")
    client = org.clients["employee"]
    assert _names(client, "/api/v1/people", q="JP.S") == ["Joao Pires"]
    for city in ("sao paulo", "SÃO PAULO", "São Paulo"):
        assert _names(client, "/api/v1/people", city=city) == ["Joao Pires"], city
    assert _names(client, "/api/v1/people", city="Paulo") == []


def test_the_line_above_stops_at_a_former_manager_and_at_a_cycle(org):
    org.head.is_active = False
    org.head.save(update_fields=["is_active"])
    employee = org.clients["employee"].get(f"/people/{org.employee.pk}/").content.decode()
    assert "Maya Jackson" in employee and "Hana Head" not in employee
    assert "Hana Head" in org.clients["hr"].get(f"/people/{org.employee.pk}/").content.decode()
    Person.objects.filter(pk=org.head.pk).update(manager=org.employee, is_active=True)
    looped = org.clients["hr"].get(f"/people/{org.employee.pk}/")
    assert looped.status_code == 200
    assert "Hana Head" in looped.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm exists on PostgreSQL only")
def test_the_search_text_has_a_trigram_index_on_postgresql():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = %s", ["person_search_trgm"]
        )
        row = cursor.fetchone()
    assert row is not None and "gin_trgm_ops" in row[0]


def _team_headcount(client: Client, unit: OrgUnit) -> int:
    match = re.search(r"(\d+) (?:person|people)", client.get(f"/people/teams/{unit.pk}/").text)
    assert match is not None
    return int(match.group(1))


def test_a_teams_headcount_per_viewer_and_after_moves(org):
    """HR counts former colleagues, others do not, from one cache; a person joining, a team
    moved under another and an evicted generation are counted again at once."""
    employee, hr = org.clients["employee"], org.clients["hr"]
    former = PersonFactory(full_name="Gone Teammate", org_unit=org.team, is_active=False)
    active = _team_headcount(employee, org.department)
    assert _team_headcount(hr, org.department) == active + 1
    assert _team_headcount(employee, org.department) == active
    PersonFactory(full_name="New Teammate", org_unit=org.team)
    assert _team_headcount(employee, org.department) == active + 1
    elsewhere = OrgUnitFactory(name="Sales", kind="department")
    squad = OrgUnitFactory(name="Squad", parent=elsewhere)
    PersonFactory.create_batch(3, org_unit=squad)
    assert _team_headcount(employee, elsewhere) == 3
    orgunit_move(unit=squad, new_parent=org.team)
    assert _team_headcount(employee, org.department) == active + 4
    assert _team_headcount(employee, elsewhere) == 0
    Person.objects.filter(pk=former.pk).update(is_active=True)  # behind Kith's back
    cache.delete(caching.GENERATION)  # ...and the generation evicted: nothing old matches
    assert _team_headcount(employee, org.department) == active + 5
