"""Demo celebrations for `kith seed_demo`: company values, a few dozen kudos over the last
weeks in every visibility, a handful of shared birthdays, and the milestones of the last weeks
(work anniversaries and welcomes come from the start dates)."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from kith.celebrate import services
from kith.celebrate.engine import milestones as engine
from kith.celebrate.models import (
    BirthdayOptIn,
    CelebrationSettings,
    CompanyValue,
    Kudos,
    KudosRecipient,
    Milestone,
)
from kith.directory.models import Person

VALUES = [
    ("Be kind", "Assume good intent, make room for others, help without being asked."),
    ("Own it", "Take a problem from start to finish, and say so when you cannot."),
    ("Learn together", "Share what you know, ask what you do not, write it down for the next one."),
    ("Keep it simple", "The plainest thing that works, explained in plain words."),
]
MESSAGES = [
    "Thank you for staying late to get the release out, and for keeping everyone calm.",
    "Your onboarding notes saved me a week. I still use them every day.",
    "You spotted the problem in the migration before anyone else did. Brilliant catch.",
    "Thanks for the patient walkthrough of the billing code: I finally get it.",
    "You ran the retro so well that people actually said what they thought. Thank you.",
    "Huge thanks for covering my customer calls while I was ill.",
    "The new dashboard is so much clearer. Thank you for listening to our feedback.",
    "You made the offsite happen: venue, food, agenda and good spirits. Thank you!",
    "Thanks for pairing with me on the flaky tests. I learnt a lot.",
    "Your talk on accessibility changed how our whole team builds forms.",
    "You answered every question from the new joiners with a smile. It shows.",
    "Thank you for the honest feedback on my proposal: it is much better for it.",
    "You took the on-call night nobody wanted. Thank you, really.",
    "The documentation you wrote this sprint is a gift to all of us.",
    "Thank you for turning a tense meeting into a useful one.",
]
KUDOS_COUNT = 42
WEEKS_BACK = 5
BIRTHDAYS = 8


def seed(*, today: dt.date, seed: int, demo_emails: list[str]) -> str:
    rng = random.Random(seed + 11)
    # What the demo reads of everyone (100,000 full rows would cost seconds for nothing).
    people = list(Person.objects.filter(is_active=True).order_by("id").only("id", "org_unit_id"))
    if len(people) < 3:
        return "Celebrate: too few people for demo celebrations."
    values = [
        CompanyValue.objects.get_or_create(name=name, defaults={"description": text})[0]
        for name, text in VALUES
    ]
    demo_people = list(Person.objects.filter(email__in=demo_emails).order_by("id"))
    kudos = 0 if Kudos.objects.exists() else _kudos(rng, people, demo_people, values, today)
    birthdays = _birthdays(rng, people, demo_people, today)
    milestones = _milestones(today - dt.timedelta(days=WEEKS_BACK * 7), today)
    return (
        f"Celebrate: {len(values)} company values, {kudos} kudos, {birthdays} shared birthdays, "
        f"{milestones} milestones."
    )


def _kudos(
    rng: random.Random,
    people: list[Person],
    demo_people: list[Person],
    values: list[CompanyValue],
    today: dt.date,
) -> int:
    by_unit: dict[int | None, list[Person]] = {}
    for person in people:
        by_unit.setdefault(person.org_unit_id, []).append(person)
    start_of_today, _ = services.org_day_bounds(today)
    visibilities = ["public"] * 6 + ["team"] * 3 + ["private"]
    with transaction.atomic():
        for i in range(KUDOS_COUNT):
            # Demo logins give and get some, so each of them sees every kind on their feed.
            if demo_people and i % 5 == 0:
                sender = demo_people[(i // 5) % len(demo_people)]
            else:
                sender = rng.choice(people)
            teammates = [p for p in by_unit.get(sender.org_unit_id, []) if p.pk != sender.pk]
            pool = teammates if teammates and rng.random() < 0.6 else people
            count = 1 if rng.random() < 0.75 else rng.randint(2, 4)
            chosen = {p.pk: p for p in rng.sample(pool, min(count, len(pool))) if p != sender}
            if demo_people and i % 5 == 2:
                receiver = demo_people[(i // 5) % len(demo_people)]
                if receiver.pk != sender.pk:
                    chosen[receiver.pk] = receiver
            if not chosen:
                continue
            when = start_of_today - dt.timedelta(
                days=rng.randint(0, WEEKS_BACK * 7 - 1), hours=-rng.randint(8, 18)
            )
            _one_kudos(
                sender,
                list(chosen.values()),
                message=rng.choice(MESSAGES),
                value=rng.choice([*values, None]),
                visibility=rng.choice(visibilities),
                at=min(when, timezone.now()),
            )
    return Kudos.objects.count()


def _one_kudos(
    sender: Person,
    recipients: list[Person],
    *,
    message: str,
    value: CompanyValue | None,
    visibility: str,
    at: dt.datetime,
) -> None:
    """A kudos as `kudos_give` writes it, dated in the past and without notifications."""
    kudos = Kudos.objects.create(sender=sender, message=message, value=value, visibility=visibility)
    Kudos.objects.filter(pk=kudos.pk).update(created_at=at)
    KudosRecipient.objects.bulk_create([KudosRecipient(kudos=kudos, person=p) for p in recipients])
    units = {p.org_unit_id for p in [sender, *recipients] if p.org_unit_id is not None}
    kudos.audience_units.set(units)


def _birthdays(
    rng: random.Random, people: list[Person], demo_people: list[Person], today: dt.date
) -> int:
    chosen = rng.sample(people, min(BIRTHDAYS, len(people)))
    if demo_people and demo_people[0] not in chosen:
        chosen.append(demo_people[0])
    shared_long_ago = timezone.now() - dt.timedelta(days=400)
    for i, person in enumerate(chosen):
        # A few fall in the last weeks so the feed shows some; the rest later in the year.
        day = today - dt.timedelta(days=rng.randint(0, 20)) if i < 4 else _any_day(rng)
        BirthdayOptIn.objects.update_or_create(
            person=person, defaults={"month": day.month, "day": day.day}
        )
    BirthdayOptIn.objects.filter(person__in=chosen).update(created_at=shared_long_ago)
    return len(chosen)


def _milestones(first: dt.date, last: dt.date) -> int:
    """What `services.milestones_generate` writes for each day from `first` to `last`, as the
    daily job would have, with everyone's dates read once instead of once a day (on SQLite
    its month-and-day filter runs Python for every row: 20 s at 100,000 people). The same
    engine decides each day, from the same candidates in the same order."""
    opted_out = set(
        CelebrationSettings.objects.filter(celebrate_work_dates=False).values_list(
            "person_id", flat=True
        )
    )
    by_month_day: dict[tuple[int, int], list[engine.WorkDates]] = defaultdict(list)
    for pk, start_date in (
        Person.objects.filter(is_active=True, start_date__isnull=False)
        .order_by("pk")
        .values_list("pk", "start_date")
    ):
        if start_date is not None:  # never, as filtered; for the type checker
            dates = engine.WorkDates(pk, start_date, pk not in opted_out)
            by_month_day[(start_date.month, start_date.day)].append(dates)
    shared = list(
        BirthdayOptIn.objects.filter(person__is_active=True)
        .order_by("pk")
        .values_list("person_id", "month", "day", "created_at")
    )
    rows = []
    for back in range((last - first).days, -1, -1):
        on = last - dt.timedelta(days=back)
        pairs = engine.month_days_matching(on)
        start, end = services.org_day_bounds(on)
        work = sorted((w for pair in pairs for w in by_month_day[pair]), key=lambda w: w.person_id)
        birthdays = [
            engine.Birthday(pk, month, day)
            for pk, month, day, created_at in shared
            if (month, day) in pairs and created_at < end
        ]
        rows += [
            Milestone(person_id=m.person_id, kind=m.kind, date=m.date, years=m.years, at=start)
            for m in engine.due_on(on, work, birthdays)
        ]
    between = Milestone.objects.filter(date__gte=first, date__lte=last)
    before = between.count()
    Milestone.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return between.count() - before


def _any_day(rng: random.Random) -> dt.date:
    return dt.date(2001, 1, 1) + dt.timedelta(days=rng.randrange(365))
