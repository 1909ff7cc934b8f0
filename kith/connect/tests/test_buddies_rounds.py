"""Buddy rounds on the database: what `_plan_buddies` hands the buddy engine and reads back."""

from __future__ import annotations

import datetime as dt

import pytest

from kith.connect import inputs, rounds, services
from kith.connect.models import Program
from kith.connect.tests.factories import ProgramFactory
from kith.directory.models import ContactPreference
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory

DAY = dt.date(2026, 9, 2)
SETTLED = dt.date(2020, 1, 6)


@pytest.fixture
def program(db):
    return ProgramFactory(
        kind=Program.Kind.BUDDY, starts_on=dt.date(2026, 1, 5), new_joiner_days=30
    )


def test_meeting_modes_are_read_for_the_paired_people_only(program, monkeypatch):
    """A virtual joiner meets their buddy online; the round asks only the paired people's
    preferences (it used to send every possible buddy's id: ~90,000 at 100k people)."""
    new_team, *other_teams = [OrgUnitFactory() for _ in range(3)]
    online, in_person = (PersonFactory(org_unit=new_team, start_date=DAY) for _ in range(2))
    for i in range(12):
        PersonFactory(org_unit=other_teams[i % 2], start_date=SETTLED)
    ContactPreference.objects.create(
        person=online, meeting_mode=ContactPreference.MeetingMode.VIRTUAL
    )
    asked: list[list[int]] = []
    meeting_modes = inputs.meeting_modes

    def spy(people):
        asked.append(sorted(p.pk for p in people))
        return meeting_modes(people)

    monkeypatch.setattr(inputs, "meeting_modes", spy)
    plan = rounds.round_plan(program, DAY)

    assert not plan.unmatched
    cities = {match.people[0].pk: match.meet_in_person_city for match in plan.matches}
    assert cities == {online.pk: "", in_person.pk: "Lisbon, PT"}
    assert asked == [sorted(p.pk for match in plan.matches for p in match.people)]


def test_a_settled_colleagues_do_not_pair_list_keeps_them_from_being_the_buddy(program):
    new_team, near_team, far_team = (OrgUnitFactory() for _ in range(3))
    joiner = PersonFactory(org_unit=new_team, start_date=DAY)
    near = PersonFactory(org_unit=near_team, start_date=SETTLED)
    far = PersonFactory(org_unit=far_team, start_date=SETTLED, city="Porto")
    services.do_not_pair_add(person=near, other=joiner)

    plan = rounds.round_plan(program, DAY)

    assert [[p.pk for p in match.people] for match in plan.matches] == [[joiner.pk, far.pk]]
