"""Demo 1:1s: a pair for every manager and report, three months of history at each pair's
cadence, open talking points (some carried over), action items, shared notes, check-ins of
the demo logins, a planned next 1:1 for most pairs and a few overdue ones (among them some of
the demo manager's). Written in bulk, without sending invites: this is history."""

from __future__ import annotations

import datetime as dt
import json
import random

from django.db import transaction
from django.utils import timezone

from kith.directory.models import Person
from kith.touchpoints.models import ActionItem, AgendaItem, CheckIn, Meeting, OneOnOne
from kith.touchpoints.services.oneonones import one_on_ones_sync

MAX_PAIRS_WITH_HISTORY = 4000  # larger demo organisations get pairs, and history for these
HISTORY_DAYS = 95
OVERDUE_SHARE = 0.12
TOPICS = (
    "How the quarter's priorities feel",
    "Conference budget for spring",
    "Pairing with the design team",
    "Workload before the holidays",
    "Career: what the next step could look like",
    "Feedback on the last release",
    "Onboarding the new joiner",
    "Time off in January",
)
ACTIONS = (
    "Share the draft roadmap",
    "Book the team lunch",
    "Ask about the training budget",
    "Write up the incident notes",
    "Introduce to the data team",
)
NOTES = (
    "Talked through priorities; agreed to drop the reporting task for now.",
    "Good energy this week. Follow up on the training budget.",
    "Discussed the team offsite and who could host it.",
)


def _local(person: Person, day: dt.date, hour: int) -> dt.datetime:
    from zoneinfo import ZoneInfo

    try:
        zone = ZoneInfo(person.timezone or "UTC")
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=zone).astimezone(dt.UTC)


def _workday(day: dt.date) -> dt.date:
    while day.isoweekday() > 5:
        day += dt.timedelta(days=1)
    return day


def seed(*, today: dt.date, seed: int, demo_emails: list[str]) -> str:
    one_on_ones_sync()
    rng = random.Random(seed + 1101)
    demo = set(Person.objects.filter(email__in=demo_emails).values_list("pk", flat=True))
    active = OneOnOne.objects.filter(is_active=True)
    # Every pair's ids (100,000 of them), then only the chosen pairs' rows and people.
    pairs = list(active.order_by("pk").values_list("pk", "manager_id", "report_id"))
    picked = [pk for pk, manager, report in pairs if demo & {manager, report}]
    picked += [pk for pk, manager, report in pairs if not demo & {manager, report}][
        : MAX_PAIRS_WITH_HISTORY - len(picked)
    ]
    loaded = active.select_related("manager", "report").in_bulk(picked)
    chosen = [loaded[pk] for pk in picked]
    meetings: list[Meeting] = []
    agenda: list[tuple[OneOnOne, str, int, bool]] = []
    actions: list[ActionItem] = []
    overdue = 0
    for pair in chosen:
        is_overdue = rng.random() < OVERDUE_SHARE or (pair.manager_id in demo and overdue < 2)
        overdue += is_overdue
        meetings += _history(rng, pair, today, overdue=is_overdue)
        for text in rng.sample(TOPICS, 2):
            agenda.append((pair, text, rng.choice([pair.manager_id, pair.report_id]), False))
        if rng.random() < 0.5:
            actions.append(
                ActionItem(
                    one_on_one=pair,
                    owner_id=rng.choice([pair.manager_id, pair.report_id]),
                    text=rng.choice(ACTIONS),
                    due_on=today + dt.timedelta(days=rng.randrange(3, 20)),
                )
            )
    with transaction.atomic():
        Meeting.objects.bulk_create(meetings, batch_size=2000)
        _agenda(agenda, meetings)
        ActionItem.objects.bulk_create(actions, batch_size=2000)
        OneOnOne.objects.filter(pk__in=[p.pk for p in chosen]).update(
            created_at=timezone.now() - dt.timedelta(days=HISTORY_DAYS + 10)
        )
        _check_ins(rng, demo, chosen, today)
    return (
        f"Touchpoints: {len(pairs)} 1:1 pairs, {len(meetings)} meetings of history for "
        f"{len(chosen)} of them, {overdue} overdue."
    )


def _history(rng: random.Random, pair: OneOnOne, today: dt.date, *, overdue: bool) -> list[Meeting]:
    out = []
    day = today - dt.timedelta(days=HISTORY_DAYS)
    last = (
        today - dt.timedelta(days=pair.cadence_days + 10)
        if overdue
        else today - dt.timedelta(days=1)
    )
    while day <= last:
        held_day = _workday(day)
        if held_day >= today:
            break
        starts = _local(pair.manager, held_day, SLOTS[pair.pk % len(SLOTS)])
        out.append(
            Meeting(
                one_on_one=pair,
                starts_at=starts,
                minutes=30,
                status=Meeting.Status.HELD,
                held_on=held_day,
                shared_notes=rng.choice(NOTES) if rng.random() < 0.6 else "",
            )
        )
        day += dt.timedelta(days=pair.cadence_days)
    if not overdue:
        # Spread over the days and hours a manager has, as real 1:1s are.
        nxt = _workday(max(day, today + dt.timedelta(days=1)) + dt.timedelta(days=pair.pk % 4))
        hour = SLOTS[pair.pk % len(SLOTS)]
        out.append(Meeting(one_on_one=pair, starts_at=_local(pair.manager, nxt, hour), minutes=30))
    return out


SLOTS = (10, 11, 14, 15, 16, 9)


def _agenda(agenda: list[tuple[OneOnOne, str, int, bool]], meetings: list[Meeting]) -> None:
    """The first talking point of each pair was added for the last held 1:1 and is still
    open, so it shows as carried over."""
    last_held: dict[int, Meeting] = {}
    for m in meetings:
        if m.status == Meeting.Status.HELD:
            last_held[m.one_on_one_id] = m
    rows, seen = [], set()
    for pair, text, author, _ in agenda:
        carried = pair.pk not in seen
        seen.add(pair.pk)
        rows.append(
            AgendaItem(
                one_on_one=pair,
                added_by_id=author,
                text=text,
                added_for=last_held.get(pair.pk) if carried else None,
            )
        )
    AgendaItem.objects.bulk_create(rows, batch_size=2000)


def _check_ins(rng: random.Random, demo: set[int], pairs: list[OneOnOne], today: dt.date) -> None:
    rows = []
    for pair in pairs:
        if pair.report_id not in demo:
            continue
        for back in (3, 17, 31):
            shared = back != 17
            rows.append(
                CheckIn(
                    author_id=pair.report_id,
                    one_on_one=pair if shared else None,
                    written_on=today - dt.timedelta(days=back),
                    content=json.dumps(
                        {
                            "how": rng.randint(3, 5),
                            "energy": rng.randint(2, 5),
                            "support": "A quieter week to finish the migration." if shared else "",
                            "note": "Settling in well." if shared else "Felt stretched this week.",
                        }
                    ),
                )
            )
    CheckIn.objects.bulk_create(rows)
