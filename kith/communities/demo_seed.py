"""Demo communities for `kith seed_demo`: clubs and belonging groups with members drawn from
matching interests, a confidential network the demo employee is not in (with one request
waiting), a few announcements, city ambassadors (the demo manager among them) and newcomers
who asked to be welcomed."""

from __future__ import annotations

import datetime as dt
import random

from django.db.models import Count

from kith.communities.models import (
    Announcement,
    CityAmbassador,
    Community,
    Membership,
    WelcomePreference,
)
from kith.directory.models import Person, Tag
from kith.directory.services import tags_get_or_create

V = Community.Visibility
CLUBS = [
    ("DJ club", "Swap mixes, learn to beatmatch and play the company party.", ["DJing"]),
    ("Choir", "We sing every Thursday after work. No audition, all voices.", ["Choir"]),
    (
        "Gaming club",
        "Online co-op on Fridays and a board game night once a month.",
        ["Gaming", "Board games"],
    ),
    (
        "Running club",
        "Easy 5 km loops at lunch and a team for the city half marathon.",
        ["Running"],
    ),
    (
        "Book club",
        "One book a month, fiction and non-fiction in turns.",
        ["Reading", "Science fiction"],
    ),
    ("Climbing crew", "Bouldering after work; beginners get a buddy.", ["Climbing"]),
    ("Photography walks", "A theme a month and a walk to shoot it together.", ["Photography"]),
]
BELONGING = [
    ("Women in Tech", "Mentoring, talks and a place to compare notes.", V.PUBLIC, False),
    (
        "Working parents",
        "Tips, hand-me-downs and understanding about school runs.",
        V.MEMBERS,
        False,
    ),
    (
        "Pride network",
        "Kith's LGBTQ+ network and allies: socials, support and a say in our policies. "
        "Membership is confidential: only members see who is in it.",
        V.CONFIDENTIAL,
        True,
    ),
]
ANNOUNCEMENTS = {
    "Running club": ("Half marathon team", "Sign-ups for the city half are open until Friday."),
    # Written today and read any time of year: nothing in them names a season or a month.
    "Choir": ("Concert at the all-hands", "We sing at the next all-hands: extra rehearsal Monday."),
    "Book club": ("Next month's book", "We read 'Klara and the Sun'. Meet on the last Thursday."),
    "Pride network": ("Monthly social", "Drinks on the roof terrace, allies welcome."),
}
MAX_MEMBERS = 24


def seed(*, today: dt.date, seed: int, demo_emails: list[str]) -> str:
    rng = random.Random(seed + 11)
    # What the demo reads of everyone (100,000 full rows would cost seconds for nothing).
    people = list(
        Person.objects.filter(is_active=True).order_by("id").only("id", "email", "city", "country")
    )
    if len(people) < 10:
        return "Communities: too few people for demo communities."
    demo = {e.lower(): p for p in people for e in demo_emails if p.email.lower() == e.lower()}
    employee = demo.get(demo_emails[0].lower()) if demo_emails else None
    manager = demo.get(demo_emails[1].lower()) if len(demo_emails) > 1 else None
    others = [p for p in people if p.email.lower() not in demo]
    counts = {"communities": 0, "memberships": 0}

    for name, description, interests in CLUBS:
        community = _community(name, description, Community.Kind.CLUB, V.PUBLIC, False)
        community.interests.set(tags_get_or_create(kind=Tag.Kind.INTEREST, names=interests))
        fans = list(
            Person.objects.filter(is_active=True, tags__in=community.interests.all())
            .distinct()
            .order_by("id")
            .values_list("id", flat=True)
        )
        members = rng.sample(fans, min(len(fans), MAX_MEMBERS)) or [
            p.pk for p in rng.sample(others, 6)
        ]
        counts["memberships"] += _fill(community, members)
        counts["communities"] += 1
    for name, description, visibility, approval in BELONGING:
        community = _community(name, description, Community.Kind.BELONGING, visibility, approval)
        pool = others if visibility == V.CONFIDENTIAL else people
        chosen = rng.sample(pool, min(len(pool), 12))
        counts["memberships"] += _fill(community, [p.pk for p in chosen])
        counts["communities"] += 1

    if employee is not None:
        _demo_employee(employee, others, rng)
    _pending_request(rng, others)
    _announcements()
    newcomers = _newcomers(today)
    ambassadors = _ambassadors(manager, others, today)
    return (
        f"Communities: {counts['communities']} communities, {counts['memberships']} memberships, "
        f"{ambassadors} city ambassadors, {newcomers} newcomers asking for a welcome."
    )


