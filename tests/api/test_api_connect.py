"""Connect's API gives each viewer the same as the pages: programs open to them, their own
matches only, HR's preview and statistics only to HR."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kith.connect import rounds
from kith.connect.models import MatchMember, Program, Round
from kith.connect.selectors import next_round_date
from kith.connect.tests.factories import ProgramFactory
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(team):
    design = OrgUnitFactory(name="Design")
    return [PersonFactory(org_unit=design if i % 2 else team) for i in range(6)]


@pytest.fixture
def program(people):
    return ProgramFactory(
        name="Coffee",
        join_mode=Program.JoinMode.OPT_IN,
        starts_on=timezone.localdate(),
        weekday=timezone.localdate().isoweekday(),  # today's round: its matches show at once
    )


def test_join_pause_and_leave_through_the_api(api_client_for, employee, program):
    client = api_client_for(employee)
    listed = client.get("/api/v1/connect/programs").json()
    assert [p["name"] for p in listed] == ["Coffee"]
    assert listed[0]["me"]["taking_part"] is False
    joined = client.post(
        f"/api/v1/connect/programs/{program.pk}/join", {}, content_type="application/json"
    )
    assert joined.status_code == 200 and joined.json()["me"]["taking_part"] is True
    until = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    paused = client.post(
        f"/api/v1/connect/programs/{program.pk}/pause",
        {"until": until},
        content_type="application/json",
    )
    assert paused.json()["me"]["paused_until"] == until
    past = client.post(
        f"/api/v1/connect/programs/{program.pk}/pause",
        {"until": "2000-01-01"},
        content_type="application/json",
    )
    assert past.status_code == 400 and "from today on" in past.json()["detail"]
    left = client.post(f"/api/v1/connect/programs/{program.pk}/leave")
    assert left.json()["me"]["taking_part"] is False


def test_matches_are_mine_only_and_answers_are_recorded(api_client_for, employee, people, program):
    from kith.connect import services

    for person in [employee, *people]:
        services.participation_join(program=program, person=person)
    rounds.round_run(program=program, round_date=next_round_date(program))
    mine = api_client_for(employee).get("/api/v1/connect/matches").json()
    assert len(mine) == 1
    match = mine[0]
    assert employee.pk not in {p["id"] for p in match["people"]}
    assert match["explanation"]
    outsider = next(
        p for p in people if not MatchMember.objects.filter(match_id=match["id"], person=p).exists()
    )
    assert api_client_for(outsider).get(f"/api/v1/connect/matches/{match['id']}").status_code == 404
    answered = api_client_for(employee).post(
        f"/api/v1/connect/matches/{match['id']}/answer",
        {"answer": "met"},
        content_type="application/json",
    )
    assert answered.status_code == 200 and answered.json()["met"] == "yes"


def test_preview_draw_and_stats_are_for_hr(api_client_for, employee, hr_person, people, program):
    program.join_mode = Program.JoinMode.OPT_OUT
    program.save()
    assert (
        api_client_for(employee).get(f"/api/v1/connect/programs/{program.pk}/preview").status_code
        == 403
    )
    assert (
        api_client_for(employee).post(f"/api/v1/connect/programs/{program.pk}/rounds").status_code
        == 403
    )
    hr = api_client_for(hr_person, hr=True)
    preview = hr.get(f"/api/v1/connect/programs/{program.pk}/preview").json()
    assert preview["taking_part"] == len(people) + 3  # with the manager, employee and HR person
    no_date = hr.post(f"/api/v1/connect/programs/{program.pk}/rounds")
    assert no_date.status_code == 400 and no_date.json()["detail"].startswith("date:")
    url = f"/api/v1/connect/programs/{program.pk}/rounds?date={preview['date']}"
    drawn = hr.post(url)
    assert drawn.status_code == 201 and drawn.json()["repeats"] == 0
    stats = hr.get(f"/api/v1/connect/programs/{program.pk}/stats").json()
    assert len(stats) == 1 and stats[0]["participants"] == preview["taking_part"]
    assert Round.objects.count() == 1
    # The same date again answers the same round (a retry is safe): never a second one.
    again = hr.post(url)
    assert again.status_code == 200 and again.json() == drawn.json()
    assert Round.objects.count() == 1


def test_hr_creates_and_changes_a_program_through_the_api(api_client_for, employee, hr_person):
    body = {"name": "Lunch", "kind": "lunch", "group_size": 4, "starts_on": "2026-12-01"}
    denied = api_client_for(employee).post(
        "/api/v1/connect/programs", body, content_type="application/json"
    )
    assert denied.status_code == 403
    hr = api_client_for(hr_person, hr=True)
    bad = hr.post(
        "/api/v1/connect/programs", {**body, "group_size": 2}, content_type="application/json"
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "payload", "group_size"]
    made = hr.post("/api/v1/connect/programs", body, content_type="application/json")
    assert made.status_code == 201 and made.json()["group_size"] == 4
    again = hr.post("/api/v1/connect/programs", body, content_type="application/json")
    assert again.status_code == 422 and "name" in str(again.json())
    pid = made.json()["id"]
    changed = hr.put(
        f"/api/v1/connect/programs/{pid}",
        {**body, "local_hour": 12, "org_units": [999999]},
        content_type="application/json",
    )
    assert changed.status_code == 422 and "999999" in str(changed.json())
    changed = hr.put(
        f"/api/v1/connect/programs/{pid}",
        {**body, "local_hour": 12},
        content_type="application/json",
    )
    assert changed.status_code == 200 and changed.json()["local_hour"] == 12
    assert Program.objects.get(pk=pid).local_hour == 12
