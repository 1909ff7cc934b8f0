"""Demo data of the gatherings app (see kith/directory/demo/extras.py): a core week being
planned for a distributed team (its options computed, none chosen yet), and an introday of
recent joiners three weeks ago, with its groups, answers and a few "who did you meet".

A handful of queries whatever the size of the organisation: the team is found with one
aggregate, everything is written with bulk_create."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

from django.db.models import Count
from django.utils import timezone

from kith.directory.models import Person
from kith.events.models import Event, EventInvite, Met, Rsvp
from kith.gatherings import inputs, services
from kith.gatherings.models import AgendaDay, Gathering, Group, GroupMember, Participant

CORE_WEEK = "Core week: {team}"
INTRODAY = "Introday for new joiners"


def seed(*, today: dt.date, seed: int, demo_emails: list[str]) -> str:
    if Gathering.objects.filter(name=INTRODAY).exists():
        return "Gatherings: already seeded."
    hr = _hr(demo_emails)
    if hr is None:
        return "Gatherings: no HR admin to organise them."
    rng = random.Random(seed + 29)
    planned = _core_week(hr, today)
    held = _introday(hr, today, rng)
    return f"Gatherings: {planned} core week being planned, {held} introday held"


def _hr(demo_emails: list[str]) -> Person | None:
    email = demo_emails[2] if len(demo_emails) > 2 else ""
    return Person.objects.filter(email__iexact=email, is_active=True).first() if email else None


def _core_week(hr: Person, today: dt.date) -> int:
    """The team spread over the most cities, 4 to 14 of its people."""
    spread = (
        Person.objects.filter(is_active=True, org_unit__isnull=False, latitude__isnull=False)
        .values("org_unit_id", "org_unit__name")
        .annotate(cities=Count("city", distinct=True), people=Count("id"))
        .filter(people__gte=4)
        .order_by("-cities", "-people", "org_unit_id")
        .first()
    )
    if spread is None:
        return 0
    people = list(
        Person.objects.filter(is_active=True, org_unit_id=spread["org_unit_id"]).order_by("id")[:14]
    )
    first = today + dt.timedelta(days=42)
    gathering = Gathering.objects.create(
        name=CORE_WEEK.format(team=spread["org_unit__name"])[:160],
        kind=Gathering.Kind.CORE_WEEK,
        organiser=hr,
        first_day=first,
        last_day=first + dt.timedelta(days=55),
        days=5,
    )
    Participant.objects.bulk_create(Participant(gathering=gathering, person=p) for p in people)
    services.options_store(gathering, people, timezone.now())
    return 1


def _introday(hr: Person, today: dt.date, rng: random.Random) -> int:
    joiners = list(
        Person.objects.filter(is_active=True, start_date__isnull=False)
        .exclude(pk=hr.pk)
        .select_related("org_unit")
        .order_by("-start_date", "id")[:10]
    )
    if len(joiners) < 3:
        return 0
    monday = today - dt.timedelta(days=today.weekday() + 21)
    office = inputs.venues(monday, monday)
    venue = office[0] if office else None
    gathering = Gathering.objects.create(
        name=INTRODAY,
        kind=Gathering.Kind.INTRODAY,
        organiser=hr,
        first_day=monday,
        last_day=monday + dt.timedelta(days=4),
        days=1,
        status=Gathering.Status.INVITED,
        office_id=venue.office_id if venue else None,
        city=venue.city if venue else (hr.city or ""),
        country=venue.country if venue else (hr.country or ""),
        latitude=venue.latitude if venue else hr.latitude,
        longitude=venue.longitude if venue else hr.longitude,
        week_start=monday,
        groups_drawn_at=timezone.now() - dt.timedelta(days=30),
    )
    Participant.objects.bulk_create(Participant(gathering=gathering, person=p) for p in joiners)
    AgendaDay.objects.bulk_create(
        AgendaDay(gathering=gathering, position=i, kind=kind, title=title)
        for i, (kind, title) in enumerate(services.template_days(gathering.kind, 1))
    )
    event = _event(gathering, hr, joiners, venue.office_id if venue else None)
    gathering.event = event
    gathering.save(update_fields=["event"])
    _groups(gathering, joiners, today)
    going = [p for p in joiners if rng.random() < 0.85]
    now = timezone.now()
    Rsvp.objects.bulk_create(
        Rsvp(event=event, person=p, status=Rsvp.Status.GOING, queued_at=now) for p in going
    )
    met = [
        Met(event=event, person=p, other=q)
        for p in going
        for q in rng.sample(going, min(2, len(going)))
        if p.pk != q.pk
    ]
    Met.objects.bulk_create(met, ignore_conflicts=True)
    return 1


def _event(gathering: Gathering, hr: Person, joiners: list[Person], office_id: int | None) -> Event:
    zone = ZoneInfo(hr.timezone or "UTC")
    assert gathering.week_start is not None
    starts = dt.datetime.combine(gathering.week_start, services.DAY_STARTS, tzinfo=zone)
    event = Event.objects.create(
        title=gathering.name,
        kind=Event.Kind.INTRODAY,
        host=Event.Host.HR,
        mode=Event.Mode.IN_PERSON,
        office_id=office_id,
        venue="" if office_id else f"A venue in {gathering.city}",
        city=gathering.city,
        country=gathering.country,
        starts_at=starts,
        ends_at=dt.datetime.combine(gathering.week_start, services.DAY_ENDS, tzinfo=zone),
        timezone=zone.key,
        created_by=hr,
        invite_only=True,
        invitees_fixed=True,
        description="Welcome to the company: a day to meet the people who joined with you.",
    )
    EventInvite.objects.bulk_create(EventInvite(event=event, person=p) for p in joiners)
    return event


def _groups(gathering: Gathering, people: list[Person], today: dt.date) -> None:
    drawn = services.groups_for(people, on=today, seed=7)
    for number, (members, reasons) in enumerate(drawn, start=1):
        group = Group.objects.create(gathering=gathering, number=number, reasons=reasons[:300])
        GroupMember.objects.bulk_create(
            GroupMember(group=group, gathering=gathering, person_id=pk) for pk in members
        )
