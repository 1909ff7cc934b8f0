from __future__ import annotations

import pytest
from django.urls import reverse

from kith.directory.models import Person
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_every_page_requires_login(client):
    for url in ["/", "/people/", "/people/teams/", "/me/", "/notifications/", "/privacy/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


def test_login_page_and_healthz_are_open(client):
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/healthz").json() == {"status": "ok"}


def test_directory_lists_and_searches(employee_client, employee, manager):
    PersonFactory(full_name="José Núñez", title="Designer", city="Berlin", country="DE")
    response = employee_client.get("/people/")
    assert response.status_code == 200
    assert b"Margarida Ribeiro" in response.content and "José Núñez".encode() in response.content
    accent_free = employee_client.get("/people/", {"q": "jose nunez"})
    assert "José Núñez".encode() in accent_free.content
    assert b"Margarida Ribeiro" not in accent_free.content
    by_city = employee_client.get("/people/", {"city": "berlin"})
    assert "José Núñez".encode() in by_city.content and b"Maya Jackson" not in by_city.content


def test_search_by_team_includes_subteams(employee_client, team, employee):
    sub = OrgUnitFactory(name="Databases", parent=team)
    PersonFactory(full_name="Deep Member", org_unit=sub)
    PersonFactory(full_name="Elsewhere Person", org_unit=OrgUnitFactory(name="Sales"))
    response = employee_client.get("/people/", {"team": team.parent_id})
    assert b"Deep Member" in response.content and b"Margarida Ribeiro" in response.content
    assert b"Elsewhere Person" not in response.content


def test_search_by_skill_and_interest(employee_client, employee):
    from kith.directory.services import person_update_profile

    person_update_profile(person=employee, changes={}, interests=["Climbing"], skills=["Python"])
    assert b"Margarida" in employee_client.get("/people/", {"interest": "climbing"}).content
    assert b"Margarida" in employee_client.get("/people/", {"skill": "PYTHON"}).content
    assert b"Margarida" not in employee_client.get("/people/", {"skill": "Go"}).content


def test_htmx_search_returns_only_results(employee_client, employee):
    response = employee_client.get("/people/", {"q": "marg"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in response.content and b"Margarida Ribeiro" in response.content
    assert "HX-Request" in response["Vary"]


def test_empty_search_says_what_to_do(employee_client, employee):
    response = employee_client.get("/people/", {"q": "zzzz-nobody"})
    assert b"Nobody matches that" in response.content


def test_former_colleagues_visible_to_hr_only(employee_client, hr_client):
    former = PersonFactory(full_name="Former Colleague", is_active=False)
    assert b"Former Colleague" not in employee_client.get("/people/").content
    assert employee_client.get(f"/people/{former.pk}/").status_code == 404
    assert b"Former Colleague" in hr_client.get("/people/").content
    assert hr_client.get(f"/people/{former.pk}/").status_code == 200


def test_profile_private_fields(employee_client, manager_client, hr_client, employee, manager):
    colleague = PersonFactory(full_name="Other Colleague", employee_id="E-SECRET-1")
    url = f"/people/{colleague.pk}/"
    assert b"E-SECRET-1" not in employee_client.get(url).content
    assert b"E-SECRET-1" in hr_client.get(url).content
    own = employee_client.get(f"/people/{employee.pk}/")
    assert employee.employee_id.encode() in own.content and b"Edit my profile" in own.content
    assert employee.employee_id.encode() in manager_client.get(f"/people/{employee.pk}/").content


def test_profile_shows_manager_chain_and_reports(employee_client, employee, manager):
    response = employee_client.get(f"/people/{manager.pk}/")
    assert b"Reports (1)" in response.content and b"Margarida Ribeiro" in response.content
    chain = employee_client.get(f"/people/{employee.pk}/")
    assert b"Maya Jackson" in chain.content


def test_edit_my_profile(employee_client, employee):
    url = reverse("directory:profile_edit")
    response = employee_client.post(
        url,
        {
            "preferred_name": "Guida",
            "pronouns": "she/her",
            "bio": "I run.",
            "languages": "Portuguese, English",
            "interests": "Climbing, Jazz",
            "skills": "Python",
            "work_start": "08:30",
            "work_end": "16:30",
            "work_days": ["1", "2", "3", "4"],
        },
    )
    assert response.status_code == 302
    employee.refresh_from_db()
    assert employee.preferred_name == "Guida" and employee.work_days == [1, 2, 3, 4]
    assert sorted(t.name for t in employee.tags.all()) == ["Climbing", "Jazz", "Python"]
    assert "guida" in employee.search_text


def test_edit_profile_rejects_bad_hours_and_keeps_data(employee_client, employee):
    response = employee_client.post(
        reverse("directory:profile_edit"),
        {
            "preferred_name": "Changed",
            "work_start": "17:00",
            "work_end": "09:00",
            "work_days": ["1"],
        },
    )
    assert response.status_code == 200
    assert b"must end after it starts" in response.content
    employee.refresh_from_db()
    assert employee.preferred_name == ""


def test_edit_profile_cannot_touch_hr_fields(employee_client, employee):
    employee_client.post(
        reverse("directory:profile_edit"),
        {
            "title": "CEO",
            "email": "x@evil.test",
            "work_start": "09:00",
            "work_end": "17:00",
            "work_days": ["1"],
        },
    )
    employee.refresh_from_db()
    assert employee.title == "Engineer" and employee.email == "margarida@example.com"


def test_team_page_and_org_chart(employee_client, team, employee, manager):
    response = employee_client.get(f"/people/teams/{team.pk}/")
    assert response.status_code == 200
    assert b"Platform" in response.content and b"Margarida Ribeiro" in response.content
    chart = employee_client.get("/people/teams/", {"person": employee.pk})
    assert b"Engineering" in chart.content and b"Maya Jackson" in chart.content


def test_friendly_404(employee_client):
    response = employee_client.get("/people/999999/")
    assert response.status_code == 404
    assert b"We could not find that page" in response.content


def test_import_page_is_for_hr_only(employee_client, hr_client):
    assert employee_client.get("/people/import/").status_code == 403
    assert b"not open to you" in employee_client.get("/people/import/").content
    assert hr_client.get("/people/import/").status_code == 200


def test_subtree_query_count_does_not_grow(django_assert_max_num_queries, employee_client, team):
    for i in range(30):
        PersonFactory(
            full_name=f"Member {i}", org_unit=OrgUnitFactory(name=f"Sub {i}", parent=team)
        )
    employee_client.get("/people/", {"team": team.pk})  # the city suggestions in the cache
    with django_assert_max_num_queries(14):
        response = employee_client.get("/people/", {"team": team.pk})
    assert response.status_code == 200
    assert Person.objects.count() >= 32


def test_one_box_matches_team_city_and_interests(employee_client, employee):
    from kith.directory.services import person_update_profile

    person_update_profile(person=employee, changes={}, interests=["Sourdough baking"])
    PersonFactory(full_name="Far Away", city="Tokyo", country="JP", org_unit=None)
    for words in ["platform", "lisbon", "sourdough", "margarida lisbon"]:
        content = employee_client.get("/people/", {"q": words}).content
        assert b"Margarida Ribeiro" in content, words
    assert b"Margarida Ribeiro" not in employee_client.get("/people/", {"q": "tokyo"}).content


def test_unknown_team_finds_nobody_and_keeps_other_filters(employee_client, employee):
    response = employee_client.get("/people/", {"team": 987654, "q": "margarida"})
    assert response.status_code == 200 and b"Nobody matches that" in response.content


def test_api_404_is_json(employee_client):
    response = employee_client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


def test_org_chart_draws_two_levels_and_points_deeper(employee_client, team):
    deep = OrgUnitFactory(name="Databases", parent=team)
    OrgUnitFactory(name="Replication", parent=deep)
    page = employee_client.get("/people/teams/").content.decode()
    assert "Engineering" in page and "Platform" in page
    assert "Databases" not in page and "+ 1 unit inside" in page
