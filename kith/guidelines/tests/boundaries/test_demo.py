from __future__ import annotations

import datetime as dt

import pytest

from kith.directory.models import ContactPreference
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory
from kith.guidelines.demo import boundaries as demo
from kith.guidelines.models import TechFreeHours, WellnessWeek


@pytest.mark.django_db
def test_demo_boundaries_are_seeded_once():
    teams = [OrgUnitFactory() for _ in range(3)]
    for team in teams:
        PersonFactory.create_batch(5, org_unit=team)
    today = dt.date(2030, 6, 12)

    line = demo.seed(today=today, seed=7, demo_emails=[])
    demo.seed(today=today, seed=7, demo_emails=[])

    assert "wellness week" in line
    [week] = WellnessWeek.objects.all()
    assert week.ends_on < today
    assert TechFreeHours.objects.count() == 2
    assert ContactPreference.objects.count() == 12
