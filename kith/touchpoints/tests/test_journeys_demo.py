"""The demo: journeys in progress for this month's joiners, some steps done, one late."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from kith.connect import demo_seed as connect_demo
from kith.directory.demo.seed import seed_demo_organisation
from kith.directory.models import Person
from kith.directory.tests.factories import login_for
from kith.touchpoints.demo import journeys as demo
from kith.touchpoints.models import Journey, JourneyStep

TODAY = dt.date(2026, 12, 18)

pytestmark = pytest.mark.django_db


def test_this_months_joiners_are_onboarding_with_some_steps_done_and_one_late(db):
    result = seed_demo_organisation(people=200, seed=5, today=TODAY)
    emails = [login.email for login in result.logins]
    connect_demo.seed(today=TODAY, seed=5, demo_emails=emails)
    line = demo.seed(today=TODAY, seed=5, demo_emails=emails)
    joiners = set(
        Person.objects.filter(start_date__gte=TODAY.replace(day=1)).values_list("pk", flat=True)
    )
    assert joiners, "the demo directory should have someone joining this month"
    journeys = Journey.objects.filter(status=Journey.Status.ACTIVE)
    assert set(journeys.values_list("person_id", flat=True)) == joiners
    steps = JourneyStep.objects.filter(journey__in=journeys)
    assert steps.filter(done_at__isnull=False).exists()
    late = steps.filter(done_at__isnull=True, due_on__lt=TODAY, kind="human", special="")
    assert late.count() == 1
    assert f"Journeys: {len(joiners)} for this month's joiners" in line and "1 left late" in line
    # Connect's buddy program found buddies, and the journeys took them.
    assert journeys.filter(buddy__isnull=False).exists()
    # Running it again changes nothing.
    again = demo.seed(today=TODAY, seed=5, demo_emails=emails)
    assert Journey.objects.count() == len(joiners) and "0 steps done" in again

    hr = Client()
    hr_login = next(login for login in result.logins if login.role == "HR admin")
    hr.force_login(login_for(Person.objects.get(email=hr_login.email)))
    page = hr.get("/touchpoints/journeys/all/", {"month": "2026-12"}).content.decode()
    assert page.count("<progress") == len(joiners)
