"""The gatherings demo: a core week being planned (options, nothing chosen) and a past
introday with groups, invitations, answers and "who did you meet"."""

from __future__ import annotations

import datetime as dt

import pytest

from kith.directory.models import Office
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory
from kith.events.models import Met
from kith.gatherings import demo_seed
from kith.gatherings.models import Gathering, GroupMember

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 6)
CITIES = [
    ("Berlin", "DE", 52.52, 13.4),
    ("Lisbon", "PT", 38.72, -9.14),
    ("London", "GB", 51.5, -0.1),
]


def test_demo_seeds_a_core_week_being_planned_and_a_past_introday():
    Office.objects.create(
        name="Lisbon Office",
        city="Lisbon",
        country="PT",
        latitude=38.72,
        longitude=-9.14,
        timezone="Europe/Lisbon",
        capacity=40,
    )
    team = OrgUnitFactory(name="Platform")
    for i in range(9):
        city, country, lat, lon = CITIES[i % 3]
        PersonFactory(
            org_unit=team,
            city=city,
            country=country,
            latitude=lat,
            longitude=lon,
            start_date=TODAY - dt.timedelta(days=10 + i),
        )
    hr = PersonFactory(full_name="HR")
    line = demo_seed.seed(today=TODAY, seed=1, demo_emails=["x@x.org", "y@x.org", str(hr.email)])
    assert "1 core week being planned" in line and "1 introday held" in line
    core = Gathering.objects.get(kind="core_week")
    assert core.status == "draft" and core.options and core.week_start is None
    assert core.options[0]["office"] == "Lisbon Office" or core.options[0]["office"] is None
    introday = Gathering.objects.get(kind="introday")
    assert introday.status == "invited"
    assert introday.week_start is not None and introday.week_start < TODAY
    assert introday.event.invite_only and introday.event.kind == "introday"
    assert GroupMember.objects.filter(gathering=introday).count() == 9
    assert Met.objects.filter(event=introday.event).exists()
    assert demo_seed.seed(today=TODAY, seed=1, demo_emails=[]) == "Gatherings: already seeded."
