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


def _no_sideways_scroll(b) -> None:
    width = b.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{b.page.url} scrolls sideways: {width[0]} > {width[1]} px"


def test_a_past_start_is_refused_unless_hr_records_a_past_event(open_browsing, transactional_db):
    """Issue 14, item 6: the form says why a start that has passed is refused, and HR records
    a gathering that already happened by ticking "Record a past event"."""
    hr = PersonFactory(full_name="Jasmine Garcia", timezone="Europe/Lisbon")
    login_for(hr, hr=True, password=PASSWORD)
    desk = open_browsing()
    desk.log_in(hr.email, PASSWORD)
    desk.goto("/events/new/")
    page = desk.page
    page.get_by_label("Title").fill("Summer picnic")
    page.get_by_label("Mode").select_option("virtual")
    starts = timezone.localtime(timezone.now() - dt.timedelta(days=3)).replace(hour=12, minute=0)
    page.get_by_label("Starts").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Ends").fill((starts + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Time zone").select_option("Europe/Lisbon")
    page.get_by_label("Link to join").fill("https://meet.example.com/picnic")
    page.get_by_role("button", name="Create event").click()
    refusal = page.get_by_text("has passed: an event starts from now on")
    expect(refusal).to_be_visible()
    expect(page.get_by_text("tick “Record a past event”")).to_be_visible()
    desk.shot("a past start refused")
    assert not Event.objects.exists()

    page.get_by_label("Record a past event").check()
    page.get_by_role("button", name="Create event").click()
    expect(page.get_by_text("Your event is up.")).to_be_visible()
    expect(page.get_by_text("This event is over.")).to_be_visible()
    desk.shot("a past event recorded")
    assert Event.objects.get().starts_at < timezone.now()
    desk.assert_clean()


def test_on_a_phone_the_rsvp_comes_before_who_is_going_and_nothing_scrolls_sideways(
    open_browsing, transactional_db
):
    """Issue 14, item 7: at 390 px the RSVP box comes straight after when and where, before the
    list of who is going; long names and emails wrap inside their cards."""
    team = OrgUnitFactory(name="Platform")
    hr = PersonFactory(full_name="Jasmine Garcia", org_unit=team)
    ana = PersonFactory(full_name="Ana Souza", org_unit=team)
    login_for(hr, hr=True, password=PASSWORD)
    login_for(ana, password=PASSWORD)
    for n in range(8):
        PersonFactory(
            full_name=f"Maximiliana Wolkenstein-Pereira de Albuquerque {n}",
            email=f"maximiliana.wolkenstein-pereira.de.albuquerque.{n}@subsidiary.example.com",
            org_unit=team,
        )
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=3)
    event = Event.objects.create(
        title="Introday: welcome to the company",
        kind=Event.Kind.INTRODAY,
        host=Event.Host.HR,
        mode=Event.Mode.HYBRID,
        venue="Lisbon office",
        city="Lisbon",
        country="PT",
        link="https://meet.example.com/a-very-long-link-that-goes-on-and-on-and-on-for-ever",
        timezone="Europe/Lisbon",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=6),
        created_by=hr,
    )
    for person in PersonFactory._meta.model.objects.filter(full_name__startswith="Maximiliana"):
        services.rsvp_going(event=event, person=person)
    services.rsvp_going(event=event, person=ana)

    phone = open_browsing(viewport="phone")
    phone.log_in(ana.email, PASSWORD)
    phone.goto(f"/events/{event.pk}/")
    rsvp = phone.page.get_by_role("button", name="Cancel my place").bounding_box()
    who = phone.page.get_by_role("heading", name="Who is going").bounding_box()
    assert rsvp is not None and who is not None
    assert rsvp["y"] < who["y"], "the RSVP button comes after the list of who is going"
    phone.shot("event page on a phone", full_page=True)
    _no_sideways_scroll(phone)
    for path in ("/events/", "/events/feed/"):
        phone.goto(path)
        _no_sideways_scroll(phone)
    phone.log_out()

    # The organiser's pages, with long emails in the invitation form's answer, fit too.
    phone.log_in(hr.email, PASSWORD)
    for path in (f"/events/{event.pk}/", f"/events/{event.pk}/attendance/", "/events/new/"):
        phone.goto(path)
        _no_sideways_scroll(phone)
    phone.goto("/events/new/")
    phone.page.get_by_role("button", name="Create event").click()
    _no_sideways_scroll(phone)
    phone.shot("organiser pages fit a phone")
    phone.assert_clean()

    # On a desktop the RSVP box stays beside the event, at the top.
    desk = open_browsing()
    desk.log_in(ana.email, PASSWORD)
    desk.goto(f"/events/{event.pk}/")
    rsvp_box = desk.page.get_by_role("complementary", name="Your RSVP").bounding_box()
    when = desk.page.locator(".event-when").bounding_box()
    assert rsvp_box is not None and when is not None
    assert rsvp_box["x"] > when["x"] + when["width"] - 1 and abs(rsvp_box["y"] - when["y"]) < 2
    desk.assert_clean()
