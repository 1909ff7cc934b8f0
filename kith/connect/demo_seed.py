"""Demo programs for `kith seed_demo`: a coffee chat with history, cross-team intros, lunch
groups, mentoring and onboarding buddies, so every Connect page has something to show."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable

from django.utils import timezone

from kith.connect import rounds
from kith.connect.engine.cadence import draw_time, round_dates
from kith.connect.models import MatchMember, Participation, Program
from kith.directory.models import Person

HISTORY_ROUNDS = 6
# Past rounds are drawn for real; above this size the demo skips them to stay quick.
HISTORY_MAX_PEOPLE = 5000
MENTOR_TOPICS = [
    "public speaking",
    "product strategy",
    "career growth",
    "people management",
    "system design",
    "data analysis",
    "negotiation",
    "writing",
]


def seed(*, today: dt.date, seed: int, demo_emails: list[str]) -> str:
    rng = random.Random(seed + 3)
    # What the demo reads of everyone (100,000 full rows would cost seconds for nothing).
    people = list(
        Person.objects.filter(is_active=True).order_by("id").only("id", "start_date", "manager_id")
    )
    if len(people) < 4:
        return "Connect: too few people for demo programs."
    coffee = _program(
        "Coffee chat",
        "Meet someone new every two weeks for 30 minutes: across teams, time zones permitting.",
        kind=Program.Kind.COFFEE,
        join_mode=Program.JoinMode.OPT_OUT,
        cadence=Program.Cadence.BIWEEKLY,
        weekday=2,
        starts_on=today - dt.timedelta(weeks=14),
    )
    cross = _program(
        "Cross-team intros",
        "Once a month, an intro to someone in a different team who shares an interest.",
        kind=Program.Kind.CROSS_TEAM,
        cadence=Program.Cadence.MONTHLY,
        weekday=3,
        starts_on=today,
    )
    lunch = _program(
        "Lunch groups",
        "Lunch with three or four colleagues, in person where you share a city.",
        kind=Program.Kind.LUNCH,
        cadence=Program.Cadence.WEEKLY,
        weekday=4,
        local_hour=9,
        group_size=4,
        meeting_minutes=60,
        starts_on=today,
    )
    mentoring = _program(
        "Mentoring",
        "Mentors offer time and topics; mentees say what they want to learn. Both confirm.",
        kind=Program.Kind.MENTORING,
        cadence=Program.Cadence.MONTHLY,
        weekday=1,
        starts_on=today,
    )
    _program(
        "Onboarding buddies",
        "Every new joiner gets a buddy from another team, in the same city when possible.",
        kind=Program.Kind.BUDDY,
        join_mode=Program.JoinMode.OPT_OUT,
        cadence=Program.Cadence.WEEKLY,
        weekday=1,
        local_hour=9,
        starts_on=today,
    )
    opt_in = rng.sample(people, min(len(people), max(8, len(people) // 6)))
    demo_people = list(Person.objects.filter(email__in=demo_emails))
    _join(cross, {*opt_in, *demo_people})
    _join(lunch, rng.sample(people, min(len(people), max(6, len(people) // 10))))
    _mentoring_people(mentoring, people, rng)
    history = 0
    if len(people) <= HISTORY_MAX_PEOPLE:
        history = _coffee_history(coffee, today, rng)
    return f"Connect: 5 demo programs, {history} past coffee-chat rounds."


def _program(name: str, description: str, **fields: object) -> Program:
    program, _ = Program.objects.get_or_create(
        name=name, defaults={"description": description, **fields}
    )
    return program


def _join(program: Program, people: Iterable[Person]) -> None:
    """Sign people up as `get_or_create` would, in one INSERT per 2,000."""
    Participation.objects.bulk_create(
        [Participation(program=program, person=person) for person in people],
        batch_size=2000,
        ignore_conflicts=True,
    )


def _mentoring_people(program: Program, people: list[Person], rng: random.Random) -> None:
    veterans = [p for p in people if p.start_date and p.manager_id]
    chosen = rng.sample(veterans, min(len(veterans), 24))
    for i, person in enumerate(chosen):
        topics = rng.sample(MENTOR_TOPICS, 3 if i < 8 else 2)
        Participation.objects.get_or_create(
            program=program,
            person=person,
            defaults={
                "role": "mentor" if i < 8 else "mentee",
                "capacity": rng.randint(1, 3) if i < 8 else 0,
                "topics": topics,
            },
        )


def _coffee_history(program: Program, today: dt.date, rng: random.Random) -> int:
    """Six earlier rounds, drawn by the real engine, with believable follow-up answers."""
    dates = round_dates(
        starts_on=program.starts_on,
        weekday=program.weekday,
        cadence=program.cadence,  # type: ignore[arg-type]
        after=program.starts_on,
        count=HISTORY_ROUNDS + 1,
    )
    past = [d for d in dates if d < today][-HISTORY_ROUNDS:]
    now = timezone.now()
    for date in past:
        drawn = rounds.round_run(
            program=program, round_date=date, now=draw_time(date), notify=False
        )
        # Answers come in before the next round, as they would (the last round's may not yet).
        members = list(MatchMember.objects.filter(match__round=drawn))
        answered = date <= today - dt.timedelta(days=program.follow_up_days)
        for member in members:
            roll = rng.random()
            if answered and roll < 0.62:
                member.met = MatchMember.Met.YES
            elif answered and roll < 0.8:
                member.met = MatchMember.Met.NO
            member.answered_at = now if member.met else None
            member.follow_up_sent_at = now if answered else None
        MatchMember.objects.bulk_update(members, ["met", "answered_at", "follow_up_sent_at"])
    return len(past)
