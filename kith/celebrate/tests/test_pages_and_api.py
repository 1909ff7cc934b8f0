"""Pages and API: the same rules, clear messages, nothing half written."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import override_settings

from kith.celebrate import services
from kith.celebrate.models import BirthdayOptIn, CompanyValue, Kudos
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory
from kith.notify.models import Notification


@pytest.fixture
def designer(db):
    return PersonFactory(full_name="Dana Design", org_unit=OrgUnitFactory(name="Design"))


def test_home_shows_the_feed_and_the_form(employee_client, employee, manager):
    services.kudos_give(sender=manager, recipients=[employee], message="Lovely work on the docs")
    response = employee_client.get("/celebrate/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Lovely work on the docs" in html and "Give kudos" in html
    assert "My team: Platform" in html


def test_giving_kudos_from_the_page(employee_client, employee, manager):
    value = CompanyValue.objects.create(name="Own it")
    response = employee_client.post(
        "/celebrate/kudos/new/",
        {
            "recipients": [manager.pk],
            "value": value.pk,
            "message": "Thanks for unblocking us",
            "visibility": "team",
        },
        follow=True,
    )
    kudos = Kudos.objects.get()
    assert response.redirect_chain[-1][0] == f"/celebrate/kudos/{kudos.pk}/"
    assert "Kudos sent to Maya Jackson" in response.content.decode()
    assert kudos.visibility == "team" and kudos.value == value
    assert Notification.objects.filter(person=manager, kind="celebrate.kudos").count() == 1


def test_the_form_names_what_is_wrong_and_keeps_the_choices(employee_client, employee, manager):
    response = employee_client.post(
        "/celebrate/kudos/new/",
        {"recipients": [employee.pk, manager.pk], "message": "", "visibility": "public"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Write a few words" in html
    assert f'name="recipients" value="{manager.pk}"' in html  # the picks survive
    response = employee_client.post(
        "/celebrate/kudos/new/",
        {"recipients": [employee.pk, manager.pk], "message": "Us!", "visibility": "public"},
    )
    assert "remove yourself from the recipients" in response.content.decode()
    response = employee_client.post(
        "/celebrate/kudos/new/", {"message": "Nobody", "visibility": "public"}
    )
    assert "Choose at least one colleague" in response.content.decode()
    assert not Kudos.objects.exists()


@override_settings(KITH_KUDOS_DAILY_LIMIT=1)
def test_the_daily_limit_on_the_page(employee_client, manager):
    data = {"recipients": [manager.pk], "message": "Thanks", "visibility": "public"}
    employee_client.post("/celebrate/kudos/new/", data)
    response = employee_client.post("/celebrate/kudos/new/", {**data, "message": "Thanks again"})
    assert "the daily limit" in response.content.decode()
    assert Kudos.objects.count() == 1


def test_private_kudos_page_is_a_404_for_others(client, employee, manager, designer):
    from kith.directory.tests.factories import login_for

    kudos = services.kudos_give(
        sender=employee, recipients=[manager], message="Just us", visibility="private"
    )
    client.force_login(login_for(designer))
    assert client.get(f"/celebrate/kudos/{kudos.pk}/").status_code == 404
    client.force_login(login_for(manager))
    assert "Just us" in client.get(f"/celebrate/kudos/{kudos.pk}/").content.decode()


def test_team_feed_page(employee_client, team):
    response = employee_client.get(f"/celebrate/team/{team.parent_id}/")
    assert response.status_code == 200
    assert "Celebrations in Engineering" in response.content.decode()
    assert employee_client.get("/celebrate/team/999999/").status_code == 404


def test_suggestions_find_colleagues_but_not_oneself(employee_client, manager):
    html = employee_client.get("/celebrate/people/", {"q": "ma"}).content.decode()
    assert "Maya Jackson" in html and "Margarida" not in html
    html = employee_client.get("/celebrate/people/", {"q": "zzz"}).content.decode()
    assert "Nobody matches “zzz”" in html


def test_settings_page_opts_in_and_out(employee_client, employee):
    response = employee_client.post(
        "/celebrate/me/",
        {
            "share_birthday": "on",
            "birthday_month": "2",
            "birthday_day": "30",
            "weekly_digest": "on",
        },
    )
    assert "February has no day 30" in response.content.decode()
    assert not BirthdayOptIn.objects.exists()
    employee_client.post(
        "/celebrate/me/",
        {"share_birthday": "on", "birthday_month": "2", "birthday_day": "29"},
    )
    saved = BirthdayOptIn.objects.get(person=employee)
    assert (saved.month, saved.day) == (2, 29)
    html = employee_client.get("/celebrate/me/").content.decode()
    assert (
        'id="id_weekly_digest"' in html
        and "checked" not in html.split('id="id_weekly_digest"')[0][-80:]
    )
    employee_client.post("/celebrate/me/", {"celebrate_work_dates": "on"})
    assert not BirthdayOptIn.objects.exists()


def test_company_values_are_for_hr(employee_client, hr_client):
    assert employee_client.get("/celebrate/values/").status_code == 403
    hr_client.post("/celebrate/values/", {"name": "Be kind", "description": "Always"})
    response = hr_client.post("/celebrate/values/", {"name": "be KIND"})
    assert "already a value called" in response.content.decode()
    value = CompanyValue.objects.get()
    hr_client.post(f"/celebrate/values/{value.pk}/", {"active": "0"})
    value.refresh_from_db()
    assert not value.is_active


# --- API ----------------------------------------------------------------------------------------


def _post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def test_api_give_kudos_and_read_it_back(employee_client, employee, manager):
    value = CompanyValue.objects.create(name="Learn together")
    response = _post(
        employee_client,
        "/api/v1/celebrate/kudos",
        {"recipients": [manager.pk], "message": "Thanks!", "value": value.pk},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["recipients"] == [{"id": manager.pk, "name": "Maya Jackson", "team": "Platform"}]
    assert body["value"]["name"] == "Learn together"
    feed = employee_client.get("/api/v1/celebrate/feed").json()
    assert feed["total"] == 1 and feed["items"][0]["kudos"]["message"] == "Thanks!"
    sent = employee_client.get("/api/v1/celebrate/me/kudos", {"direction": "sent"}).json()
    assert [k["id"] for k in sent["items"]] == [body["id"]]
    assert employee_client.get("/api/v1/celebrate/me/kudos").json()["total"] == 0


def test_api_refusals_name_the_reason(employee_client, employee, manager):
    selfish = _post(
        employee_client, "/api/v1/celebrate/kudos", {"recipients": [employee.pk], "message": "Me"}
    )
    assert selfish.status_code == 403 and "yourself" in selfish.json()["detail"]
    ghost = _post(
        employee_client, "/api/v1/celebrate/kudos", {"recipients": [424242], "message": "Hi"}
    )
    assert ghost.status_code == 404 and "424242" in ghost.json()["detail"]
    blank = _post(
        employee_client, "/api/v1/celebrate/kudos", {"recipients": [manager.pk], "message": "  "}
    )
    assert blank.status_code == 422
    with override_settings(KITH_KUDOS_DAILY_LIMIT=0):
        limited = _post(
            employee_client,
            "/api/v1/celebrate/kudos",
            {"recipients": [manager.pk], "message": "Hi"},
        )
    assert limited.status_code == 429
    assert not Kudos.objects.exists()


def test_api_settings_round_trip(employee_client, employee):
    assert employee_client.get("/api/v1/celebrate/me/settings").json() == {
        "celebrate_work_dates": True,
        "weekly_digest": True,
        "birthday": None,
    }
    body = {"celebrate_work_dates": False, "weekly_digest": True, "birthday": "02-29"}
    response = employee_client.put(
        "/api/v1/celebrate/me/settings", json.dumps(body), content_type="application/json"
    )
    assert response.json() == body
    bad = employee_client.put(
        "/api/v1/celebrate/me/settings",
        json.dumps({**body, "birthday": "02-30"}),
        content_type="application/json",
    )
    assert bad.status_code == 422


def test_api_milestones(employee_client, employee, team):
    services.milestones_generate(on=dt.date(2025, 3, 14))
    data = employee_client.get("/api/v1/celebrate/milestones", {"team": team.pk}).json()
    assert data["total"] == 2
    assert data["items"][0]["summary"].endswith("celebrates 3 years with us")
    assert employee_client.get("/api/v1/celebrate/milestones", {"team": 99999}).status_code == 404


def test_demo_seed_is_quick_and_fills_every_kind(db):
    from kith.celebrate import demo_seed
    from kith.directory.demo.seed import seed_demo_organisation

    result = seed_demo_organisation(people=40, seed=3, today=dt.date(2026, 5, 6))
    emails = [login.email for login in result.logins]
    line = demo_seed.seed(today=dt.date(2026, 5, 6), seed=3, demo_emails=emails)
    assert line.startswith("Celebrate: 4 company values")
    assert set(Kudos.objects.values_list("visibility", flat=True)) == {"public", "team", "private"}
    assert BirthdayOptIn.objects.count() >= 8
    assert not Notification.objects.filter(kind="celebrate.kudos").exists()
