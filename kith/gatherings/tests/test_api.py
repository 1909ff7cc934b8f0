"""/api/v1/gatherings: the same rules as the pages."""

from __future__ import annotations

import pytest
from django.test import Client

from kith.directory.models import Office
from kith.directory.tests.factories import PersonFactory, login_for
from kith.events.models import Event

pytestmark = pytest.mark.django_db
BASE = "/api/v1/gatherings"


def client_for(person, hr=False) -> Client:
    client = Client()
    client.force_login(login_for(person, hr=hr))
    return client


@pytest.fixture
def setup():
    Office.objects.create(
        name="Berlin Hub",
        city="Berlin",
        country="DE",
        latitude=52.52,
        longitude=13.40,
        timezone="Europe/Berlin",
        capacity=10,
    )
    hr = PersonFactory()
    a = PersonFactory(email="a@x.org", city="Berlin", country="DE", latitude=52.52, longitude=13.4)
    b = PersonFactory(email="b@x.org", city="Munich", country="DE", latitude=48.14, longitude=11.58)
    return hr, a, b


BODY = {"emails": ["a@x.org", "b@x.org"], "from": "2027-06-01", "to": "2027-06-30", "days": 5}


def test_plan_create_choose_agenda_groups_send(setup):
    hr, a, _ = setup
    api = client_for(hr, hr=True)
    planned = api.post(f"{BASE}/plan", BODY, content_type="application/json")
    assert planned.status_code == 200, planned.content
    options = planned.json()["options"]
    assert options[0]["office"] == "Berlin Hub" and options[0]["week_start"] == "2027-06-07"
    created = api.post(
        BASE, {**BODY, "name": "Core week", "kind": "core_week"}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    gid = created.json()["id"]
    assert created.json()["options"][0]["total_km"] == options[0]["total_km"]
    chosen = api.post(f"{BASE}/{gid}/choose", {"option": 1}, content_type="application/json")
    assert chosen.status_code == 200, chosen.content
    assert chosen.json()["status"] == "planned"
    assert chosen.json()["agenda"][0]["kind"] == "travel"
    days = [{"kind": "structured", "title": f"Day {i}"} for i in range(5)]
    edited = api.put(f"{BASE}/{gid}/agenda", {"days": days}, content_type="application/json")
    assert edited.status_code == 200 and edited.json()["agenda"][4]["title"] == "Day 4"
    short = api.put(f"{BASE}/{gid}/agenda", {"days": days[:2]}, content_type="application/json")
    assert short.status_code == 422 and short.json()["detail"][0]["loc"] == ["body", "days"]
    drawn = api.post(f"{BASE}/{gid}/groups")
    assert drawn.status_code == 200 and len(drawn.json()) == 1
    sent = api.post(f"{BASE}/{gid}/send")
    assert sent.status_code == 200 and sent.json()["status"] == "invited"
    assert sent.json()["rsvps"] == {"going": 0, "waitlisted": 0, "not_going": 0, "no_answer": 2}
    assert Event.objects.get(pk=sent.json()["event_id"]).invite_only
    # A participant sees it now, without the options; a stranger gets a 404.
    mine = client_for(a).get(f"{BASE}/{gid}")
    assert mine.status_code == 200 and mine.json()["role"] == "participant"
    assert mine.json()["options"] == [] and mine.json()["rsvps"] is None
    assert [g["id"] for g in client_for(a).get(BASE).json()] == [gid]
    assert client_for(PersonFactory()).get(f"{BASE}/{gid}").status_code == 404


def test_errors_name_the_field(setup):
    hr = setup[0]
    api = client_for(hr, hr=True)
    unknown = api.post(
        f"{BASE}/plan",
        {**BODY, "emails": ["a@x.org", "who@x.org"]},
        content_type="application/json",
    )
    assert unknown.status_code == 422 and "who@x.org" in unknown.json()["detail"][0]["msg"]
    backwards = api.post(
        f"{BASE}/plan", {**BODY, "from": "2027-07-01"}, content_type="application/json"
    )
    assert backwards.json()["detail"][0]["loc"] == ["body", "last_day"]
    assert (
        api.post(f"{BASE}/plan", {**BODY, "days": 9}, content_type="application/json").status_code
        == 422
    )
    assert api.post(f"{BASE}/plan", "{", content_type="application/json").status_code == 400
    far = api.post(
        f"{BASE}/plan",
        {**BODY, "from": "9999-12-27", "to": "9999-12-31"},
        content_type="application/json",
    )
    assert far.status_code == 422 and far.json()["detail"][0]["loc"] == ["body", "first_day"]


def test_only_planners_plan(setup):
    a = setup[1]
    answer = client_for(a).post(f"{BASE}/plan", BODY, content_type="application/json")
    assert answer.status_code == 403 and "detail" in answer.json()
