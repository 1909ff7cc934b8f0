"""Office-day nudges: rare (one a week), only about people the person knows, only from the
map's minimum, only to those who have not planned that day, want nudges and like meeting in
person; idempotent under any number of workers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kith.connect.models import Match, MatchMember, Round
from kith.connect.tests.factories import ProgramFactory
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory
from kith.notify.models import Notification
from kith.places.models import Leave, OfficeDayNudge
from kith.places.services.days import office_day_nudges_send
from kith.places.tests.days_builders import TODAY, at, hide, office, people, plan, prefer

pytestmark = pytest.mark.django_db
WED = TODAY + dt.timedelta(days=2)
NOW = at(TODAY)


@pytest.fixture
def lisbon():
    return office()


@pytest.fixture
def mates(team, lisbon):
    crew = people(3, org_unit=team)
    for p in crew:
        plan(p, lisbon, WED)
    return crew


def _nudges(person):
    return list(Notification.objects.filter(person=person, kind="places.office_day"))


def test_three_teammates_make_one_nudge_a_week(employee, manager, mates, lisbon):
    assert office_day_nudges_send(now=NOW) == 2  # the employee and their manager, same team
    [note] = _nudges(employee)
    assert note.subject == "3 of your team will be in Lisbon on Wednesday 6 March"
    assert note.url == f"/places/offices/{lisbon.pk}/days/{WED.isoformat()}/"
    claim = OfficeDayNudge.objects.get(person=employee)
    assert (claim.week_start, claim.on_date, claim.people) == (TODAY, WED, 3)
    # The teammates planned that day themselves: nobody else to nudge. Run again: nothing.
    assert office_day_nudges_send(now=NOW + dt.timedelta(hours=6)) == 0
    newcomer = PersonFactory(org_unit=mates[0].org_unit)
    plan(newcomer, lisbon, WED + dt.timedelta(days=1))
    assert office_day_nudges_send(now=NOW + dt.timedelta(days=1)) == 1  # the newcomer only
    assert len(_nudges(newcomer)) == 1
    assert len(_nudges(employee)) == 1


def test_next_week_may_nudge_again(employee, team, lisbon, mates):
    office_day_nudges_send(now=NOW)
    for p in mates:
        plan(p, lisbon, WED + dt.timedelta(days=7))
    assert office_day_nudges_send(now=NOW + dt.timedelta(days=7)) >= 1
    assert len(_nudges(employee)) == 2


def test_two_teammates_or_strangers_are_not_enough(employee, team, lisbon):
    for p in people(2, org_unit=team):
        plan(p, lisbon, WED)
    for p in people(3, org_unit=OrgUnitFactory()):
        plan(p, lisbon, WED)
    assert office_day_nudges_send(now=NOW) == 0


def test_hidden_teammates_are_not_counted(employee, mates):
    hide(mates[0])
    office_day_nudges_send(now=NOW)
    assert _nudges(employee) == []


@pytest.mark.parametrize(
    "preference",
    [{"office_day_nudges": False}, {"meeting_mode": "virtual"}],
)
def test_no_nudge_when_switched_off_or_preferring_virtual(employee, mates, preference):
    prefer(employee, **preference)
    office_day_nudges_send(now=NOW)
    assert _nudges(employee) == []


def test_in_person_preference_still_gets_nudges(employee, mates):
    prefer(employee, meeting_mode="in_person")
    office_day_nudges_send(now=NOW)
    assert len(_nudges(employee)) == 1


def test_no_nudge_for_a_planned_day_a_day_away_or_a_day_off(employee, mates, lisbon):
    porto = office("Porto office", city="Porto", latitude=41.15, longitude=-8.61)
    plan(employee, porto, WED)
    office_day_nudges_send(now=NOW)
    assert _nudges(employee) == []
    employee.office_days.all().delete()
    Leave.objects.create(person=employee, starts_on=WED, ends_on=WED)
    office_day_nudges_send(now=NOW)
    assert _nudges(employee) == []
    Leave.objects.all().delete()
    employee.work_days = [1, 2, 4, 5]
    employee.save()
    office_day_nudges_send(now=NOW)
    assert _nudges(employee) == []


def test_no_nudge_about_a_far_away_office(team, mates):
    tokyo_mate = PersonFactory(
        org_unit=team, city="Tokyo", country="JP", latitude=35.68, longitude=139.69
    )
    office_day_nudges_send(now=NOW)
    assert _nudges(tokyo_mate) == []


def test_people_i_met_count_with_my_team(employee, team, lisbon):
    for p in people(2, org_unit=team):
        plan(p, lisbon, WED)
    friend = PersonFactory(org_unit=OrgUnitFactory())
    plan(friend, lisbon, WED)
    program = ProgramFactory()
    rnd = Round.objects.create(program=program, scheduled_for=TODAY, ran_at=timezone.now())
    match = Match.objects.create(round=rnd, program=program, explanation="x")
    MatchMember.objects.create(match=match, person=employee, met="yes")
    MatchMember.objects.create(match=match, person=friend)
    office_day_nudges_send(now=NOW)
    [note] = _nudges(employee)
    assert note.subject == "3 people you know will be in Lisbon on Wednesday 6 March"


def test_a_claimed_week_is_never_nudged_twice(employee, mates, lisbon):
    OfficeDayNudge.objects.create(
        person=employee, week_start=TODAY, office=lisbon, on_date=WED, people=3
    )
    assert office_day_nudges_send(now=NOW) == 1  # their manager only
    assert _nudges(employee) == []


def test_the_nudge_waits_for_working_hours(employee, mates):
    office_day_nudges_send(now=at(TODAY, hour=3))  # 03:00 in Lisbon
    [note] = _nudges(employee)
    assert note.deliver_at.astimezone(dt.UTC).hour >= 9


def test_the_nudge_job_is_registered_as_periodic():
    from kith.jobs.registry import registered_jobs

    names = {job.name for job in registered_jobs()}
    assert "kith.places.tasks.days.nudge_office_days" in names


def test_a_portuguese_reader_gets_the_nudge_in_portuguese(employee, manager, mates, lisbon):
    from django.utils import translation

    from kith.accounts.models import User
    from kith.directory.tests.factories import login_for

    User.objects.filter(pk=login_for(employee).pk).update(language="pt")
    with translation.override("en"):  # the scheduler runs in the default language
        office_day_nudges_send(now=NOW)
    [note] = _nudges(employee)
    assert note.subject == "3 da sua equipa vão estar em Lisbon: Quarta-feira 6 Março", note.subject
    assert "office days page" not in note.body
    [theirs] = _nudges(manager)  # an English reader keeps English
    assert theirs.subject == "3 of your team will be in Lisbon on Wednesday 6 March"
