"""Demo events for `kith seed_demo`: an introday for new joiners, a listening session, a
hybrid town hall with questions (named and anonymous, upvotes, one answered), club meetups
(one for a confidential group, seen by its members only), a small in-person event that is
full with a waitlist, past events with check-ins and "who did you meet?" answers, and a past
town hall with its notes. Deterministic for a given seed; a few hundred rows."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from kith.communities.models import Community, Membership
from kith.directory.models import Office, Person
from kith.events import storage
from kith.events.models import Event, Met, Question, QuestionVote, Rsvp, TownHall

LINK = "https://meet.example.com/kith-"


def seed(*, today: dt.date, seed: int, demo_emails: list[str]) -> str:
    rng = random.Random(seed + 11)
    # What the demo reads of everyone (100,000 full rows would cost seconds for nothing).
    people = list(
        Person.objects.filter(is_active=True).order_by("id").only("id", "email", "start_date")
    )
    if len(people) < 12:
        return "Events: too few people for demo events."
    # Invitation-only events are not the events demo's own: Pulse's demo focus group (its
    # session is one) may come first, as kith.pulse comes before kith.events.
    if Event.objects.filter(invite_only=False).exists():
        return "Events: demo events already there."
    with transaction.atomic():
        return _seed(rng, people, today, demo_emails)


def _seed(rng: random.Random, people: list[Person], today: dt.date, demo: list[str]) -> str:
    emails = {e.lower() for e in demo}
    demo_people = [p for p in people if p.email.lower() in emails]
    others = [p for p in people if p not in demo_people]
    office = Office.objects.order_by("-capacity", "name").first()
    zone = office.timezone if office else settings.TIME_ZONE
    city = office.city if office else "Lisbon"
    country = office.country if office else "PT"
    hr = _hr_person(people)
    club, confidential = _communities(rng, people, demo_people)
    place = {"office": office, "city": city, "country": country, "timezone": zone}

    def at(
        days: int, hour: int, minutes: int = 120, tz: str = zone, *, workday: bool = False
    ) -> dict[str, dt.datetime]:
        """`days` from today at `hour`; a working event moves off a weekend (past ones back
        to the Friday, coming ones on to the Monday)."""
        day = today + dt.timedelta(days=days)
        if workday:
            day = weekday_near(day, back=days < 0)
        start = dt.datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(tz))
        return {"starts_at": start, "ends_at": start + dt.timedelta(minutes=minutes)}

    new_joiners = [p for p in people if p.start_date and (today - p.start_date).days <= 120]
    made: list[Event] = []
    introday = _event(
        "Introday: welcome to the company",
        Event.Kind.INTRODAY,
        "A day for everyone who joined in the last few months: meet each other, the "
        "leadership team and your buddies. Breakfast from 9:00.",
        hr,
        host=Event.Host.HR,
        capacity=40,
        **place,
        **at(9, 9, 6 * 60, workday=True),
    )
    _going(introday, (new_joiners or others)[:25])
    made.append(introday)
    listening = _event(
        "Listening session: hybrid work",
        Event.Kind.LISTENING,
        "An hour with the People team to hear what works and what does not about hybrid "
        "work. No slides; nothing you say is attributed.",
        hr,
        host=Event.Host.HR,
        mode=Event.Mode.VIRTUAL,
        link=f"{LINK}listening",
        timezone=zone,
        **at(5, 15, 60, workday=True),
    )
    _going(listening, rng.sample(others, min(18, len(others))))
    made.append(listening)
    town_hall = _event(
        "Quarterly town hall",
        Event.Kind.TOWN_HALL,
        "Where we are, what is next, and open questions. In the big room or online.",
        hr,
        host=Event.Host.HR,
        mode=Event.Mode.HYBRID,
        link=f"{LINK}townhall",
        capacity=80,
        **place,
        **at(12, 16, 90, workday=True),
    )
    _going(town_hall, rng.sample(people, min(70, len(people))))
    made.append(town_hall)
    _town_hall_questions(rng, town_hall, people, UPCOMING_QUESTIONS, today=today)
    if club is not None:
        members = _members(club)
        meetup = _event(
            f"{club.name}: monthly meetup",
            Event.Kind.MEETUP,
            "Bring a friend from another team. Newcomers very welcome.",
            members[0] if members else hr,
            host=Event.Host.COMMUNITY,
            community=club,
            venue="Café Central",
            city=city,
            country=country,
            timezone=zone,
            capacity=30,
            **at(7, 18),
        )
        _going(meetup, members[:15])
        made.append(meetup)
    if confidential is not None:
        members = _members(confidential)
        private = _event(
            f"{confidential.name}: coffee circle",
            Event.Kind.MEETUP,
            "A quiet hour among members. Only members see this event and who is coming.",
            members[0] if members else hr,
            host=Event.Host.COMMUNITY,
            community=confidential,
            mode=Event.Mode.VIRTUAL,
            link=f"{LINK}circle",
            timezone=zone,
            **at(6, 12, 60, workday=True),
        )
        _going(private, members[:8])
        made.append(private)
    full = _event(
        "Pottery workshop (small group)",
        Event.Kind.MEETUP,
        "Hands in clay for two hours. Six wheels only: when it is full, join the waitlist.",
        hr,
        host=Event.Host.CITY,
        venue="Atelier Barro",
        city=city,
        country=country,
        timezone=zone,
        capacity=6,
        **at(4, 18),
    )
    _going(full, others[-9:])  # six going, three on the waitlist
    made.append(full)
    season = _season_namer(office.latitude if office else None)
    past = _past_events(rng, hr, others, place, at, season)
    past.append(_past_town_hall(rng, hr, people, place, at, season, today=today))
    return (
        f"Events: {len(made) + len(past)} events ({len(past)} past), "
        f"{Rsvp.objects.count()} RSVPs, {Met.objects.count()} 'who did you meet' answers, "
        f"{Question.objects.count()} town hall questions."
    )


# (text, asked with a name?, answered?) for the coming town hall: named and anonymous
# questions, one answered ahead of the day.
UPCOMING_QUESTIONS = [
    (
        "What are our priorities for the next two quarters, and what are we stopping to make "
        "room for them?",
        True,
        False,
    ),
    (
        "Are there plans to cut jobs this year? People are worried and would rather hear it "
        "straight.",
        False,
        False,
    ),
    ("How do promotions work now that the review cycle has changed?", False, False),
    ("Could the office get more quiet rooms? Hybrid days are loud.", True, False),
    ("Why was the learning budget paused, and will it come back?", False, False),
    ("Where can I find the recording of the last town hall?", True, True),
]
PAST_QUESTIONS = [
    ("Will we keep the Friday no-meeting afternoons?", True, True),
    ("Is the bonus scheme changing this year?", False, True),
    ("What is the plan for the customer support backlog?", True, True),
    ("Can managers get training on running better 1:1s?", False, False),
]
PAST_NOTES = (
    "Thank you to everyone who came and asked.\n\n"
    "Answered on the day: Friday afternoons stay free of meetings; the bonus scheme does not "
    "change this year; the support backlog gets two more people from next month.\n\n"
    "Follow-up: training for managers on 1:1s was the question there was no time for. The "
    "People team will share a plan at the next town hall, and it is on the agenda already."
)


def _town_hall_questions(
    rng: random.Random,
    event: Event,
    people: list[Person],
    questions: list[tuple[str, bool, bool]],
    *,
    today: dt.date,
) -> None:
    """Questions asked over the days before, with votes. An anonymous question is stored as
    the app stores one (no author, the day only, a random key, no order)."""
    askers = rng.sample(people, len(questions))
    for n, ((text, named, answered), asker) in enumerate(zip(questions, askers, strict=True)):
        question = Question.objects.create(
            id=uuid.UUID(int=rng.getrandbits(128), version=4),
            event=event,
            text=text,
            author=asker if named else None,
            asked_on=min(today, event.starts_at.date()) - dt.timedelta(days=n % 4),
            answered=answered,
        )
        voters = rng.sample(people, rng.randint(2, min(14, len(people))))
        QuestionVote.objects.bulk_create(
            QuestionVote(
                id=uuid.UUID(int=rng.getrandbits(128), version=4), question=question, person=p
            )
            for p in voters
        )
        storage.rows_shuffle(QuestionVote._meta.db_table, column="question_id", value=question.pk)
    storage.rows_shuffle(Question._meta.db_table, column="event_id", value=event.pk)


def _past_town_hall(
    rng: random.Random,
    hr: Person,
    people: list[Person],
    place: dict[str, Any],
    at: Callable[..., dict[str, dt.datetime]],
    season: Callable[[dt.date], str],
    *,
    today: dt.date,
) -> Event:
    when = at(-17, 16, 90, workday=True)
    event = _event(
        f"{season(when['starts_at'].date())} town hall",
        Event.Kind.TOWN_HALL,
        "The leadership team on the year so far, and your questions.",
        hr,
        host=Event.Host.HR,
        capacity=80,
        **place,
        **when,
    )
    _going(event, rng.sample(people, min(40, len(people))))
    _town_hall_questions(rng, event, people, PAST_QUESTIONS, today=today)
    TownHall.objects.create(
        event=event, notes=PAST_NOTES, notes_published_at=event.ends_at + dt.timedelta(days=1)
    )
    return event


def _past_events(
    rng: random.Random,
    hr: Person,
    others: list[Person],
    place: dict[str, Any],
    at: Callable[..., dict[str, dt.datetime]],
    season: Callable[[dt.date], str],
) -> list[Event]:
    made = []
    for days, title, kind in (
        (-10, "{season} introday", Event.Kind.INTRODAY),
        (-24, "Lunch & learn: our customers", Event.Kind.OTHER),
    ):
        when = at(days, 12, workday=True)
        event = _event(
            title.format(season=season(when["starts_at"].date())),
            kind,
            "A look back: who came, and whom they met.",
            hr,
            host=Event.Host.HR,
            capacity=30,
            **place,
            **when,
        )
        going = rng.sample(others, min(20, len(others)))
        _going(event, going)
        came = going[: int(len(going) * 0.8)]
        Rsvp.objects.filter(event=event, person__in=came).update(
            checked_in_at=event.starts_at + dt.timedelta(minutes=5)
        )
        met = []
        for person in came[:10]:
            for other in rng.sample([p for p in came if p != person], 3):
                met.append(Met(event=event, person=person, other=other))
        Met.objects.bulk_create(met, ignore_conflicts=True)
        made.append(event)
    return made


def weekday_near(day: dt.date, *, back: bool = False) -> dt.date:
    """`day` if it is Monday to Friday, else the Friday before (back) or the Monday after."""
    while day.weekday() >= 5:
        day += dt.timedelta(days=-1 if back else 1)
    return day


SEASONS = ("Winter", "Spring", "Summer", "Autumn")  # December to February first, in the north


def _season_namer(latitude: float | None) -> Callable[[dt.date], str]:
    """The season of a date where the events happen (south of the equator they are the other
    way round), so a demo seeded in December never shows a spring introday last week."""
    shift = 2 if latitude is not None and latitude < 0 else 0

    def season(day: dt.date) -> str:
        return SEASONS[((day.month % 12) // 3 + shift) % 4]

    return season


def _event(title: str, kind: str, description: str, by: Person, **fields: Any) -> Event:
    return Event.objects.create(
        title=title, kind=kind, description=description, created_by=by, **fields
    )


def _going(event: Event, people: list[Person]) -> None:
    """Places in order, the rest on the waitlist (the demo skips the confirmation emails)."""
    queued = event.starts_at - dt.timedelta(days=14)
    rows = []
    for i, person in enumerate(dict.fromkeys(people)):
        full = event.capacity is not None and i >= event.capacity
        status = Rsvp.Status.WAITLISTED if full else Rsvp.Status.GOING
        rows.append(
            Rsvp(
                event=event,
                person=person,
                status=status,
                queued_at=queued + dt.timedelta(minutes=i),
            )
        )
    Rsvp.objects.bulk_create(rows)


def _hr_person(people: list[Person]) -> Person:
    hr = Person.objects.filter(email__in=_hr_emails(), is_active=True).first()
    return hr or people[0]


def _hr_emails() -> list[str]:
    from kith.accounts.models import User
    from kith.core.permissions import HR_ADMINS_GROUP

    return list(User.objects.filter(groups__name=HR_ADMINS_GROUP).values_list("email", flat=True))


def _communities(
    rng: random.Random, people: list[Person], demo_people: list[Person]
) -> tuple[Community | None, Community | None]:
    """The communities app's demo clubs when it made some; otherwise two of our own."""
    club = Community.objects.filter(
        is_active=True, kind=Community.Kind.CLUB, visibility=Community.Visibility.PUBLIC
    ).first()
    confidential = Community.objects.filter(
        is_active=True, visibility=Community.Visibility.CONFIDENTIAL
    ).first()
    if club is None:
        club = Community.objects.create(
            name="Board games club", slug="board-games-club", kind=Community.Kind.CLUB
        )
        _fill(club, rng.sample(people, 20) + demo_people[:1])
    if confidential is None:
        confidential = Community.objects.create(
            name="Parents at work",
            slug="parents-at-work",
            kind=Community.Kind.BELONGING,
            visibility=Community.Visibility.CONFIDENTIAL,
            requires_approval=True,
        )
        _fill(confidential, rng.sample(people, 10))
    return club, confidential


def _fill(group: Community, people: list[Person]) -> None:
    unique = list(dict.fromkeys(people))
    Membership.objects.bulk_create(
        [
            Membership(
                community=group,
                person=p,
                role=Membership.Role.LEADER if i == 0 else Membership.Role.MEMBER,
            )
            for i, p in enumerate(unique)
        ],
        ignore_conflicts=True,
    )


def _members(group: Community) -> list[Person]:
    rows = Membership.objects.filter(
        community=group, status=Membership.Status.ACTIVE, person__is_active=True
    ).select_related("person")
    leaders_first = sorted(rows, key=lambda m: (m.role == Membership.Role.MEMBER, m.pk))
    return [m.person for m in leaders_first]
