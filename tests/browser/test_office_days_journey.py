"""Office days end to end in Chromium: a person plans a day in the Lisbon office and sees the
teammate who planned the same day there, by name, while people they do not know are only a
number ("fewer than 3"); the day's own page agrees; the page reads on a phone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kith.directory.models import Office
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory, login_for
from kith.places.models import OfficeDay

pytestmark = pytest.mark.browser
PASSWORD = "pw-for-tests-1"


@pytest.fixture
def people(transactional_db):
    team = OrgUnitFactory(name="Tools")
    me = PersonFactory(full_name="Rui Alves", email="rui@example.com", org_unit=team)
    mate = PersonFactory(full_name="Ana Lima", email="ana@example.com", org_unit=team)
    stranger = PersonFactory(full_name="Zoe Stranger", org_unit=OrgUnitFactory(name="Sales"))
    lisbon = Office.objects.create(
        name="Lisbon office",
        city="Lisbon",
        country="PT",
        latitude=38.72509,
        longitude=-9.1498,
        timezone="Europe/Lisbon",
    )
    Office.objects.create(
        name="Porto office",
        city="Porto",
        country="PT",
        latitude=41.15,
        longitude=-8.61,
        timezone="Europe/Lisbon",
    )
    day = timezone.localdate() + dt.timedelta(days=3)
    for person in (mate, stranger):
        OfficeDay.objects.create(person=person, office=lisbon, starts_on=day, ends_on=day)
    login_for(me, password=PASSWORD)
    return me, lisbon, day


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_plan_a_day_and_see_the_teammate_there(people, open_browsing, viewport):
    me, lisbon, day = people
    b = open_browsing(viewport=viewport)
    b.log_in("rui@example.com", PASSWORD)
    b.goto("/places/")
    expect(b.page.get_by_role("heading", name="Office days", level=1)).to_be_visible()
    expect(b.page.get_by_text("Ana Lima")).to_have_count(0)  # nothing planned yet

    form = b.page.get_by_role("region", name="Plan a day")
    form.get_by_label("Office").select_option(label="Lisbon office")
    form.get_by_label("How often").select_option(label="One day")
    form.get_by_label("Day", exact=True).fill(day.isoformat())
    form.get_by_role("button", name="Plan it").click()
    expect(b.page.get_by_text("Planned.")).to_be_visible()
    assert OfficeDay.objects.filter(person=me, office=lisbon, starts_on=day).exists()

    days = b.page.get_by_role("region", name="My office days")
    row = days.locator("li.office-day.planned")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Lisbon office")
    expect(row.get_by_role("link", name="Ana Lima")).to_be_visible()
    expect(row).to_contain_text("your team")
    expect(row).to_contain_text("fewer than 3")
    expect(row).not_to_contain_text("Zoe Stranger")
    width = b.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"scrolls sideways: {width}"
    b.shot(f"office-days-{viewport}")

    row.get_by_role("link", name="Lisbon office").click()
    there = b.page.get_by_role("region", name="Who will be there")
    expect(there.get_by_role("link", name="Ana Lima")).to_be_visible()
    expect(there).to_contain_text("You plan to be there")
    b.assert_clean()
