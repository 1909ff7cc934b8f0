"""Insights' "met at gatherings" share: from "who did you meet?" at a gathering's event, per
unit, through the disclosure layer like the other shares."""

from __future__ import annotations

import datetime as dt

import pytest

from kith.events.models import Event, Met
from kith.gatherings.models import Gathering
from kith.insights import services
from kith.insights.models import PairWeek
from kith.pulse.tests.builders import build_org

pytestmark = pytest.mark.django_db
WEEK = dt.date(2026, 11, 23)  # a Monday


def _connect(people) -> None:
    for i, a in enumerate(people):
        for b in people[i + 1 :]:
            lo, hi = sorted([a, b], key=lambda p: p.pk)
            PairWeek.objects.create(
                person_a=lo, person_b=hi, week=WEEK, channel=1, count=3, one_to_one_minutes=0
            )


def _gathering_event(organiser, *, gathering: bool = True) -> Event:
    starts = dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC)
    event = Event.objects.create(
        title="Core week",
        kind="core_week",
        host="hr",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=8),
        timezone="UTC",
        invite_only=True,
    )
    if gathering:
        Gathering.objects.create(
            name="Core week",
            kind="core_week",
            organiser=organiser,
            first_day=WEEK,
            last_day=WEEK + dt.timedelta(days=6),
            days=1,
            status="invited",
            event=event,
            week_start=WEEK,
        )
    return event


def _figure(name: str) -> object:
    result = services.insights_compute_week(week=WEEK)
    cells = {c.name.split(" / ")[-1]: c for c in result.computation.cells.all()}
    return cells["Platform"].figures[name]


@pytest.fixture
def org():
    services.insights_enable(actor=None)
    org = build_org()
    for group in (org.platform_people, org.data_people, org.direct_people):
        _connect(group)
    return org


def test_everyone_in_a_unit_met_someone_at_a_gathering(org):
    event = _gathering_event(org.hr)
    people = org.platform_people
    for i, person in enumerate(people):
        Met.objects.create(event=event, person=person, other=people[(i + 1) % len(people)])
    assert _figure("gathering_met_share") == pytest.approx(1.0)


def test_a_small_class_is_withheld_and_other_events_do_not_count(org):
    event = _gathering_event(org.hr)
    people = org.platform_people
    for person in people[:5]:  # 2 without: fewer than k, so the share is withheld
        Met.objects.create(event=event, person=person, other=people[6])
    assert _figure("gathering_met_share") is None


def test_met_at_an_ordinary_event_is_not_a_gathering(org):
    event = _gathering_event(org.hr, gathering=False)
    people = org.platform_people
    for i, person in enumerate(people):
        Met.objects.create(event=event, person=person, other=people[(i + 1) % len(people)])
    assert _figure("gathering_met_share") == pytest.approx(0.0)
