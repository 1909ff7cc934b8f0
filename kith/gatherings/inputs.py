"""Directory rows → the planner's typed inputs, and the planner's options → JSON.

The one path the page, the API and `kith plan_gathering` share: `plan_for` reads the
people's leave and the offices' bookings, calls the engine, and `option_json` writes what the
page compares and the command prints.

Declared leave counts only when the group has at least k people besides the organiser (k =
KITH_INSIGHTS_MIN_GROUP, the minimum group size of DESIGN §4): in a smaller plan a week
missing from the options would tell the organiser whose leave it is (docs/gatherings.md,
"Privacy"). Public holidays always count: they are public calendars."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.utils.translation import gettext as _

from kith.directory.models import Office, Person
from kith.gatherings.engine import planner
from kith.gatherings.engine.planner import Plan, PlanRequest, Traveller, Venue
from kith.gatherings.models import Gathering, Participant
from kith.places.models import Leave

BOOKED = (Gathering.Status.PLANNED, Gathering.Status.INVITED)


def min_group() -> int:
    """k: the smallest group whose declared leave the planner takes into account."""
    return max(int(getattr(settings, "KITH_INSIGHTS_MIN_GROUP", 5)), 2)


def leave_counts(people: Sequence[Person], organiser_id: int | None) -> bool:
    """Whether declared leave is taken into account: at least k people besides the organiser
    (an operator's CLI run has no organiser: every participant counts)."""
    return sum(1 for p in people if p.pk != organiser_id) >= min_group()


def leave_note(leave_counted: bool) -> str:
    """The one sentence a plan that ignored leave carries ("" when leave counted)."""
    if leave_counted:
        return ""
    return _(
        "Declared leave is only taken into account for groups of %(k)d or more people besides "
        "the organiser, so nobody's leave can be read from the options: check dates with the "
        "people."
    ) % {"k": min_group()}


def travellers(
    people: Sequence[Person], first: dt.date, last: dt.date, *, with_leave: bool = True
) -> list[Traveller]:
    leave: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    rows = Leave.objects.filter(
        person_id__in=[p.pk for p in people], starts_on__lte=last, ends_on__gte=first
    ).values_list("person_id", "starts_on", "ends_on")
    for person_id, starts, ends in rows if with_leave else ():
        leave[person_id].append((starts, ends))
    return [
        Traveller(
            id=p.pk,
            country=(p.country or "").upper(),
            region=p.region or "",
            city=p.city or "",
            latitude=p.latitude,
            longitude=p.longitude,
            leave=tuple(leave.get(p.pk, ())),
        )
        for p in people
    ]


def booked_by_office(
    first: dt.date, last: dt.date, *, excluding: int | None = None
) -> dict[int, dict[dt.date, int]]:
    """People other planned or invited gatherings put in each office, per day."""
    found: dict[int, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    booked = Gathering.objects.filter(
        status__in=BOOKED,
        office__isnull=False,
        week_start__lte=last,
        week_start__gte=first - dt.timedelta(days=7),
    )
    if excluding is not None:
        booked = booked.exclude(pk=excluding)
    rows = booked.values_list("pk", "office_id", "week_start", "days")
    gatherings = list(rows)
    counts = _counts([g[0] for g in gatherings])
    for pk, office_id, week_start, days in gatherings:
        assert week_start is not None  # filtered on week_start above
        for i in range(days):
            found[office_id][week_start + dt.timedelta(days=i)] += counts.get(pk, 0)
    return found


def _counts(gathering_ids: list[int]) -> dict[int, int]:
    rows = (
        Participant.objects.filter(gathering_id__in=gathering_ids)
        .values("gathering_id")
        .annotate(n=Count("id"))
        .values_list("gathering_id", "n")
    )
    return dict(rows)


def venues(first: dt.date, last: dt.date, *, excluding: int | None = None) -> list[Venue]:
    booked = booked_by_office(first, last, excluding=excluding)
    return [
        Venue(
            name=o.name,
            city=o.city,
            country=(o.country or "").upper(),
            latitude=o.latitude,
            longitude=o.longitude,
            office_id=o.pk,
            capacity=o.capacity,
            booked=tuple(sorted(booked.get(o.pk, {}).items())),
        )
        for o in Office.objects.order_by("name")
    ]


def plan_for(
    people: Sequence[Person],
    *,
    first: dt.date,
    last: dt.date,
    days: int,
    top: int = planner.DEFAULT_TOP,
    excluding: int | None = None,
    organiser_id: int | None,
) -> Plan:
    """ValueError for a bad range or days (the callers name the field). Leave is read only
    when it counts (`leave_counts`); `plan.avoided.leave_counted` says which."""
    count_leave = leave_counts(people, organiser_id)
    request = PlanRequest(
        people=tuple(travellers(people, first, last, with_leave=count_leave)),
        offices=tuple(venues(first, last, excluding=excluding)),
        first=first,
        last=last,
        days=days,
        top=top,
        count_leave=count_leave,
    )
    return planner.plan(request)


def option_json(option: planner.Option, emails: dict[int, str]) -> dict[str, Any]:
    venue = option.venue
    low, high = option.co2_range
    return {
        "office": venue.name if venue.office_id is not None else None,
        "office_id": venue.office_id,
        "city": venue.city,
        "country": venue.country,
        "latitude": venue.latitude,
        "longitude": venue.longitude,
        "capacity": venue.capacity or None,
        "week_start": option.week_start.isoformat(),
        "week_end": option.week_end.isoformat(),
        "total_km": option.total_km,
        "co2_kg": option.co2_kg,
        "co2_per_person_min": low,
        "co2_per_person_max": high,
        "other_weeks": [w.isoformat() for w in option.other_weeks],
        "per_person": [
            {"email": emails.get(c.id, ""), "km": c.km, "co2_kg": c.co2_kg, "mode": c.mode}
            for c in option.per_person
        ],
    }


def plan_json(result: Plan, people: Sequence[Person]) -> list[dict[str, Any]]:
    emails = {p.pk: p.email for p in people}
    return [option_json(o, emails) for o in result.options]
