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
    stale = hr_client.post(f"/connect/manage/{program.pk}/draw/", {"date": "2001-01-01"})
    assert stale.status_code == 302 and not Round.objects.exists()
    date = rounds_date(program)
    hr_client.post(f"/connect/manage/{program.pk}/draw/", {"date": date.isoformat()})
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


@pytest.fixture
def joined(program, colleagues, employee):
    for person in [employee, *colleagues]:
        services.participation_join(program=program, person=person)
    return program


def test_drawing_asks_first_and_says_what_will_happen(hr_client, joined):
    date = rounds_date(joined)
    preview = hr_client.get(f"/connect/manage/{joined.pk}/preview/").content.decode()
    confirm_url = f"/connect/manage/{joined.pk}/draw/?date={date.isoformat()}"
    assert confirm_url in preview.replace("&amp;", "&")
    page = hr_client.get(confirm_url)
    text = page.content.decode()
    assert page.status_code == 200 and not Round.objects.exists()  # asking draws nothing
    assert "6 people are matched into 3 matches" in text
    assert "calendar invitation" in text and "cannot be undone" in text
    assert f'name="date" value="{date.isoformat()}"' in text


def test_a_second_submit_or_back_and_resubmit_draws_nothing_more(hr_client, joined):
    url = f"/connect/manage/{joined.pk}/draw/"
    date = rounds_date(joined).isoformat()
    first = hr_client.post(url, {"date": date})
    again = hr_client.post(url, {"date": date}, follow=True)  # double click, or Back + submit
    assert first.status_code == 302 and first["Location"].endswith("/stats/")
    assert Round.objects.filter(program=joined).count() == 1
    assert "already drawn" in again.content.decode()
    assert (
        hr_client.get(f"{url}?date={date}", follow=True).redirect_chain[-1][0].endswith("/stats/")
    )
    assert Round.objects.filter(program=joined).count() == 1


def test_a_form_without_the_round_it_draws_draws_nothing(hr_client, joined):
    response = hr_client.post(f"/connect/manage/{joined.pk}/draw/", follow=True)
    assert "not the next round" in response.content.decode()
    assert not Round.objects.exists()


def test_the_preview_is_planned_once_per_state_of_the_program(
    hr_client, joined, colleagues, monkeypatch
):
    url = f"/connect/manage/{joined.pk}/preview/"
    assert hr_client.get(url).status_code == 200
    planned: list[int] = []
    real_plan = rounds.round_plan

    def counting_plan(*args, **kwargs):
        planned.append(1)
        return real_plan(*args, **kwargs)

    monkeypatch.setattr(rounds, "round_plan", counting_plan)
    again = hr_client.get(url)
    assert again.status_code == 200 and b"Colleague 0" in again.content and planned == []
    services.participation_leave(program=joined, person=colleagues[0])
    changed = hr_client.get(url)
    assert planned == [1] and b"Colleague 0" not in changed.content


def test_a_superseded_preview_does_not_stay_in_the_cache(hr_client, joined, colleagues):
    """A plan names shared interests and cities: once the program's state changes, the old
    plan is deleted, so a dump of the cache table holds only the current one."""
    from django.core.cache import cache

    from kith.connect import previews

    url = f"/connect/manage/{joined.pk}/preview/"
    date = rounds_date(joined)
    hr_client.get(url)
    first_key = previews.state_key(joined, date)
    assert cache.get(first_key) is not None
    services.participation_leave(program=joined, person=colleagues[0])
    hr_client.get(url)
    assert cache.get(first_key) is None
    assert cache.get(previews.state_key(joined, date)) is not None


def test_moving_a_team_is_a_new_state(joined, colleagues):
    from kith.connect import previews
    from kith.directory.tests.factories import OrgUnitFactory

    date = rounds_date(joined)
    before = previews.state_key(joined, date)
    unit = colleagues[0].org_unit
    unit.parent = OrgUnitFactory()
    unit.save()
    assert previews.state_key(joined, date) != before


