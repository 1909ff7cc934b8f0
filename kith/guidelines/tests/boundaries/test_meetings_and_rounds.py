"""Kith proposes no meeting inside boundaries, draws no round in a wellness week, and Connect
respects each person's "how often" and "in person or virtual" preferences."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kith.connect import rounds
from kith.connect.engine import schedule
from kith.connect.engine.scoring import IN_PERSON_BONUS, pair_score
from kith.connect.engine.types import Participant, Weights
from kith.connect.models import Match, MatchMember, Round
from kith.connect.selectors import next_round_date, skipped_for_wellness
from kith.connect.tests.factories import ProgramFactory
from kith.directory.models import ContactPreference
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory
from kith.guidelines.models import TechFreeHours, WellnessWeek
from kith.notify.engine.delivery import WorkingHours
from kith.touchpoints.services import oneonones

UTC = dt.UTC
NINE_TO_FIVE = WorkingHours("UTC", dt.time(9), dt.time(17), frozenset(range(1, 6)))
MONDAY = dt.datetime(2030, 6, 3, 0, 0, tzinfo=UTC)


def test_suggest_times_leaves_out_busy_intervals_of_anyone():
    mornings = [
        (MONDAY + dt.timedelta(days=d, hours=9), MONDAY + dt.timedelta(days=d, hours=13))
        for d in range(14)
    ]
    times = schedule.suggest_times(
        [NINE_TO_FIVE, NINE_TO_FIVE], after=MONDAY, count=5, busy_by_person=[[], mornings]
    )
    assert len(times) == 5
    assert all(t.hour >= 13 for t in times)
    with pytest.raises(ValueError, match="one list of intervals per person"):
        schedule.suggest_times([NINE_TO_FIVE], after=MONDAY, busy_by_person=[[], []])


def _team_with_mornings_off():
    team = OrgUnitFactory()
    for weekday in range(1, 8):
        TechFreeHours.objects.create(
            org_unit=team, weekday=weekday, starts_at=dt.time(8), ends_at=dt.time(13)
        )
    return team


def test_one_on_one_proposals_avoid_tech_free_hours(db):
    team = _team_with_mornings_off()
    boss = PersonFactory(org_unit=team, timezone="Europe/Lisbon")
    report = PersonFactory(org_unit=team, manager=boss, timezone="Europe/Lisbon")
    pair = oneonones.one_on_one_ensure(manager=boss, report=report)

    slots = oneonones.propose_times(pair, after=MONDAY, minutes=30, count=3)

    lisbon = ZoneInfo("Europe/Lisbon")
    assert len(slots) == 3
    assert all(slot.astimezone(lisbon).time() >= dt.time(13) for slot in slots)


def test_one_on_one_proposals_skip_a_wellness_week(db):
    boss = PersonFactory(timezone="UTC")
    report = PersonFactory(manager=boss, timezone="UTC")
    pair = oneonones.one_on_one_ensure(manager=boss, report=report)
    WellnessWeek.objects.create(
        name="Log-off", starts_on=dt.date(2030, 6, 3), ends_on=dt.date(2030, 6, 7)
    )

    slots = oneonones.propose_times(pair, after=MONDAY, minutes=30, count=3)

    assert slots and all(slot.date() >= dt.date(2030, 6, 10) for slot in slots)


def test_connect_suggested_times_avoid_tech_free_hours(db):
    team = _team_with_mornings_off()
    program = ProgramFactory(starts_on=dt.date(2030, 6, 3), weekday=3, local_hour=10)
    people = [PersonFactory(org_unit=team, timezone="Europe/Lisbon") for _ in range(2)]
    plan = rounds.RoundPlan(program, dt.date(2030, 6, 5), 1, people, [], [], [])
    planned = rounds.PlannedMatch(people=people, explanation="")

    times = rounds.suggested_times(plan, planned)

    lisbon = ZoneInfo("Europe/Lisbon")
    assert times and all(t.astimezone(lisbon).time() >= dt.time(13) for t in times)


def test_no_round_is_drawn_with_a_date_inside_a_wellness_week(db):
    program = ProgramFactory(starts_on=dt.date(2030, 6, 3), weekday=3)  # Wednesdays
    WellnessWeek.objects.create(
        name="Log-off", starts_on=dt.date(2030, 6, 3), ends_on=dt.date(2030, 6, 7)
    )

    assert next_round_date(program, dt.date(2030, 6, 1)) == dt.date(2030, 6, 12)
    assert skipped_for_wellness(program, dt.date(2030, 6, 1)) == [dt.date(2030, 6, 5)]
    PersonFactory.create_batch(4)
    now = dt.datetime(2030, 6, 3, 12, tzinfo=UTC)  # the 5 June round's draw time has passed
    assert rounds.rounds_run_due(now=now) == []
    assert not Round.objects.filter(program=program).exists()


def _introduced(person, on: dt.date) -> None:
    earlier = ProgramFactory(starts_on=on)
    drawn = Round.objects.create(program=earlier, scheduled_for=on, ran_at=MONDAY)
    match = Match.objects.create(round=drawn, program=earlier, explanation="")
    MatchMember.objects.create(match=match, person=person)


def test_intro_frequency_rests_people_introduced_recently_with_a_reason(db):
    program = ProgramFactory(starts_on=dt.date(2030, 6, 3), weekday=3)
    monthly, quarterly, keen, *_others = PersonFactory.create_batch(6)
    ContactPreference.objects.create(person=monthly, intro_frequency="monthly")
    ContactPreference.objects.create(person=quarterly, intro_frequency="quarterly")
    round_date = dt.date(2030, 6, 5)
    for person in (monthly, quarterly, keen):
        _introduced(person, round_date - dt.timedelta(days=40))

    plan = rounds.round_plan(program, round_date)

    rested = {p.pk: (code, detail) for p, code, detail in plan.unmatched}
    assert quarterly.pk in rested and rested[quarterly.pk][0] == "intro_frequency"
    assert "at most once a quarter" in rested[quarterly.pk][1]
    assert monthly.pk not in rested  # 40 days ago: a month has passed
    matched = {p.pk for m in plan.matches for p in m.people}
    assert {monthly.pk, keen.pk} <= matched
    assert quarterly.pk not in matched


def test_a_virtual_preference_is_never_asked_to_meet_in_person(db):
    program = ProgramFactory(starts_on=dt.date(2030, 6, 3), weekday=3)
    ana, _bo = PersonFactory.create_batch(2, city="Lisbon", country="PT")
    ContactPreference.objects.create(person=ana, meeting_mode="virtual")

    plan = rounds.round_plan(program, dt.date(2030, 6, 5))

    [match] = plan.matches
    assert match.meet_in_person_city == ""
    assert "meet in person" not in match.explanation

    ContactPreference.objects.filter(person=ana).update(meeting_mode="either")
    [match] = rounds.round_plan(program, dt.date(2030, 6, 5)).matches
    assert match.meet_in_person_city == "Lisbon, PT"


def test_an_in_person_preference_counts_a_shared_city_more():
    weights = Weights()
    a = Participant(id=1, team=1, department=1, city="Lisbon, PT")
    b = Participant(id=2, team=2, department=1, city="Lisbon, PT")
    keen = Participant(id=1, team=1, department=1, city="Lisbon, PT", prefers_in_person=True)

    assert pair_score(keen, b, weights) == pytest.approx(
        pair_score(a, b, weights) + weights.same_city * IN_PERSON_BONUS
    )
