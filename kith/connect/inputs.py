"""Turn directory rows into the matching engine's typed inputs (and nothing more about them).

The engine sees ids, teams, cities, working windows, interests and tenure: no names, no
emails, no private fields.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.conf import settings

from kith.connect.engine import schedule
from kith.connect.engine.types import BuddyCandidate, Joiner, Mentee, Mentor, Participant
from kith.connect.models import Match, MatchMember, Program
from kith.core import boundaries, calendars
from kith.directory.models import ContactPreference, Person, Tag
from kith.notify.engine.delivery import WorkingHours
from kith.notify.services import working_hours_of

UNKNOWN = -1
WEEK = dt.timedelta(days=7)


def week_start(day: dt.date) -> dt.datetime:
    """Monday 00:00 UTC of the week `day` is in: the origin of Participant.work_windows."""
    monday = day - dt.timedelta(days=day.isoweekday() - 1)
    return dt.datetime.combine(monday, dt.time(0), tzinfo=dt.UTC)


def city_key(person: Person) -> str:
    return f"{person.city}, {person.country}" if person.city else ""


def department_of(person: Person) -> int:
    if person.org_unit is None:
        return UNKNOWN
    ids = person.org_unit.ancestor_ids
    return ids[0] if ids else person.org_unit.pk


def interests_by_person(people: Sequence[Person]) -> dict[int, frozenset[str]]:
    through = Person.tags.through
    rows = through.objects.filter(
        person_id__in=[p.pk for p in people], tag__kind=Tag.Kind.INTEREST
    ).values_list("person_id", "tag__name")
    found: dict[int, set[str]] = defaultdict(set)
    for person_id, name in rows:
        found[person_id].add(name)
    return {pid: frozenset(names) for pid, names in found.items()}


def tenure_days(person: Person, on: dt.date) -> int:
    return max((on - person.start_date).days, 0) if person.start_date else 0


def meeting_modes(people: Sequence[Person]) -> dict[int, str]:
    """Each person's contact preference for meeting (only those who chose one)."""
    rows = ContactPreference.objects.filter(person_id__in=[p.pk for p in people]).exclude(
        meeting_mode=ContactPreference.MeetingMode.EITHER
    )
    return dict(rows.values_list("person_id", "meeting_mode"))


def busy_by_person(
    people: Sequence[Person],
    after: dt.datetime,
    *,
    span: dt.timedelta = schedule.MAX_WINDOW,
    calendars_too: bool = True,
) -> list[list[tuple[dt.datetime, dt.datetime]]]:
    """When Kith may propose no meeting to each person, in order: their boundaries (team
    tech-free hours, a wellness week) and the busy time of their connected calendar (through
    kith.core.calendars: start and end only) over the scheduler's window. Pass it to
    `schedule.suggest_times(..., busy_by_person=...)`, which intersects it with working
    hours and time zones. Call it for the few people of one meeting: calendars are remote.
    `calendars_too=False` where the person asking chose the others freely (the channel
    advisor): repeated proposals would otherwise map when any colleague is busy."""
    ids, end = [p.pk for p in people], after + span + WEEK
    quiet = boundaries.quiet_periods(ids, after, end)
    meetings = calendars.busy_intervals(ids, after, end) if calendars_too else {}
    return [[*quiet.get(p.pk, []), *meetings.get(p.pk, [])] for p in people]


def participants_for(
    people: Sequence[Person], *, program: Program, round_date: dt.date
) -> list[Participant]:
    """A person who prefers to meet virtually takes part without a city: the engine then
    never suggests meeting in person; one who prefers in person gets a shared city counted
    more."""
    interests = interests_by_person(people)
    modes = meeting_modes(people)
    origin = week_start(round_date)
    joiner_since = round_date - dt.timedelta(days=program.new_joiner_days)
    return [
        Participant(
            id=p.pk,
            team=p.org_unit_id or UNKNOWN,
            department=department_of(p),
            city="" if modes.get(p.pk) == ContactPreference.MeetingMode.VIRTUAL else city_key(p),
            work_windows=schedule.overlap_windows_for_week(working_hours_of(p), origin),
            interests=interests.get(p.pk, frozenset()),
            tenure_days=tenure_days(p, round_date),
            is_new_joiner=bool(p.start_date and p.start_date >= joiner_since),
            manager=p.manager_id,
            prefers_in_person=modes.get(p.pk) == ContactPreference.MeetingMode.IN_PERSON,
        )
        for p in people
    ]