def test_a_large_preview_is_prepared_in_the_background(
    hr_client, joined, monkeypatch, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from kith.connect import previews
    from kith.connect.tasks import prepare_round_preview

    monkeypatch.setattr(previews, "INLINE_PEOPLE", 3)
    url = f"/connect/manage/{joined.pk}/preview/"
    with django_capture_on_commit_callbacks(execute=True):
        waiting = hr_client.get(url).content.decode()
        hr_client.get(url)  # polling enqueues nothing more
    assert "Preparing the preview" in waiting and "<progress" in waiting
    assert 'hx-trigger="every 1s"' in waiting
    task = DBTaskResult.objects.get()
    assert task.task_path.endswith("prepare_round_preview")
    assert not AuditEvent.objects.filter(action="connect.round_previewed").exists()
    prepare_round_preview.call(*task.args_kwargs["args"])  # what the worker does
    ready = hr_client.get(url).content.decode()
    assert "Draw this round" in ready and "Preparing" not in ready
    assert AuditEvent.objects.filter(action="connect.round_previewed").exists()
    assert not Round.objects.exists()


def test_a_failed_background_preview_is_shown_not_requeued_forever(
    hr_client, joined, monkeypatch, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from kith.connect import previews, rounds
    from kith.connect.tasks import prepare_round_preview

    monkeypatch.setattr(previews, "INLINE_PEOPLE", 3)
    real_plan = rounds.round_plan

    def boom(*args, **kwargs):
        raise RuntimeError("engine bug")

    monkeypatch.setattr(rounds, "round_plan", boom)
    url = f"/connect/manage/{joined.pk}/preview/"
    with django_capture_on_commit_callbacks(execute=True):
        hr_client.get(url)
    task = DBTaskResult.objects.get()
    with pytest.raises(RuntimeError):
        prepare_round_preview.call(*task.args_kwargs["args"])
    with django_capture_on_commit_callbacks(execute=True):
        page = hr_client.get(url).content.decode()  # what the page's poll asks
    assert DBTaskResult.objects.count() == 1, "the poll enqueued a failed preview again"
    assert 'hx-trigger="every 1s"' not in page
    assert "could not be prepared" in page
    monkeypatch.setattr(rounds, "round_plan", real_plan)
    with django_capture_on_commit_callbacks(execute=True):
        hr_client.post(url)  # "Try again" retries
        hr_client.get(url)
    assert DBTaskResult.objects.count() == 2


def test_a_failed_inline_preview_says_so_instead_of_an_error(hr_client, joined, monkeypatch):
    from kith.connect import rounds

    def boom(*args, **kwargs):
        raise RuntimeError("engine bug")

    monkeypatch.setattr(rounds, "round_plan", boom)
    response = hr_client.get(f"/connect/manage/{joined.pk}/preview/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "could not be prepared" in page and 'hx-trigger="every 1s"' not in page


def test_the_api_draws_a_round_once_per_date(hr_client, employee_client, joined):
    hr = hr_client
    url = f"/api/v1/connect/programs/{joined.pk}/rounds"
    date = rounds_date(joined).isoformat()
    denied = employee_client.post(url)
    assert denied.status_code == 403, denied.content
    unnamed = hr.post(url)  # no date: a retry could not be told from a new draw
    assert unnamed.status_code == 400 and unnamed.json()["detail"].startswith("date: ")
    drawn = hr.post(f"{url}?date={date}")
    retried = hr.post(f"{url}?date={date}")
    assert drawn.status_code == 201 and retried.status_code == 200
    assert retried.json() == drawn.json()
    assert Round.objects.filter(program=joined).count() == 1
    stale = hr.post(f"{url}?date=2001-01-03")
    assert stale.status_code == 409 and stale.json()["detail"].startswith("date: ")
    assert Round.objects.filter(program=joined).count() == 1


def test_rule_messages_name_the_field_never_the_database(hr_client, program, employee):
    from django.core.exceptions import ValidationError

    from kith.connect.models import DoNotPair

    taken = hr_client.post("/connect/manage/new/", {"name": program.name, "kind": "coffee"})
    assert "name: a program with this name already exists" in taken.content.decode()
    with pytest.raises(ValidationError) as caught:
        DoNotPair(person=employee, other=employee).full_clean()
    text = " ".join(caught.value.messages)
    assert "other: that is you" in text and "constraint" not in text.lower()
    day, now = program.starts_on, timezone.now()
    Round.objects.create(program=program, scheduled_for=day, ran_at=now)
    with pytest.raises(ValidationError) as caught:
        Round(program=program, scheduled_for=day, ran_at=now).validate_constraints()
    assert "scheduled_for: this program already has a round on that date" in " ".join(
        caught.value.messages
    )


def test_connect_speaks_portuguese(employee_client, hr_client, joined):
    from django.core.exceptions import ValidationError
    from django.utils import translation

    page = employee_client.get("/connect/", HTTP_ACCEPT_LANGUAGE="pt").content.decode()
    assert "Os meus pares" in page and "A minha lista de «não emparelhar»" in page
    date = rounds_date(joined).isoformat()
    confirm = hr_client.get(
        f"/connect/manage/{joined.pk}/draw/?date={date}", HTTP_ACCEPT_LANGUAGE="pt"
    ).content.decode()
    assert "6 pessoas são emparelhadas em 3 pares" in confirm
    assert "Não é possível anular" in confirm
    with translation.override("pt"), pytest.raises(ValidationError) as caught:
        services.participation_pause(
            program=joined, person=joined.participations.first().person, until=dt.date(2001, 1, 1)
        )
    assert caught.value.messages == ["Escolha uma data a partir de hoje."]
