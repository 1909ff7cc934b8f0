"""Events end to end in Chromium: a colleague asks for a place at a full event and lands on
the waitlist; someone going cancels; the waitlisted colleague now has the place."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kith.directory.tests.factories import OrgUnitFactory, PersonFactory, login_for
from kith.events import services
from kith.events.models import Event, Rsvp

pytestmark = pytest.mark.browser
PASSWORD = "pw-for-tests-1"


def test_full_event_waitlist_then_promotion(open_browsing, transactional_db):
    team = OrgUnitFactory(name="Platform")
    hr = PersonFactory(full_name="Jasmine Garcia", org_unit=team)
    ana = PersonFactory(full_name="Ana Souza", org_unit=team)
    ben = PersonFactory(full_name="Ben Okafor", org_unit=team, timezone="America/New_York")
    login_for(hr, hr=True, password=PASSWORD)
    login_for(ana, password=PASSWORD)
    login_for(ben, password=PASSWORD)
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=3)
    event = Event.objects.create(
        title="Pottery workshop",
        description="Two hours with clay. Only one wheel!",
        kind=Event.Kind.MEETUP,
        host=Event.Host.HR,
        mode=Event.Mode.IN_PERSON,
        venue="Atelier Barro",
        city="Lisbon",
        country="PT",
        timezone="Europe/Lisbon",
        capacity=1,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        created_by=hr,
    )
    services.rsvp_going(event=event, person=ana)

    # Ben, on his phone, finds it full and joins the waitlist.
    phone = open_browsing(viewport="phone")
    phone.log_in(ben.email, PASSWORD)
    phone.goto("/events/")
    phone.shot("events home on a phone")
    phone.page.get_by_role("link", name="Pottery workshop").first.click()
    expect(phone.page.get_by_text("local time (Europe/Lisbon)")).to_be_visible()
    phone.page.get_by_role("button", name="Join the waitlist").click()
    expect(phone.page.get_by_text("You are on the waitlist", exact=True)).to_be_visible()
    phone.shot("on the waitlist")
    assert Rsvp.objects.get(event=event, person=ben).status == "waitlisted"

    # Ana cancels her place on her desktop.
    desk = open_browsing()
    desk.log_in(ana.email, PASSWORD)
    desk.goto(f"/events/{event.pk}/")
    expect(desk.page.get_by_text("Ana Souza")).to_be_visible()
    desk.page.get_by_role("button", name="Cancel my place").click()
    expect(desk.page.get_by_text("your place goes to the next person")).to_be_visible()
    desk.shot("cancelled")

    # Ben's page now says he is going, and he sees who else is (just him).
    phone.page.reload()
    expect(phone.page.get_by_text("You are going", exact=True)).to_be_visible()
    expect(phone.page.get_by_role("link", name="Ben Okafor")).to_be_visible()
    phone.shot("promoted")
    desk.log_out()

    # The organiser sees the list, the form and the feed page look right.
    desk.log_in(hr.email, PASSWORD)
    desk.goto(f"/events/{event.pk}/")
    desk.shot("organiser view")
    desk.goto("/events/new/")
    desk.page.get_by_role("button", name="Create event").click()
    expect(desk.page.get_by_text("Please fix the fields marked below.")).to_be_visible()
    desk.shot("new event form with errors")
    desk.goto("/events/feed/")
    desk.page.get_by_role("button", name="Create my feed address").click()
    expect(desk.page.locator("#feed-url")).to_contain_text("/events/feed/")
    desk.shot("feed")
    phone.assert_clean()
    desk.assert_clean()
