"""What the people endpoints show to whom, how PATCH /me validates, and that the page and the
API return the same people for the same search."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from kith.accounts.services import api_token_create
from kith.core.permissions import viewer_for_user
from kith.directory.models import Person
from kith.directory.selectors import DirectoryQuery, search_people_for_viewer
from kith.directory.services import person_update_profile
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory, login_for

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


SUMMARY_KEYS = {
    "id",
    "name",
    "full_name",
    "pronouns",
    "title",
    "team",
    "city",
    "country",
    "timezone",
    "interests",
    "skills",
}
PROFILE_KEYS = SUMMARY_KEYS | {
    "email",
    "manager",
    "languages",
    "bio",
    "work_start",
    "work_end",
    "work_days",
    "joined",
}
PRIVATE_KEYS = PROFILE_KEYS | {"employee_id", "employment_type", "start_date", "is_active"}
NEVER_SHOWN = {"latitude", "longitude", "search_text", "created_at", "updated_at", "tags"}


@pytest.fixture
def colleague(team):
    person = PersonFactory(full_name="Other Colleague", employee_id="E-SECRET-1", org_unit=team)
    person_update_profile(person=person, changes={}, interests=["Jazz"], skills=["Go"])
    return person


# --- Fields ----------------------------------------------------------------------------------


def test_search_results_hold_only_summary_fields(api_client_for, employee, colleague):
    body = api_client_for(employee).get("/api/v1/people").json()
    assert set(body) == {"count", "more", "page", "pages", "results"}
    assert body["more"] is False  # "more than the count says": a broad search stops counting
    assert body["count"] == 3
    for row in body["results"]:
        assert set(row) == SUMMARY_KEYS
    row = next(r for r in body["results"] if r["id"] == colleague.pk)
    assert row["interests"] == ["Jazz"] and row["skills"] == ["Go"]
    assert set(row["team"]) == {"id", "name", "kind"}


def test_colleague_profile_holds_only_public_fields(api_client_for, employee, colleague):
    response = api_client_for(employee).get(f"/api/v1/people/{colleague.pk}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == PROFILE_KEYS
    assert not (set(body) & NEVER_SHOWN)
    assert body["joined"] == "2022-03"  # month only: the exact start date is an HR field
    assert b"E-SECRET-1" not in response.content
    assert str(colleague.latitude).encode() not in response.content


def test_manager_reference_hides_former_managers(api_client_for, employee, manager):
    client = api_client_for(employee)
    assert client.get("/api/v1/people/me").json()["manager"] == {
        "id": manager.pk,
        "name": manager.display_name,
    }
    Person.objects.filter(pk=manager.pk).update(is_active=False)
    assert client.get("/api/v1/people/me").json()["manager"] is None


def test_private_endpoint_refuses_a_colleague(api_client_for, employee, colleague):
    response = api_client_for(employee).get(f"/api/v1/people/{colleague.pk}/private")
    assert response.status_code == 403
    assert set(response.json()) == {"detail"}
    assert b"E-SECRET-1" not in response.content


@pytest.mark.parametrize("who", ["self", "manager", "hr"])
def test_private_endpoint_for_self_manager_and_hr(
    api_client_for, employee, manager, hr_person, who
):
    viewer = {"self": employee, "manager": manager, "hr": hr_person}[who]
    client = api_client_for(viewer, hr=who == "hr")
    response = client.get(f"/api/v1/people/{employee.pk}/private")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == PRIVATE_KEYS
    assert body["employee_id"] == employee.employee_id
    assert body["start_date"] == "2022-03-14" and body["is_active"] is True


def test_me_holds_my_private_fields(api_client_for, employee):
    body = api_client_for(employee).get("/api/v1/people/me").json()
    assert set(body) == PRIVATE_KEYS and body["id"] == employee.pk


def test_unknown_person_is_a_json_404(api_client_for, employee):
    client = api_client_for(employee)
    for path in [
        "/api/v1/people/999999",
        "/api/v1/people/999999/private",
        f"/api/v1/people/{2**70}",
    ]:
        response = client.get(path)
        assert response.status_code == 404, path
        assert set(response.json()) == {"detail"}


@pytest.mark.parametrize(
    ("path", "where"),
    [
        ("/api/v1/people?team=abc", ["query", "team"]),
        ("/api/v1/people?team=", ["query", "team"]),
        ("/api/v1/people?page=1.5", ["query", "page"]),
        ("/api/v1/people/abc", ["path", "person_id"]),
        ("/api/v1/people/1e3/private", ["path", "person_id"]),
    ],
)
def test_malformed_numbers_are_a_json_422(api_client_for, employee, path, where):
    response = api_client_for(employee).get(path)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == where


def test_search_parameters_are_forgiving(api_client_for, employee):
    client = api_client_for(employee)
    everyone = client.get("/api/v1/people", {"page": "0"}).json()
    assert everyone["count"] == 2 and everyone["page"] == 1
    last = client.get("/api/v1/people", {"page": str(10**30)}).json()
    assert last["page"] == last["pages"] == 1
    assert client.get("/api/v1/people", {"team": str(2**70)}).json()["count"] == 0
    assert client.get("/api/v1/people", {"q": "marg\x00arida"}).json()["count"] == 1


# --- Former colleagues -------------------------------------------------------------------------


def test_former_colleagues_are_404_for_employees_and_visible_to_hr(
    api_client_for, employee, manager, hr_person
):
    former = PersonFactory(full_name="Former Colleague", is_active=False, manager=manager)
    employee_api = api_client_for(employee)
    assert employee_api.get(f"/api/v1/people/{former.pk}").status_code == 404
    assert employee_api.get(f"/api/v1/people/{former.pk}/private").status_code == 404
    # Their former manager sees no more than any colleague.
    assert api_client_for(manager).get(f"/api/v1/people/{former.pk}/private").status_code == 404
    found = employee_api.get("/api/v1/people", {"q": "former"}).json()
    assert found["count"] == 0 and found["results"] == []

    hr_api = api_client_for(hr_person, hr=True)
    assert hr_api.get(f"/api/v1/people/{former.pk}").status_code == 200
    private = hr_api.get(f"/api/v1/people/{former.pk}/private").json()
    assert private["is_active"] is False
    assert [p["id"] for p in hr_api.get("/api/v1/people", {"q": "former"}).json()["results"]] == [
        former.pk
    ]


# --- PATCH /me ---------------------------------------------------------------------------------


def _patch(client, data):
    return client.patch("/api/v1/people/me", data, content_type="application/json")


def _messages(response) -> str:
    return " ".join(f"{e['loc'][-1]}: {e['msg']}" for e in response.json()["detail"])


def test_patch_changes_only_the_given_fields(api_client_for, employee):
    response = _patch(
        api_client_for(employee),
        {
            "preferred_name": "  Guida ",
            "bio": "Coffee and Kafka.",
            "interests": ["Climbing", " "],
            "work_start": "08:30:45",
            "work_end": "16:30",
            "work_days": [5, 1, 3, 1],
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"] == "Guida" and body["interests"] == ["Climbing"]
    assert body["work_days"] == [1, 3, 5]
    assert (body["work_start"], body["work_end"]) == ("08:30", "16:30")
    employee.refresh_from_db()
    assert employee.preferred_name == "Guida"
    assert employee.work_start == dt.time(8, 30) and employee.work_end == dt.time(16, 30)
    assert employee.pronouns == "" and employee.title == "Engineer"
    assert "guida" in employee.search_text


def test_patch_work_end_before_start_is_422_and_changes_nothing(api_client_for, employee):
    client = api_client_for(employee)
    response = _patch(client, {"bio": "New bio", "work_start": "17:00", "work_end": "09:00"})
    assert response.status_code == 422
    assert "work_end: Your working day must end after it starts." in _messages(response)
    employee.refresh_from_db()
    assert employee.bio == "" and employee.work_start == dt.time(9, 0)
    # Also when only the end is sent and it falls before the stored start.
    response = _patch(client, {"work_end": "08:00"})
    assert response.status_code == 422 and "work_end" in _messages(response)
    employee.refresh_from_db()
    assert employee.work_end == dt.time(17, 0)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"bio": "x", "biography": "typo"}, "biography"),
        ({"employee_id": "E-HACKED"}, "employee_id"),
        ({"is_active": False}, "is_active"),
        ({"email": "boss@example.com"}, "email"),
        ({"work_days": [0]}, "0"),
        ({"work_days": [1, 8]}, "1"),
        ({"work_days": []}, "work_days"),
        ({"work_days": ["monday"]}, "0"),
        ({"work_start": "09:00+02:00"}, "work_start"),
        ({"work_start": "25:00"}, "work_start"),
        ({"bio": "lone \ud800 surrogate"}, "bio"),
        ({"pronouns": "x" * 41}, "pronouns"),
        ({"interests": ["x" * 81]}, "0"),
        ({"languages": ["x"] * 21}, "languages"),
    ],
)
def test_patch_rejects_bad_input_naming_the_field(api_client_for, employee, payload, field):
    before = Person.objects.filter(pk=employee.pk).values().get()
    response = _patch(api_client_for(employee), payload)
    assert response.status_code == 422, response.content
    assert any(str(e["loc"][-1]) == field for e in response.json()["detail"]), response.json()
    assert Person.objects.filter(pk=employee.pk).values().get() == before


def test_patch_drops_nul_characters_that_no_database_stores(api_client_for, employee):
    response = _patch(api_client_for(employee), {"bio": "nul\x00byte", "skills": ["\x00"]})
    assert response.status_code == 200
    employee.refresh_from_db()
    assert employee.bio == "nulbyte" and not employee.tags.exists()


def test_patch_with_a_broken_body_is_a_4xx(api_client_for, employee):
    client = api_client_for(employee)
    broken = client.patch("/api/v1/people/me", "{not json", content_type="application/json")
    assert 400 <= broken.status_code < 500
    assert _patch(client, ["a", "list"]).status_code == 422


def test_former_person_cannot_patch(api_client_for, employee):
    client = api_client_for(employee)
    Person.objects.filter(pk=employee.pk).update(is_active=False)
    assert _patch(client, {"bio": "still here"}).status_code == 404


# --- The page and the API agree ----------------------------------------------------------------

CARD_LINK = re.compile(r'<a class="name" href="/people/(\d+)/">')


@pytest.fixture
def crowd(team, employee, manager):
    design = OrgUnitFactory(name="Design")
    people = [
        PersonFactory(full_name="José Núñez", title="Designer", city="Berlin", org_unit=design),
        PersonFactory(full_name="Joseph Smith", title="Engineer", city="Berlin", org_unit=team),
        PersonFactory(full_name="Ana Costa", title="Data Engineer", city="Porto", org_unit=team),
        PersonFactory(full_name="Gone Person", title="Engineer", is_active=False, org_unit=team),
    ]
    person_update_profile(person=people[0], changes={}, interests=["Jazz"], skills=["Figma"])
    person_update_profile(person=people[1], changes={}, interests=["Jazz"], skills=["Python"])
    person_update_profile(person=employee, changes={}, skills=["Python"])
    return people


def _queries(team) -> list[dict[str, Any]]:
    return [
        {},
        {"q": "jose"},
        {"q": "JOSÉ núñez"},
        {"q": "engineer"},
        {"q": "maya@"},
        {"city": "berlin"},
        {"skill": "python"},
        {"interest": "JAZZ"},
        {"team": team.parent_id},
        {"team": team.pk, "skill": "Python"},
        {"q": "nobody-at-all"},
        {"q": "a", "city": "Porto"},
    ]


@pytest.mark.parametrize("hr", [False, True])
def test_page_api_and_selector_return_the_same_people(crowd, team, employee, hr_person, hr):
    user = login_for(hr_person if hr else employee, hr=hr)
    page_client = Client()
    page_client.force_login(user)
    api = Client(headers=bearer(api_token_create(user=user, name="t")[1]))
    viewer = viewer_for_user(user)
    for params in _queries(team):
        page = page_client.get("/people/", params)
        assert page.status_code == 200
        page_ids = [int(i) for i in CARD_LINK.findall(page.content.decode())]
        api_ids = [p["id"] for p in api.get("/api/v1/people", params).json()["results"]]
        query = DirectoryQuery(**{("text" if k == "q" else k): v for k, v in params.items()})
        selector_ids = list(search_people_for_viewer(viewer, query).values_list("id", flat=True))
        assert page_ids == api_ids == selector_ids, params
    everyone = {p["id"] for p in api.get("/api/v1/people").json()["results"]}
    assert (crowd[3].pk in everyone) is hr
