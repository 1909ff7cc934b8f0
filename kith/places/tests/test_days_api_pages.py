"""The office-days pages and API: same selector, same rules; errors name the field."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from kith.directory.tests.factories import OrgUnitFactory, PersonFactory
from kith.places.models import AnchorDay, Leave, OfficeDay
from kith.places.tests.days_builders import hide, office, people, plan

pytestmark = pytest.mark.django_db
API = "/api/v1/places"


@pytest.fixture
def lisbon():
    return office()


def _day(n: int = 2) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def _post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def test_page_shows_my_day_and_the_teammate_there(employee_client, employee, manager, lisbon):
    plan(manager, lisbon, _day())
    plan(employee, lisbon, _day())
    hidden = PersonFactory(full_name="Hidden Mate", org_unit=employee.org_unit)
    hide(hidden)
    plan(hidden, lisbon, _day())
    response = employee_client.get("/places/")
    assert response.status_code == 200
    assert response.context["nav"] == "places"
    html = response.content.decode()
    assert "Maya Jackson" in html and "Hidden Mate" not in html
    assert "no-store" in response["Cache-Control"]


def test_add_and_remove_through_the_page(employee_client, employee, lisbon):
    response = employee_client.post(
        "/places/days/add/",
        {"kind": "once", "office": lisbon.pk, "on_date": _day().isoformat()},
        follow=True,
    )
    assert response.status_code == 200
    plan_ = OfficeDay.objects.get(person=employee)
    employee_client.post(f"/places/days/{plan_.pk}/remove/")
    assert not OfficeDay.objects.exists()
    response = employee_client.post(
        "/places/days/add/",
        {"kind": "once", "office": lisbon.pk, "on_date": _day(-3).isoformat()},
        follow=True,
    )
    assert "That day has passed" in response.content.decode()
    assert not OfficeDay.objects.exists()


def test_someone_elses_plan_is_not_found(employee_client, manager, lisbon):
    other = plan(manager, lisbon, _day())
    assert employee_client.post(f"/places/days/{other.pk}/remove/").status_code == 404
    assert employee_client.delete(f"{API}/office-days/{other.pk}").status_code == 404
    assert OfficeDay.objects.filter(pk=other.pk).exists()


def test_office_day_view_and_api_agree(employee_client, employee, manager, lisbon):
    plan(manager, lisbon, _day())
    for p in people(3, org_unit=OrgUnitFactory()):
        plan(p, lisbon, _day())
    page = employee_client.get(f"/places/offices/{lisbon.pk}/days/{_day().isoformat()}/")
    assert page.status_code == 200
    there = page.context["there"]
    api = employee_client.get(
        f"{API}/who-is-there", {"office": lisbon.pk, "date": _day().isoformat()}
    )
    assert api.status_code == 200
    body = api.json()
    assert body["people"] == [
        {"id": a.person_id, "name": a.name, "reasons": a.reasons} for a in there.people
    ]
    assert body["people"][0]["name"] == "Maya Jackson"
    assert body["others"] == there.others == 3 and body["min_count"] == 3
    assert (
        employee_client.get(
            f"{API}/who-is-there", {"office": 99999, "date": _day().isoformat()}
        ).status_code
        == 404
    )
    assert employee_client.get(f"/places/offices/{lisbon.pk}/days/not-a-date/").status_code == 404


def test_api_office_days_crud_and_field_errors(employee_client, employee, lisbon):
    created = _post(employee_client, f"{API}/office-days", {"office": lisbon.pk, "weekday": 3})
    assert created.status_code == 201
    assert created.json()["weekday"] == 3 and created.json()["date"] is None
    listed = employee_client.get(f"{API}/office-days").json()
    assert [p["id"] for p in listed] == [created.json()["id"]]
    past = _post(
        employee_client, f"{API}/office-days", {"office": lisbon.pk, "date": _day(-2).isoformat()}
    )
    assert past.status_code == 422
    assert past.json()["detail"][0]["loc"][-1] == "date"
    assert past.json()["detail"][0]["type"] == "places_rule"
    assert (
        _post(employee_client, f"{API}/office-days", {"office": 77777, "weekday": 2}).status_code
        == 404
    )
    assert (
        _post(
            employee_client, f"{API}/office-days", {"office": lisbon.pk, "weekday": "2"}
        ).status_code
        == 422
    )
    assert (
        _post(
            employee_client, f"{API}/office-days", {"office": lisbon.pk, "weekday": 9}
        ).status_code
        == 422
    )
    porto = office("Porto office", city="Porto")
    changed = employee_client.patch(
        f"{API}/office-days/{created.json()['id']}",
        json.dumps({"office": porto.pk}),
        content_type="application/json",
    )
    assert changed.status_code == 200 and changed.json()["office_name"] == "Porto office"
    assert employee_client.delete(f"{API}/office-days/{changed.json()['id']}").status_code == 204
    assert employee_client.delete(f"{API}/office-days/{2**40}").status_code == 404


def test_api_leave_is_mine_only(employee_client, employee, manager):
    Leave.objects.create(person=manager, starts_on=_day(), ends_on=_day(3))
    created = _post(
        employee_client,
        f"{API}/leave",
        {"starts_on": _day().isoformat(), "ends_on": _day(4).isoformat()},
    )
    assert created.status_code == 201
    assert [x["id"] for x in employee_client.get(f"{API}/leave").json()] == [created.json()["id"]]
    bad = _post(
        employee_client,
        f"{API}/leave",
        {"starts_on": _day(5).isoformat(), "ends_on": _day(4).isoformat()},
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "ends_on"
    theirs = Leave.objects.get(person=manager)
    assert employee_client.delete(f"{API}/leave/{theirs.pk}").status_code == 404


def test_api_anchor_days_managers_write_members_join(
    employee_client, manager_client, employee, team, lisbon
):
    body = {"org_unit": team.pk, "office": lisbon.pk, "weekdays": [2]}
    assert _post(employee_client, f"{API}/anchor-days", body).status_code == 403
    saved = _post(manager_client, f"{API}/anchor-days", body)
    assert saved.status_code == 200 and saved.json()[0]["weekday"] == 2
    anchor_id = saved.json()[0]["id"]
    assert [a["id"] for a in employee_client.get(f"{API}/anchor-days").json()] == [anchor_id]
    joined = employee_client.post(f"{API}/anchor-days/{anchor_id}/join")
    assert joined.status_code == 201 and joined.json()["anchor_day"] == anchor_id
    again = employee_client.post(f"{API}/anchor-days/{anchor_id}/join")
    assert again.status_code == 422
    assert employee_client.delete(f"{API}/anchor-days/{anchor_id}").status_code == 403
    assert manager_client.delete(f"{API}/anchor-days/{anchor_id}").status_code == 204
    assert not AnchorDay.objects.exists()


def test_anchor_day_on_the_page_with_one_click(employee_client, employee, team, lisbon):
    anchor = AnchorDay.objects.create(org_unit=team, office=lisbon, weekday=2)
    html = employee_client.get("/places/").content.decode()
    assert "Platform" in html and "I'll be there" in html
    employee_client.post(f"/places/anchor-days/{anchor.pk}/join/")
    assert OfficeDay.objects.get(person=employee).weekday == 2
    assert "You are there too." in employee_client.get("/places/").content.decode()


def test_export_and_privacy_page(employee_client, employee, lisbon):
    plan(employee, lisbon, _day())
    Leave.objects.create(person=employee, starts_on=_day(5), ends_on=_day(6))
    export = employee_client.get("/me/export.json").json()
    section = export["office_days"]
    assert section["office_days"][0]["office"] == "Lisbon office"
    assert section["leave"] == [{"starts_on": _day(5).isoformat(), "ends_on": _day(6).isoformat()}]
    from django.template.loader import render_to_string

    from kith.core import registry

    templates = [s.template for s in registry.privacy_sections()]
    assert "places/days/_privacy.html" in templates
    assert "Office days and leave" in render_to_string("places/days/_privacy.html")
