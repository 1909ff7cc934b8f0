"""Planning a core week in Chromium: HR names the people by email, compares the options side
by side, chooses one, sends the invitations; an invitee finds it among their events and on
the gathering page; a colleague not invited does not."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from kith.directory.models import Office
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory, login_for
from kith.events.models import EventInvite
from kith.gatherings.models import Gathering
from kith.notify.models import Notification

pytestmark = pytest.mark.browser
PASSWORD = "pw-for-tests-1"


def test_hr_plans_a_core_week_compares_options_and_invites(open_browsing, transactional_db):
    Office.objects.create(
        name="Berlin Hub",
        city="Berlin",
        country="DE",
        latitude=52.52,
        longitude=13.40,
        timezone="Europe/Berlin",
        capacity=30,
    )
    team = OrgUnitFactory(name="Platform")
    ana = PersonFactory(
        full_name="Ana Souza",
        org_unit=team,
        city="Berlin",
        country="DE",
        latitude=52.52,
        longitude=13.40,
        timezone="Europe/Berlin",
    )
    ben = PersonFactory(
        full_name="Ben Okafor",
        org_unit=team,
        city="Munich",
        country="DE",
        latitude=48.14,
        longitude=11.58,
        timezone="Europe/Berlin",
    )
    cat = PersonFactory(full_name="Cat Lima", org_unit=team)  # Lisbon
    outsider = PersonFactory(full_name="Dan Other")
    hr = PersonFactory(full_name="Jasmine Garcia")
    login_for(hr, hr=True, password=PASSWORD)
    for person in (ana, outsider):
        login_for(person, password=PASSWORD)
    today = dt.date.today()
    first, last = today + dt.timedelta(days=30), today + dt.timedelta(days=100)

    desk = open_browsing()
    desk.log_in(hr.email, PASSWORD)
    desk.goto("/gatherings/")
    page = desk.page
    page.get_by_role("link", name="Plan a gathering").click()
    page.get_by_label("Name", exact=True).fill("Platform core week")
    page.get_by_label("Kind").select_option("core_week")
    page.get_by_label("From", exact=True).fill(first.isoformat())
    page.get_by_label("To", exact=True).fill(last.isoformat())
    page.get_by_label("Days", exact=True).fill("5")
    page.get_by_label("A list of emails").check()
    page.get_by_label("Work emails").fill(f"{ana.email}, {ben.email}\n{cat.email}")
    desk.shot("plan a gathering")
    page.get_by_role("button", name="Find the best places and weeks").click()

    # Side by side: the office and the city venues, each with its week, km and CO2. Munich
    # lies between Lisbon and Berlin: the least travel, in a city without an office.
    expect(page.get_by_role("heading", name="1. A venue in Munich")).to_be_visible()
    options = page.get_by_role("list", name="Options side by side").get_by_role("listitem")
    expect(options).to_have_count(3)
    expect(page.get_by_role("heading", name="2. Berlin Hub")).to_be_visible()
    expect(page.get_by_text("CO₂ per person").first).to_be_visible()
    desk.shot("options side by side")
    desk.assert_clean()
    # HR prefers the office, second by a few hundred km.
    page.get_by_role("button", name="Choose option 2").click()

    expect(page.get_by_text("Chosen. Look over the agenda")).to_be_visible()
    expect(page.get_by_label("Title").first).to_have_value("Travel and a relaxed dinner")
    page.get_by_role("button", name="Draw groups").click()
    expect(page.get_by_role("heading", name="Group 1")).to_be_visible()
    # Sending cannot be taken back, so the page asks first (issue 14, item 4).
    page.locator("summary", has_text="Send invitations").click()
    expect(page.get_by_text("it cannot be taken back")).to_be_visible()
    desk.shot("asked before sending")
    page.get_by_role("button", name="Yes, send the invitations").click()
    expect(page.get_by_text("Invitations sent, each with a calendar file.")).to_be_visible()
    # The browser's Back shows the page as it is now (pages are not stored), or, from a copy,
    # a second send that sends nobody a second invitation.
    page.go_back()
    again = page.locator("summary", has_text="Send invitations")
    if again.count():
        again.click()
        page.get_by_role("button", name="Yes, send the invitations").click()
        expect(page.get_by_text("The invitations went out already")).to_be_visible()
    page.goto(desk.url(f"/gatherings/{Gathering.objects.get().pk}/"))
    assert Notification.objects.filter(kind="gatherings.invite").count() == 3
    expect(page.get_by_text("0 going, 0 not going, 3 not answered yet.")).to_be_visible()
    desk.shot("invitations sent")
    desk.assert_clean()
    desk.log_out()

    gathering = Gathering.objects.get()
    assert gathering.status == "invited" and gathering.office.name == "Berlin Hub"
    assert EventInvite.objects.filter(event=gathering.event, person=ana).exists()

    # Ana finds it among her events and on the gathering page, with her group.
    desk.log_in(ana.email, PASSWORD)
    desk.goto("/events/")
    expect(desk.page.get_by_text("Platform core week").first).to_be_visible()
    desk.goto(f"/gatherings/{gathering.pk}/")
    expect(desk.page.get_by_role("heading", name="Your small group")).to_be_visible()
    expect(desk.page.get_by_role("link", name="Say whether you are going")).to_be_visible()
    desk.shot("an invitee's view")
    desk.assert_clean()
    desk.log_out()

    # Dan was not invited: nothing in his events, and the gathering does not exist for him.
    stranger = open_browsing(viewport="phone")
    stranger.log_in(outsider.email, PASSWORD)
    stranger.goto("/events/")
    expect(stranger.page.get_by_text("Platform core week")).to_have_count(0)
    response = stranger.page.goto(stranger.url(f"/gatherings/{gathering.pk}/"))
    assert response is not None and response.status == 404
