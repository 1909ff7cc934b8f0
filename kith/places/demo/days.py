"""Demo office days: for a good share of people who live in an office's city, a weekly day or
a few single days over the next month; the demo logins' teammates in their office on some
days (and the demo logins there on one of them), a few teams' anchor days, a little leave.
Written in bulk: one read of the people, a handful of inserts."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from django.db import transaction

from kith.directory.models import Office, Person
from kith.places.models import AnchorDay, Leave, OfficeDay

PLANNING_SHARE = 0.45  # of the people in an office city
WEEKLY_SHARE = 0.6  # of those: a weekly day; the rest a few single days
LEAVE_SHARE = 0.04
ANCHOR_TEAMS = 6
WINDOW_DAYS = 28
DEMO_PEOPLE = ("miguel.costa@example.com", "tama.parata@example.com")
TEAMMATES_SHOWN = 4


def _workdays(today: dt.date) -> list[dt.date]:
    days = (today + dt.timedelta(days=i) for i in range(1, WINDOW_DAYS + 1))
    return [d for d in days if d.isoweekday() <= 5]


@transaction.atomic
def seed(*, today: dt.date, seed: int, demo_emails: list[str]) -> str:
    rng = random.Random(seed * 7919 + 12)
    offices = {(o.city, o.country): o for o in Office.objects.order_by("id")}
    if not offices:
        return ""
    rows: list[tuple[int, int | None, str, str, str]] = list(
        Person.objects.filter(is_active=True)
        .order_by("id")
        .values_list("id", "org_unit_id", "city", "country", "email")
    )
    workdays = _workdays(today)
    plans: list[OfficeDay] = []
    planned: dict[int, set[dt.date]] = defaultdict(set)  # one-off days already given
    weekly: set[int] = set()
    by_unit: dict[int, list[tuple[int, Office]]] = defaultdict(list)
    for pk, unit, city, country, _email in rows:
        office = offices.get((city, country))
        if office is None:
            continue
        if unit:
            by_unit[unit].append((pk, office))
        if rng.random() >= PLANNING_SHARE:
            continue
        if rng.random() < WEEKLY_SHARE:
            weekly.add(pk)
            plans.append(
                OfficeDay(person_id=pk, office=office, weekday=rng.randint(1, 5), starts_on=today)
            )
            continue
        for day in rng.sample(workdays, k=min(3, len(workdays))):
            planned[pk].add(day)
            plans.append(OfficeDay(person_id=pk, office=office, starts_on=day, ends_on=day))
    emails = {e.lower() for e in (*demo_emails, *DEMO_PEOPLE)}
    plans += _demo_teammates(rows, emails, by_unit, workdays, planned, rng)
    OfficeDay.objects.bulk_create(plans, batch_size=2000)
    anchors = _anchor_days(by_unit, rows, emails, rng)
    leave = [
        Leave(person_id=pk, starts_on=start, ends_on=start + dt.timedelta(days=rng.randint(1, 4)))
        for pk in sorted(weekly | set(planned))
        if rng.random() < LEAVE_SHARE
        for start in [rng.choice(workdays)]
    ]
    Leave.objects.bulk_create(leave, batch_size=2000)
    return f"{len(plans)} office-day plans, {len(anchors)} anchor days, {len(leave)} leaves"


def _demo_teammates(
    rows: list[tuple[int, int | None, str, str, str]],
    emails: set[str],
    by_unit: dict[int, list[tuple[int, Office]]],
    workdays: list[dt.date],
    planned: dict[int, set[dt.date]],
    rng: random.Random,
) -> list[OfficeDay]:
    """Each demo login and a few teammates share two days in the login's office (or the
    office most of the team is near)."""
    plans = []
    for pk, unit, _city, _country, email in rows:
        if email.lower() not in emails or not unit or not by_unit.get(unit) or len(workdays) < 3:
            continue
        mates = [(p, o) for p, o in by_unit[unit] if p != pk]
        if not mates:
            continue
        office = next((o for p, o in by_unit[unit] if p == pk), mates[0][1])
        days = [workdays[1], workdays[2]]
        for day in days[:1]:
            if day not in planned[pk]:
                planned[pk].add(day)
                plans.append(OfficeDay(person_id=pk, office=office, starts_on=day, ends_on=day))
        for mate, _office in rng.sample(mates, k=min(TEAMMATES_SHOWN, len(mates))):
            for day in days:
                if day not in planned[mate]:
                    planned[mate].add(day)
                    plans.append(
                        OfficeDay(person_id=mate, office=office, starts_on=day, ends_on=day)
                    )
    return plans


def _anchor_days(
    by_unit: dict[int, list[tuple[int, Office]]],
    rows: list[tuple[int, int | None, str, str, str]],
    emails: set[str],
    rng: random.Random,
) -> list[AnchorDay]:
    """A few teams with people near an office come in on a fixed weekday; the demo logins'
    teams among them."""
    demo_units = {unit for _pk, unit, *_rest, email in rows if unit and email.lower() in emails}
    units = [u for u in sorted(by_unit) if len(by_unit[u]) >= 3]
    chosen = [u for u in units if u in demo_units]
    others = [u for u in units if u not in demo_units]
    chosen += rng.sample(others, k=min(ANCHOR_TEAMS, len(others)))
    anchors = []
    for unit in chosen:
        counts: dict[int, int] = defaultdict(int)
        for _pk, office in by_unit[unit]:
            counts[office.pk] += 1
        office_id = max(counts, key=lambda k: (counts[k], -k))
        anchors.append(AnchorDay(org_unit_id=unit, office_id=office_id, weekday=rng.choice([2, 4])))
    AnchorDay.objects.bulk_create(anchors, ignore_conflicts=True)
    return anchors