def _community(
    name: str, description: str, kind: str, visibility: str, approval: bool
) -> Community:
    from django.utils.text import slugify

    community, _ = Community.objects.get_or_create(
        name=name,
        defaults={
            "slug": slugify(name),
            "kind": kind,
            "description": description,
            "visibility": visibility,
            "requires_approval": approval or visibility == V.CONFIDENTIAL,
        },
    )
    return community


def _fill(community: Community, members: list[int]) -> int:
    rows = [
        Membership(
            community=community,
            person_id=pk,
            role=Membership.Role.LEADER if i == 0 else Membership.Role.MEMBER,
        )
        for i, pk in enumerate(members)
    ]
    Membership.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _demo_employee(employee: Person, others: list[Person], rng: random.Random) -> None:
    """The demo employee leads the book club (with a request waiting) and runs with the club."""
    book = Community.objects.get(name="Book club")
    Membership.objects.update_or_create(
        community=book,
        person=employee,
        defaults={"role": Membership.Role.LEADER, "status": Membership.Status.ACTIVE},
    )
    taken = set(book.memberships.values_list("person_id", flat=True))
    asker = next(p for p in rng.sample(others, len(others)) if p.pk not in taken)
    Membership.objects.create(community=book, person=asker, status=Membership.Status.PENDING)
    running = Community.objects.get(name="Running club")
    Membership.objects.get_or_create(community=running, person=employee)


def _pending_request(rng: random.Random, others: list[Person]) -> None:
    pride = Community.objects.get(name="Pride network")
    taken = set(pride.memberships.values_list("person_id", flat=True))
    asker = next(p for p in rng.sample(others, len(others)) if p.pk not in taken)
    Membership.objects.create(community=pride, person=asker, status=Membership.Status.PENDING)


def _announcements() -> None:
    for name, (title, body) in ANNOUNCEMENTS.items():
        community = Community.objects.get(name=name)
        leader = community.memberships.filter(role=Membership.Role.LEADER).first()
        Announcement.objects.get_or_create(
            community=community,
            title=title,
            defaults={"body": body, "author": leader.person if leader else None},
        )


def _ambassadors(manager: Person | None, people: list[Person], today: dt.date) -> int:
    """The demo manager looks after their city, and the city with most newcomers asking for a
    welcome this month (so their page has some); the biggest other city gets one too."""
    appointed = 0
    if manager is not None and manager.city:
        welcoming = (
            Person.objects.filter(
                welcome_preference__wants_welcome=True, start_date__gte=today.replace(day=1)
            )
            .exclude(city="")
            .values("city", "country")
            .annotate(n=Count("id"))
            .order_by("-n", "city")
            .first()
        )
        cities = {(manager.city, manager.country)}
        if welcoming:
            cities.add((welcoming["city"], welcoming["country"]))
        for city, country in sorted(cities):
            CityAmbassador.objects.get_or_create(person=manager, city=city, country=country)
            appointed += 1
    biggest = (
        Person.objects.filter(is_active=True)
        .exclude(city="")
        .exclude(city=manager.city if manager else "")
        .values("city", "country")
        .annotate(n=Count("id"))
        .order_by("-n", "city")
        .first()
    )
    if biggest:
        person = next((p for p in people if p.city == biggest["city"]), None)
        if person is None:
            return appointed
        CityAmbassador.objects.get_or_create(
            person=person, city=biggest["city"], country=biggest["country"]
        )
        appointed += 1
    return appointed


def _newcomers(today: dt.date) -> int:
    """Everyone who joins this month (or joined in the last 3 weeks) asks for a welcome."""
    recent = Person.objects.filter(
        is_active=True,
        start_date__gte=min(today.replace(day=1), today - dt.timedelta(days=21)),
    )
    WelcomePreference.objects.bulk_create(
        [WelcomePreference(person=p, wants_welcome=True) for p in recent], ignore_conflicts=True
    )
    return recent.count()
