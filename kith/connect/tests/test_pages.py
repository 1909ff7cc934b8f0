"""Connect's pages: join, pause, leave, see a match, answer the follow-up; HR's preview,
draw and statistics; and who may see what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from kith.connect import rounds, services
from kith.connect.models import MatchMember, Participation, Program, Round
from kith.connect.tests.factories import ProgramFactory
from kith.core.models import AuditEvent
from kith.directory.tests.factories import PersonFactory, login_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleagues(team):
    from kith.directory.tests.factories import OrgUnitFactory

    design = OrgUnitFactory(name="Design")
    return [
        PersonFactory(full_name=f"Colleague {i}", org_unit=design if i % 2 else team)
        for i in range(5)
    ]


@pytest.fixture
def program(colleagues):
    return ProgramFactory(
        name="Coffee",
        join_mode=Program.JoinMode.OPT_IN,
        starts_on=timezone.localdate(),
        weekday=timezone.localdate().isoweekday(),  # today's round: its matches show at once
    )


def test_join_pause_resume_and_leave(employee_client, employee, program):
    url = f"/connect/programs/{program.pk}/"
    page = employee_client.get(url)
    assert page.status_code == 200 and b"Join Coffee" in page.content
    employee_client.post(url + "join/")
    row = Participation.objects.get(program=program, person=employee)
    assert row.status == "active"
    until = timezone.localdate() + dt.timedelta(days=10)
    employee_client.post(url + "pause/", {"until": until.isoformat()})
    row.refresh_from_db()
    assert row.paused_until == until
    assert b"Paused until" in employee_client.get(url).content
    response = employee_client.post(url + "pause/", {"until": "2001-01-01"}, follow=True)
    assert b"Choose a date from today on" in response.content
    employee_client.post(url + "resume/")
    row.refresh_from_db()
    assert row.paused_until is None
    employee_client.post(url + "leave/")
    row.refresh_from_db()
    assert row.status == "left"


def test_program_outside_my_audience_is_not_found(employee_client, program, colleagues):
    from kith.directory.tests.factories import OrgUnitFactory

    program.audience = Program.Audience.ORG_UNITS
    program.save()
    program.org_units.set([OrgUnitFactory(name="Elsewhere")])
    assert employee_client.get(f"/connect/programs/{program.pk}/").status_code == 404
    assert employee_client.post(f"/connect/programs/{program.pk}/join/").status_code == 404


def _drawn(program, people):
    for person in people:
        services.participation_join(program=program, person=person)
    return rounds.round_run(program=program, round_date=rounds_date(program))


def rounds_date(program):
    from kith.connect.selectors import next_round_date

    return next_round_date(program)


def test_match_page_answer_and_invite(employee_client, employee, program, colleagues):
    _drawn(program, [employee, *colleagues])
    member = MatchMember.objects.get(person=employee)
    url = f"/connect/matches/{member.match_id}/"
    page = employee_client.get(url)
    assert page.status_code == 200
    assert member.match.explanation.encode() in page.content.replace(b"&#x27;", b"'")
    employee_client.post(url + "answer/", {"answer": "met"})
    member.refresh_from_db()
    assert member.met == "yes"
    if member.match.suggested_times:
        ics = employee_client.get(url + "invite-0.ics")
        assert ics.status_code == 200 and ics["Content-Type"].startswith("text/calendar")
        assert b"BEGIN:VEVENT" in ics.content
    assert employee_client.get(url + "invite-9.ics").status_code == 404


def test_a_match_is_seen_by_its_members_only(employee, program, colleagues, hr_client):
    _drawn(program, [employee, *colleagues])
    member = MatchMember.objects.get(person=employee)
    outsider = next(p for p in colleagues if not member.match.members.filter(person=p).exists())
    client = Client()
    client.force_login(login_for(outsider))
    assert client.get(f"/connect/matches/{member.match_id}/").status_code == 404
    assert hr_client.get(f"/connect/matches/{member.match_id}/").status_code == 404


def test_employees_cannot_manage_programs(employee_client, program):
    for url in (
        "/connect/manage/",
        "/connect/manage/new/",
        f"/connect/manage/{program.pk}/preview/",
        f"/connect/manage/{program.pk}/stats/",
    ):
        assert employee_client.get(url).status_code == 403, url
    assert employee_client.post(f"/connect/manage/{program.pk}/preview/").status_code == 403
    assert not Round.objects.exists()


def test_hr_creates_previews_draws_and_reads_statistics(hr_client, colleagues, employee):
    form = {
        "name": "Lunch roulette",
        "description": "Lunch with colleagues",
        "kind": "lunch",
        "audience": "everyone",
        "join_mode": "opt_out",
        "cadence": "weekly",
        "weekday": "4",
        "local_hour": "9",
        "group_size": "3",
        "meeting_minutes": "60",
        "starts_on": timezone.localdate().isoformat(),
        "repeat_window_weeks": "12",
        "follow_up_days": "7",
        "new_joiner_days": "90",
        "weight_different_team": "1",
        "weight_different_department": "0.5",
        "weight_shared_interests": "1",
        "weight_working_hours_overlap": "1",
        "weight_same_city": "1",
        "weight_seniority_mix": "0.5",
        "weight_new_joiners_first": "0.5",
        "is_active": "on",
    }
    bad = hr_client.post("/connect/manage/new/", {**form, "group_size": "2"})
    assert bad.status_code == 200 and b"Lunch groups have 3 or 4 people" in bad.content
    response = hr_client.post("/connect/manage/new/", form)
    program = Program.objects.get(name="Lunch roulette")
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="connect.program_created").exists()
    preview = hr_client.get(f"/connect/manage/{program.pk}/preview/")
    assert preview.status_code == 200 and b"Draw this round" in preview.content
    assert not Round.objects.exists()
    stale = hr_client.post(f"/connect/manage/{program.pk}/preview/", {"date": "2001-01-01"})
    assert stale.status_code == 302 and not Round.objects.exists()
    date = rounds_date(program)
    hr_client.post(f"/connect/manage/{program.pk}/preview/", {"date": date.isoformat()})
    drawn = Round.objects.get(program=program)
    assert AuditEvent.objects.filter(action="connect.round_previewed").exists()
    assert drawn.stats["matched"] + drawn.stats["unmatched"] == drawn.stats["participants"]
    stats = hr_client.get(f"/connect/manage/{program.pk}/stats/")
    assert stats.status_code == 200
    assert b"<svg" in stats.content and b"Participation" in stats.content
    assert drawn.scheduled_for.strftime("%-d %b").encode() in stats.content
    assert AuditEvent.objects.filter(action="connect.stats_viewed").exists()


def test_do_not_pair_list(employee_client, employee, colleagues):
    other = colleagues[0]
    page = employee_client.post("/connect/do-not-pair/", {"email": "nobody@example.com"})
    assert b"Nobody in the directory has that work email" in page.content
    employee_client.post("/connect/do-not-pair/", {"email": other.email.upper()})
    assert employee.do_not_pair.filter(other=other).exists()
    page = employee_client.get("/connect/do-not-pair/")
    assert other.display_name.encode() in page.content
    employee_client.post("/connect/do-not-pair/", {"remove": str(other.pk)})
    assert not employee.do_not_pair.exists()


def test_connect_home_has_empty_states(employee_client):
    page = employee_client.get("/connect/")
    assert page.status_code == 200
    assert b"No matches yet" in page.content
    assert b"No programs are open to you yet" in page.content


def test_ids_too_large_for_the_database_are_not_found(employee_client, hr_client):
    huge = 2**70
    assert employee_client.get(f"/connect/programs/{huge}/").status_code == 404
    assert employee_client.get(f"/connect/matches/{huge}/").status_code == 404
    assert hr_client.get(f"/connect/manage/{huge}/stats/").status_code == 404
