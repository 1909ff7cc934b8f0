"""Boundaries pages and API: my preferences, tech-free hours (managers, HR), wellness weeks
(HR), the banner, the export."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from kith.core.models import AuditEvent
from kith.directory.models import ContactPreference
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory, login_for
from kith.guidelines.models import TechFreeHours, WellnessWeek

API = "/api/v1/guidelines/boundaries"


def client_for(person, *, hr=False) -> Client:
    client = Client()
    client.force_login(login_for(person, hr=hr))
    return client


def test_my_preferences_page_saves_and_the_api_reads_them(db, employee):
    client = client_for(employee)
    page = client.get("/guidelines/boundaries/")
    assert page.status_code == 200
    assert "My boundaries" in page.content.decode()

    saved = client.post(
        "/guidelines/boundaries/",
        {"meeting_mode": "virtual", "intro_frequency": "monthly", "preferred_channel": "in_app"},
    )

    assert saved.status_code == 302
    prefs = ContactPreference.objects.get(person=employee)
    assert (prefs.meeting_mode, prefs.intro_frequency, prefs.preferred_channel) == (
        "virtual",
        "monthly",
        "in_app",
    )
    assert prefs.office_day_nudges is False  # unticked box
    assert client.get(f"{API}/preferences").json()["meeting_mode"] == "virtual"
    assert not AuditEvent.objects.exists()  # a private choice


def test_preferences_api_put_validates(db, employee):
    client = client_for(employee)
    body = {
        "meeting_mode": "in_person",
        "intro_frequency": "quarterly",
        "preferred_channel": "email",
        "office_day_nudges": True,
    }
    ok = client.put(f"{API}/preferences", json.dumps(body), content_type="application/json")
    assert ok.status_code == 200 and ok.json()["saved"] is True
    bad = client.put(
        f"{API}/preferences",
        json.dumps({**body, "meeting_mode": "telepathy"}),
        content_type="application/json",
    )
    assert bad.status_code in (400, 422)


def test_export_holds_my_preferences(db, employee):
    ContactPreference.objects.create(person=employee, meeting_mode="virtual")
    data = client_for(employee).get("/me/export.json").json()
    assert data["contact_preferences"]["meeting_mode"] == "virtual"


def test_a_manager_sets_tech_free_hours_for_their_team_only(db, manager, employee, team):
    client = client_for(manager)
    other = OrgUnitFactory()
    body = {"org_unit": team.pk, "weekday": 5, "starts_at": "13:00", "ends_at": "17:00"}
    made = client.post(f"{API}/tech-free-hours", json.dumps(body), content_type="application/json")
    assert made.status_code == 201, made.content
    assert AuditEvent.objects.filter(action="guidelines.tech_free_hours_created").count() == 1

    elsewhere = client.post(
        f"{API}/tech-free-hours",
        json.dumps({**body, "org_unit": other.pk}),
        content_type="application/json",
    )
    assert elsewhere.status_code == 403
    backwards = client.post(
        f"{API}/tech-free-hours",
        json.dumps({**body, "weekday": 4, "starts_at": "17:00", "ends_at": "13:00"}),
        content_type="application/json",
    )
    assert backwards.status_code == 400
    assert "ends_at" in backwards.json()["detail"]

    mine = client_for(employee).get(f"{API}/tech-free-hours/mine").json()
    assert [(h["weekday"], h["starts_at"]) for h in mine] == [(5, "13:00:00")]
    assert client_for(employee).get(f"{API}/tech-free-hours").status_code == 403
    page = client_for(employee).get("/guidelines/boundaries/").content.decode()
    assert "13:00–17:00" in page

    rule_id = made.json()["id"]
    assert client.delete(f"{API}/tech-free-hours/{rule_id}").status_code == 204
    assert not TechFreeHours.objects.exists()


def test_tech_free_hours_page_for_a_manager(db, manager, employee, team):
    client = client_for(manager)
    assert client.get("/guidelines/boundaries/tech-free-hours/").status_code == 200
    response = client.post(
        "/guidelines/boundaries/tech-free-hours/",
        {"org_unit": team.pk, "weekday": 5, "starts_at": "14:00", "ends_at": "16:00"},
    )
    assert response.status_code == 302
    assert TechFreeHours.objects.get().org_unit == team
    assert client_for(employee).get("/guidelines/boundaries/tech-free-hours/").status_code == 403


def test_hr_manages_wellness_weeks_without_overlaps(db, hr_person, employee):
    hr = client_for(hr_person, hr=True)
    today = timezone.localdate()
    first = today + dt.timedelta(days=30)
    body = {
        "name": "Summer log-off",
        "starts_on": first.isoformat(),
        "ends_on": (first + dt.timedelta(days=4)).isoformat(),
    }
    made = hr.post(f"{API}/wellness-weeks", json.dumps(body), content_type="application/json")
    assert made.status_code == 201, made.content
    clash = hr.post(f"{API}/wellness-weeks", json.dumps(body), content_type="application/json")
    assert clash.status_code == 400 and "starts_on" in clash.json()["detail"]
    by_employee = client_for(employee).post(
        f"{API}/wellness-weeks",
        json.dumps({**body, "starts_on": today.isoformat(), "ends_on": today.isoformat()}),
        content_type="application/json",
    )
    assert by_employee.status_code == 403
    week_id = made.json()["id"]
    changed = hr.put(
        f"{API}/wellness-weeks/{week_id}",
        json.dumps({**body, "message": "Enjoy!"}),
        content_type="application/json",
    )
    assert changed.status_code == 200 and changed.json()["message"] == "Enjoy!"
    assert hr.delete(f"{API}/wellness-weeks/{week_id}").status_code == 204
    assert not WellnessWeek.objects.exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "guidelines.wellness_week_created",
        "guidelines.wellness_week_changed",
        "guidelines.wellness_week_cancelled",
    } <= actions


def test_a_past_week_is_kept_for_the_record(db, hr_person):
    hr = client_for(hr_person, hr=True)
    past = timezone.localdate() - dt.timedelta(days=60)
    body = {"name": "Spring", "starts_on": past.isoformat(), "ends_on": past.isoformat()}
    made = hr.post(f"{API}/wellness-weeks", json.dumps(body), content_type="application/json")
    assert made.status_code == 201
    gone = hr.delete(f"{API}/wellness-weeks/{made.json()['id']}")
    assert gone.status_code == 400


def test_banner_on_every_page_during_a_wellness_week_and_pause_api(db, employee):
    today = timezone.localdate()
    client = client_for(employee)
    assert client.get(f"{API}/pause").json() == {"paused": False, "wellness_week": None}
    assert "wellness-banner" not in client.get("/guidelines/boundaries/").content.decode()
    WellnessWeek.objects.create(
        name="Log-off week",
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=1),
    )

    for url in ("/guidelines/boundaries/", "/connect/", "/privacy/"):
        page = client.get(url).content.decode()
        assert "wellness-banner" in page and "Log-off week" in page, url
    assert client.get(f"{API}/pause").json()["paused"] is True


def test_a_notice_a_week_ahead_on_the_boundaries_page(db, employee):
    soon = timezone.localdate() + dt.timedelta(days=5)
    WellnessWeek.objects.create(name="Autumn pause", starts_on=soon, ends_on=soon)
    page = client_for(employee).get("/guidelines/boundaries/").content.decode()
    assert "Autumn pause starts on" in page


@pytest.mark.parametrize("url", ["/guidelines/boundaries/wellness-weeks/"])
def test_only_hr_opens_the_wellness_page(db, employee, hr_person, url):
    assert client_for(employee).get(url).status_code == 403
    assert client_for(hr_person, hr=True).get(url).status_code == 200


def test_privacy_page_describes_preferences(db, employee):
    page = client_for(employee).get("/privacy/").content.decode()
    assert "Your boundaries and contact preferences" in page


def test_people_under_a_department(db):
    department = OrgUnitFactory()
    team = OrgUnitFactory(parent=department)
    inside = PersonFactory(org_unit=team)
    PersonFactory()
    from kith.guidelines.selectors.boundaries import people_under

    assert list(people_under(department.pk)) == [inside]
