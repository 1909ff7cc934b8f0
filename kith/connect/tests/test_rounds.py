"""Rounds end to end on the database: the issue's acceptance over the 300-person demo
organisation, and the rules around it (exactly once, pauses, do-not-pair, follow-ups)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from kith.connect import rounds, services
from kith.connect.engine.cadence import local_moment, round_dates
from kith.connect.models import DoNotPair, Match, MatchMember, Participation, Program, Round
from kith.connect.tests.factories import ProgramFactory
from kith.directory.demo.seed import seed_demo_organisation
from kith.directory.models import Person
from kith.notify.engine.delivery import is_within, next_delivery_time
from kith.notify.models import Notification
from kith.notify.services import working_hours_of

START = dt.date(2026, 9, 1)


@pytest.fixture
def demo_org(db):
    seed_demo_organisation(people=300, seed=7, today=START)
    return list(Person.objects.filter(is_active=True).order_by("id"))


def _pairs(round_: Round) -> list[tuple[int, int]]:
    members: dict[int, list[int]] = defaultdict(list)
    for match_id, person_id in MatchMember.objects.filter(match__round=round_).values_list(
        "match_id", "person_id"
    ):
        members[match_id].append(person_id)
    return [
        (min(a, b), max(a, b))
        for ids in members.values()
        for i, a in enumerate(ids)
        for b in ids[i + 1 :]
    ]


@pytest.mark.django_db(transaction=False)
def test_twelve_weekly_rounds_over_the_demo_organisation(demo_org):
    program = ProgramFactory(starts_on=START, weekday=2, local_hour=10)
    people = demo_org
    paused, resting = people[5], people[6]
    services.participation_pause(
        program=program, person=paused, until=START + dt.timedelta(weeks=4), today=START
    )
    services.participation_leave(program=program, person=resting)
    a, b = people[10], people[11]
    services.do_not_pair_add(person=a, other=b)
    dates = round_dates(starts_on=START, weekday=2, cadence="weekly", after=START, count=12)
    seen_at: dict[tuple[int, int], dt.date] = {}
    zone_of = {p.pk: p for p in people}
    for date in dates:
        drawn = rounds.round_run(program=program, round_date=date, now=rounds_now(date))
        # People answer "did you meet?" (those who never do are asked first: tested below).
        MatchMember.objects.filter(match__round=drawn).update(met=MatchMember.Met.YES)
        pairs = _pairs(drawn)
        # No repeat within 12 weeks, counted from what is stored, not from the engine.
        for pair in pairs:
            assert pair not in seen_at, f"{pair} met on {seen_at[pair]} and again on {date}"
            seen_at[pair] = date
        assert (min(a.pk, b.pk), max(a.pk, b.pk)) not in pairs
        in_round = {pid for pair in pairs for pid in pair}
        assert resting.pk not in in_round
        if date <= START + dt.timedelta(weeks=4):
            assert paused.pk not in in_round
        sizes = Counter(len(m.members.all()) for m in drawn.matches.prefetch_related("members"))
        expected = drawn.stats["participants"] - drawn.stats["unmatched"]
        assert sum(size * n for size, n in sizes.items()) == expected
        assert drawn.stats["unmatched"] == 0
        assert sizes[3] == (1 if expected % 2 else 0), "odd counts give exactly one trio"
        assert set(sizes) <= {2, 3}
        assert drawn.stats["repeats"] == 0
    assert paused.pk in {pid for pair in seen_at for pid in pair}, "the pause ended"
    _assert_intros_arrive_at_local_hour(program, zone_of)


def rounds_now(date: dt.date) -> dt.datetime:
    return dt.datetime.combine(date - dt.timedelta(days=2), dt.time(0), tzinfo=dt.UTC)


def _assert_intros_arrive_at_local_hour(program: Program, people: dict[int, Person]) -> None:
    intros = Notification.objects.filter(kind="connect.intro")
    assert intros.count() > 1000
    round_of_match = dict(Match.objects.values_list("id", "round__scheduled_for"))
    at_the_hour = 0
    for note in intros.iterator():
        person = people[note.person_id]
        hours = working_hours_of(person)
        assert is_within(note.deliver_at, hours), "never in someone's quiet hours"
        day = round_of_match[int(note.url.rstrip("/").rsplit("/", 1)[1])]
        due = local_moment(day, program.local_hour, ZoneInfo(person.timezone))
        assert note.deliver_at == next_delivery_time(due, hours)
        if hours.includes_wall_clock(day, dt.time(program.local_hour)):
            local = note.deliver_at.astimezone(ZoneInfo(person.timezone))
            assert (local.date(), local.hour, local.minute) == (day, program.local_hour, 0)
            at_the_hour += 1
    assert at_the_hour > intros.count() * 0.9


def test_a_round_is_drawn_exactly_once(demo_org):
    program = ProgramFactory(starts_on=START)
    date = dt.date(2026, 9, 2)
    first = rounds.round_run(program=program, round_date=date)
    with pytest.raises(rounds.RoundAlreadyDrawn):
        rounds.round_run(program=program, round_date=date)
    assert Round.objects.filter(program=program).count() == 1
    assert first.matches.count() == first.stats["groups"]


def test_scheduler_job_draws_due_rounds_once(demo_org):
    program = ProgramFactory(starts_on=START, weekday=3)
    date = dt.date(2026, 9, 2)  # a Wednesday
    before = dt.datetime(2026, 8, 30, 23, 0, tzinfo=dt.UTC)
    assert rounds.rounds_run_due(now=before) == []
    at = dt.datetime(2026, 8, 31, 0, 5, tzinfo=dt.UTC)
    drawn = rounds.rounds_run_due(now=at)
    assert [(r.program_id, r.scheduled_for) for r in drawn] == [(program.pk, date)]
    assert rounds.rounds_run_due(now=at + dt.timedelta(minutes=15)) == []


def test_intro_carries_a_calendar_invite_in_the_readers_zone(demo_org):
    program = ProgramFactory(starts_on=START)
    drawn = rounds.round_run(program=program, round_date=dt.date(2026, 9, 2))
    match = drawn.matches.exclude(suggested_times=[]).first()
    assert match is not None
    member = match.members.select_related("person").first()
    note = Notification.objects.get(person=member.person, kind="connect.intro")
    assert note.subject.startswith(f"{program.name}: meet ")
    assert match.explanation in note.body
    (attachment,) = note.attachments
    cal = icalendar.Calendar.from_ical(attachment["content"])
    event = next(iter(cal.walk("VEVENT")))
    start = event.decoded("DTSTART")
    assert start == dt.datetime.fromisoformat(match.suggested_times[0])
    assert str(start.tzinfo) == member.person.timezone
    assert len(event.get("ATTENDEE")) == match.members.count()


def test_people_who_ignore_three_rounds_are_asked_first(demo_org):
    program = ProgramFactory(starts_on=START, follow_up_days=3)
    dates = round_dates(starts_on=START, weekday=2, cadence="weekly", after=START, count=4)
    for date in dates[:3]:
        rounds.round_run(program=program, round_date=date)
    MatchMember.objects.update(follow_up_sent_at=dt.datetime(2026, 9, 20, tzinfo=dt.UTC))
    silent = MatchMember.objects.filter(match__program=program).values_list("person_id", flat=True)
    answered = set(silent[:10])
    for member in MatchMember.objects.filter(person_id__in=answered, match__program=program):
        services.match_answer_follow_up(member=member, met=True)
    plan = rounds.round_plan(program, dates[3])
    asked = {p.pk for p in plan.to_confirm}
    assert asked and not asked & answered
    rounds.round_run(program=program, round_date=dates[3])
    row = Participation.objects.get(program=program, person_id=next(iter(asked)))
    assert row.needs_confirmation
    assert Notification.objects.filter(person_id=row.person_id, kind="connect.confirm").exists()
    services.participation_resume(program=program, person=row.person)
    row.refresh_from_db()
    assert not row.needs_confirmation
    # Saying yes forgives the old silence: they are not asked again next round.
    later = rounds.round_plan(program, dates[3] + dt.timedelta(weeks=1))
    assert row.person_id not in {p.pk for p in later.to_confirm}
    assert row.person_id in {p.pk for p in later.eligible}


def test_follow_ups_are_sent_once_and_only_to_those_who_have_not_answered(demo_org):
    program = ProgramFactory(starts_on=START, follow_up_days=7)
    drawn = rounds.round_run(program=program, round_date=dt.date(2026, 9, 2))
    first = MatchMember.objects.filter(match__round=drawn).first()
    services.match_answer_follow_up(member=first, met=True)
    early = dt.datetime(2026, 9, 5, 12, tzinfo=dt.UTC)
    assert rounds.follow_ups_send_due(now=early) == 0
    # 10:00 on 9 September in each person's zone: Asia first, the Americas last.
    morning_in_asia = dt.datetime(2026, 9, 9, 4, tzinfo=dt.UTC)
    asked_early = rounds.follow_ups_send_due(now=morning_in_asia)
    assert 0 < asked_early < MatchMember.objects.filter(match__round=drawn).count() - 1
    later = dt.datetime(2026, 9, 10, 12, tzinfo=dt.UTC)
    sent = asked_early + rounds.follow_ups_send_due(now=later)
    assert sent == MatchMember.objects.filter(match__round=drawn).count() - 1
    assert rounds.follow_ups_send_due(now=later) == 0
    assert not Notification.objects.filter(person=first.person, kind="connect.follow_up").exists()


def test_lunch_groups_have_three_or_four(demo_org):
    program = ProgramFactory(kind=Program.Kind.LUNCH, group_size=4, starts_on=START)
    for person in demo_org[:22]:
        Participation.objects.create(program=program, person=person)
    program.join_mode = Program.JoinMode.OPT_IN
    program.save()
    drawn = rounds.round_run(program=program, round_date=dt.date(2026, 9, 2))
    sizes = sorted(m.members.count() for m in drawn.matches.all())
    assert sum(sizes) + drawn.stats["unmatched"] == 22
    assert set(sizes) <= {3, 4}


def test_cross_team_intros_never_pair_teammates(demo_org):
    program = ProgramFactory(kind=Program.Kind.CROSS_TEAM, starts_on=START)
    drawn = rounds.round_run(program=program, round_date=dt.date(2026, 9, 2))
    team_of = dict(Person.objects.values_list("id", "org_unit_id"))
    for pair in _pairs(drawn):
        assert team_of[pair[0]] != team_of[pair[1]]


def test_managers_and_their_reports_are_never_paired(demo_org):
    program = ProgramFactory(starts_on=START)
    drawn = rounds.round_run(program=program, round_date=dt.date(2026, 9, 2))
    manager_of = dict(Person.objects.values_list("id", "manager_id"))
    for x, y in _pairs(drawn):
        assert manager_of[x] != y and manager_of[y] != x


def test_run_round_command_dry_run_sends_nothing(demo_org, capsys):
    program = ProgramFactory(starts_on=START, name="Coffee")
    day = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    call_command("run_round", "Coffee", "--dry-run", "--date", day)
    out = capsys.readouterr().out
    assert "dry run: nothing is sent" in out and " + " in out
    assert not Round.objects.exists() and not Notification.objects.exists()
    call_command("run_round", str(program.pk), "--date", day)
    assert Round.objects.count() == 1
    with pytest.raises(CommandError, match="already has a round"):
        call_command("run_round", str(program.pk), "--date", day)
    with pytest.raises(CommandError, match="in the past"):
        call_command("run_round", "Coffee", "--date", "2026-09-02")
    with pytest.raises(CommandError, match="No program 'Tea'"):
        call_command("run_round", "Tea")
    with pytest.raises(CommandError, match="No program '²'"):
        call_command("run_round", "²")
    with pytest.raises(CommandError, match="not a date"):
        call_command("run_round", "Coffee", "--date", "02/09/2026")


def test_mentoring_round_respects_capacity_and_waitlists(demo_org):
    program = ProgramFactory(
        kind=Program.Kind.MENTORING, join_mode=Program.JoinMode.OPT_IN, starts_on=START
    )
    mentor, *mentees = demo_org[20:24]
    services.participation_join(
        program=program, person=mentor, role="mentor", capacity=2, topics=["Design", "Writing"]
    )
    for mentee in mentees:
        services.participation_join(
            program=program, person=mentee, role="mentee", topics=["design"]
        )
    drawn = rounds.round_run(program=program, round_date=dt.date(2026, 9, 2))
    assert drawn.matches.count() == 2
    assert drawn.unmatched.count() == 1
    assert MatchMember.objects.filter(role="mentor", person=mentor).count() == 2
    waiting = drawn.unmatched.get()
    assert "waitlist" in waiting.detail.lower() or "full" in waiting.detail.lower()
    # A decline frees the place: the next round offers it to the waiting mentee.
    declined = MatchMember.objects.filter(role="mentee").first()
    services.match_confirm(member=declined, accept=False)
    again = rounds.round_run(program=program, round_date=dt.date(2026, 10, 7))
    assert again.matches.count() == 1
    assert again.matches.get().members.filter(person=waiting.person).exists()


def test_every_new_joiner_gets_a_buddy(demo_org):
    program = ProgramFactory(kind=Program.Kind.BUDDY, starts_on=START, new_joiner_days=30)
    drawn = rounds.round_run(program=program, round_date=dt.date(2026, 9, 2))
    joiners = Person.objects.filter(start_date__gte=START - dt.timedelta(days=30), is_active=True)
    assert joiners.exists()
    for joiner in joiners:
        member = MatchMember.objects.filter(person=joiner, role="joiner").first()
        assert member is not None, f"{joiner} has no buddy"
        buddy = member.match.members.get(role="buddy").person
        assert buddy.org_unit_id != joiner.org_unit_id
        assert buddy.pk != joiner.manager_id
        assert buddy.start_date is not None and (START - buddy.start_date).days >= 182
    counts = Counter(
        MatchMember.objects.filter(role="buddy", match__round=drawn).values_list(
            "person_id", flat=True
        )
    )
    assert max(counts.values()) <= 2
    assert Match.objects.filter(kind=Match.Kind.BUDDY).count() == joiners.count()


def test_do_not_pair_is_private_and_symmetric(demo_org):
    a, b = demo_org[1], demo_org[2]
    services.do_not_pair_add(person=a, other=b)
    assert DoNotPair.objects.count() == 1
    assert rounds.do_not_pair_pairs([b.pk]) == set()
    assert rounds.do_not_pair_pairs([a.pk, b.pk]) == {(min(a.pk, b.pk), max(a.pk, b.pk))}
