"""The office-days demo: bulk, and the demo logins see teammates on some days."""

from __future__ import annotations

import datetime as dt

import pytest

from kith.core.permissions import viewer_for_user
from kith.directory.demo.seed import seed_demo_organisation
from kith.directory.models import Person
from kith.directory.tests.factories import login_for
from kith.places.demo import days as demo
from kith.places.models import AnchorDay, Leave, OfficeDay
from kith.places.selectors.days import my_office_days_for_viewer

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 7)


def test_demo_logins_see_teammates_and_the_seed_is_bulk(django_assert_max_num_queries):
    result = seed_demo_organisation(people=300, seed=1, today=TODAY)
    emails = [login.email for login in result.logins]
    with django_assert_max_num_queries(20):
        line = demo.seed(today=TODAY, seed=1, demo_emails=emails)
    assert "office-day plans" in line
    assert OfficeDay.objects.count() > 50
    assert AnchorDay.objects.exists() and Leave.objects.exists()
    named = [e for e in (*emails[:2], *demo.DEMO_PEOPLE) if Person.objects.filter(email=e).exists()]
    assert named
    for email in named:
        person = Person.objects.get(email=email)
        page = my_office_days_for_viewer(viewer_for_user(login_for(person)), today=TODAY)
        assert any(d.there and d.there.people for d in page.days), email
