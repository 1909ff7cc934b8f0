"""An invitation-only event in Chromium: a manager creates one and invites a colleague by
email; the colleague answers; someone not invited gets a 404; HR sees the counts, no names."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kith.directory.tests.factories import OrgUnitFactory, PersonFactory, login_for
from kith.events.models import Event, Rsvp

pytestmark = pytest.mark.browser
PASSWORD = "pw-for-tests-1"


def test_a_manager_invites_a_colleague_who_answers_and_others_see_nothing(
    open_browsing, transactional_db
):
    team = OrgUnitFactory(name="Platform")
    boss = PersonFactory.create(full_name="Maya Jackson", org_unit=team)
    ana = PersonFactory.create(full_name="Ana Souza", org_unit=team, manager=boss)
    ben = PersonFactory.create(full_name="Ben Okafor", org_unit=team, manager=boss)
    hr = PersonFactory.create(full_name="Jasmine Garcia")
    for person in (boss, ana, ben):
        login_for(person, password=PASSWORD)
    login_for(hr, hr=True, password=PASSWORD)

    # Maya creates a private lunch for her team, invitation only.
    desk = open_browsing()
    desk.log_in(boss.email, PASSWORD)
    desk.goto("/events/new/")
    page = desk.page
    page.get_by_label("Title").fill("Career chat over lunch")
    page.get_by_label("Mode").select_option("virtual")
    starts = timezone.localtime(timezone.now() + dt.timedelta(days=4)).replace(hour=12, minute=0)
    page.get_by_label("Starts").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Ends").fill((starts + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Link to join").fill("https://meet.example.com/lunch")
    page.get_by_label("Invitation only").check()
    desk.shot("new invitation-only event")
    page.get_by_role("button", name="Create event").click()
    expect(page.get_by_role("heading", name="Who is invited")).to_be_visible()
    page.get_by_label("Work emails").fill(ana.email)
    page.get_by_role("button", name="Invite them").click()
    expect(page.get_by_text("Invited 1 person; Kith lets them know.")).to_be_visible()
    expect(page.get_by_role("cell", name="Ana Souza", exact=True)).to_be_visible()
    desk.shot("who is invited")
    desk.assert_clean()
    desk.log_out()
    event = Event.objects.get(title="Career chat over lunch")
    assert event.invite_only

    # Ana answers; Ben, not invited, finds nothing.
    desk.log_in(ana.email, PASSWORD)
    desk.goto(f"/events/{event.pk}/")
    expect(desk.page.get_by_text("You are invited.")).to_be_visible()
    desk.page.get_by_role("button", name="I'm going").click()
    expect(desk.page.get_by_text("You are going", exact=True)).to_be_visible()
    assert Rsvp.objects.get(event=event, person=ana).status == "going"
    desk.assert_clean()
    desk.log_out()
    stranger = open_browsing(viewport="phone")  # its 404 is the point: not checked clean
    stranger.log_in(ben.email, PASSWORD)
    stranger.goto("/events/")
    expect(stranger.page.get_by_text("Career chat over lunch")).to_have_count(0)
    response = stranger.page.goto(stranger.url(f"/events/{event.pk}/"))
    assert response is not None and response.status == 404

    # HR sees that it exists and how many: no names.
    desk.log_in(hr.email, PASSWORD)
    desk.goto(f"/events/{event.pk}/")
    expect(desk.page.get_by_text("1 person is going.")).to_be_visible()
    expect(desk.page.get_by_text("Ana Souza")).to_have_count(0)
    desk.shot("HR sees counts")
    desk.assert_clean()