def mentors_and_mentees(
    rows: Iterable[tuple[Person, str, int, list[str]]],
    *,
    taken: dict[int, int],
    round_date: dt.date,
) -> tuple[list[Mentor], list[Mentee]]:
    """`rows` are (person, role, capacity, topics); `taken` counts each mentor's current
    mentees, so capacity means places still free."""
    mentors: list[Mentor] = []
    mentees: list[Mentee] = []
    for person, role, capacity, topics in rows:
        tags = frozenset(t.strip() for t in topics if t.strip())
        if role == "mentor":
            mentors.append(
                Mentor(
                    id=person.pk,
                    capacity=max(capacity - taken.get(person.pk, 0), 0),
                    topics=tags,
                    team=person.org_unit_id or UNKNOWN,
                    department=department_of(person),
                    tenure_days=tenure_days(person, round_date),
                )
            )
        elif role == "mentee":
            mentees.append(
                Mentee(
                    id=person.pk,
                    goals=tags,
                    team=person.org_unit_id or UNKNOWN,
                    department=department_of(person),
                    manager=person.manager_id,
                )
            )
    return mentors, mentees


def joiner_for(person: Person) -> Joiner:
    assert person.start_date is not None
    return Joiner(
        id=person.pk,
        team=person.org_unit_id or UNKNOWN,
        city=city_key(person),
        manager=person.manager_id,
        start_ordinal=person.start_date.toordinal(),
    )


def buddy_candidate_for(person: Person, *, current: int, on: dt.date) -> BuddyCandidate:
    return BuddyCandidate(
        id=person.pk,
        team=person.org_unit_id or UNKNOWN,
        city=city_key(person),
        tenure_days=tenure_days(person, on),
        current_buddies=current,
        manager=person.manager_id,
    )


def working_hours(people: Iterable[Person]) -> list[WorkingHours]:
    return [working_hours_of(p) for p in people]


def pairs_of(member_rows: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """(match id, person id) rows → every pair of people who shared a match."""
    by_match: dict[int, list[int]] = defaultdict(list)
    for match_id, person_id in member_rows:
        by_match[match_id].append(person_id)
    pairs: set[tuple[int, int]] = set()
    for members in by_match.values():
        members.sort()
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                pairs.add((a, b))
    return pairs


def pairs_met_since(
    since: dt.date | None,
    *,
    before: dt.date | None = None,
    excluding_date: dt.date | None = None,
) -> set[tuple[int, int]]:
    """Pairs introduced by any intro program on or after `since` (all of history when None)
    and before `before`, leaving out rounds on `excluding_date` (the round being drawn)."""
    rows = MatchMember.objects.filter(match__kind=Match.Kind.INTRO)
    if since is not None:
        rows = rows.filter(match__round__scheduled_for__gte=since)
    if before is not None:
        rows = rows.filter(match__round__scheduled_for__lt=before)
    if excluding_date is not None:
        rows = rows.exclude(match__round__scheduled_for=excluding_date)
    return pairs_of(rows.values_list("match_id", "person_id"))


@functools.lru_cache(maxsize=1024)
def holidays_of(country: str, years: tuple[int, ...]) -> frozenset[dt.date]:
    """Public holidays per (country, years), computed once per process: a round asks for the
    same few countries thousands of times."""
    return schedule.public_holidays(country, years)


def default_zone() -> str:
    return str(settings.TIME_ZONE)
