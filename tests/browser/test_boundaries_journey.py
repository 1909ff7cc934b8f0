"""Boundaries end to end in Chromium: a person says they would rather meet virtually and be
reached only in Kith, and the events home then lists the virtual event first and says why;
HR plans a wellness week covering today and every page shows the banner. The boundaries page
reads on a desktop and on a 390 px phone without scrolling sideways."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kith.directory.models import ContactPreference
from kith.directory.tests.factories import PersonFactory, login_for
from kith.events.models import Event
from kith.events.tests.builders import make_event
from kith.guidelines.models import WellnessWeek

pytestmark = pytest.mark.browser
PASSWORD = "pw-for-tests-1"
SHOTS = Path("/tmp/shots")


@pytest.fixture
def people(transactional_db):
    me = PersonFactory(full_name="Rui Alves", email="rui@example.com")
    hr = PersonFactory(full_name="Jasmine Garcia", email="jasmine@example.com")
    login_for(me, password=PASSWORD)
    login_for(hr, hr=True, password=PASSWORD)
    soon = timezone.now() + dt.timedelta(days=2)
    make_event(title="Lisbon picnic", mode=Event.Mode.IN_PERSON, starts_at=soon)
    make_event(
        title="Online quiz night",
        mode=Event.Mode.VIRTUAL,
        venue="",
        city="",
        link="https://meet.example.com/quiz",
        starts_at=soon + dt.timedelta(days=1),
    )
    return me, hr


def _fits(b) -> None:
    width = b.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"scrolls sideways: {width}"


def test_prefer_virtual_and_the_events_home_lists_virtual_first(people, open_browsing):
    me, _hr = people
    b = open_browsing()
    b.log_in("rui@example.com", PASSWORD)

    b.goto("/events/")
    cards = b.page.locator("#upcoming-title ~ .event-grid .event-card h3")
    expect(cards.first).to_have_text("Lisbon picnic")  # soonest first: no preference yet
    expect(b.page.get_by_text("as you prefer")).to_have_count(0)

    b.goto("/guidelines/boundaries/")
    expect(b.page.get_by_role("heading", name="My boundaries", level=1)).to_be_visible()
    meet = b.page.get_by_role("group", name="I would rather meet")
    meet.get_by_label("Virtually", exact=True).check()
    b.page.get_by_role("group", name="Reach me by").get_by_label("Only in Kith").check()
    b.page.get_by_role("button", name="Save").click()
    b.page.wait_for_load_state()
    prefs = ContactPreference.objects.get(person=me)
    assert (prefs.meeting_mode, prefs.preferred_channel) == ("virtual", "in_app")

    b.goto("/events/")
    note = b.page.locator(".for-you-note")
    expect(note).to_contain_text("Virtual and hybrid events first, as you prefer")
    expect(note.get_by_role("link", name="change")).to_have_attribute(
        "href", "/guidelines/boundaries/"
    )
    for_you = b.page.get_by_role("group", name="For you")
    expect(for_you.locator(".event-card h3")).to_have_text(["Online quiz night"])
    also = b.page.get_by_role("group", name="Also coming up")
    expect(also.locator(".event-card h3")).to_have_text(["Lisbon picnic"])  # never hidden
    first = b.page.locator("#upcoming-title ~ .event-grid .event-card h3").first
    expect(first).to_have_text("Online quiz night")
    b.shot("events-for-you")
    b.assert_clean()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_boundaries_page_fits(people, open_browsing, viewport):
    b = open_browsing(viewport=viewport)
    b.log_in("rui@example.com", PASSWORD)
    b.goto("/guidelines/boundaries/")
    expect(b.page.get_by_role("group", name="I would rather meet")).to_be_visible()
    _fits(b)
    SHOTS.mkdir(parents=True, exist_ok=True)
    b.page.screenshot(path=str(SHOTS / f"boundaries-{viewport}.png"), full_page=True)
    b.assert_clean()


def test_hr_plans_a_wellness_week_and_the_banner_shows_elsewhere(people, open_browsing):
    b = open_browsing()
    b.log_in("jasmine@example.com", PASSWORD)
    b.goto("/events/")
    expect(b.page.locator(".wellness-banner")).to_have_count(0)

    today = timezone.now().astimezone(ZoneInfo("Europe/Lisbon")).date()
    b.goto("/guidelines/boundaries/wellness-weeks/")
    form = b.page.get_by_role("form", name="Plan a wellness week")
    form.get_by_label("Name").fill("Spring log-off")
    form.get_by_label("First day off").fill((today - dt.timedelta(days=1)).isoformat())
    form.get_by_label("Last day off").fill((today + dt.timedelta(days=3)).isoformat())
    form.get_by_role("button", name="Save").click()
    b.page.wait_for_load_state()
    assert WellnessWeek.objects.filter(name="Spring log-off").exists()
    _fits(b)

    b.goto("/events/")
    banner = b.page.get_by_role("region", name="Spring log-off: the company has logged off")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("draws no matching rounds")
    b.shot("wellness-banner")
    b.assert_clean()
