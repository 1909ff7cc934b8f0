"""A Pulse focus group in Chromium: HR invites a random sample from a published team on the
results page, the facilitator writes down a theme after the session, and the team's manager
finds it beside the results (loaded by htmx, under the strict CSP)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kith.core.dates import org_today
from kith.directory.models import Person
from kith.directory.tests.factories import PersonFactory, login_for
from kith.events import services as event_services
from kith.events.models import Event
from kith.pulse import results, services
from kith.pulse.focus_models import FocusGroup
from kith.pulse.tests.builders import answer_all, build_org, campaign

pytestmark = pytest.mark.browser
PASSWORD = "pw-for-tests-1"


def test_hr_invites_a_focus_group_and_the_manager_reads_its_theme(open_browsing):
    org = build_org()
    hr = login_for(org.hr, hr=True, password=PASSWORD)
    login_for(org.manager, password=PASSWORD)
    c = campaign(hr, today=org_today())
    wave = c.waves.get(number=1)
    services.wave_send(wave=wave, notify=False)
    wave.refresh_from_db()
    answer_all(wave, org.platform_people + org.data_people + org.direct_people)
    results.wave_results_compute(wave=wave)
    facilitator = PersonFactory.create(full_name="Fatima Okafor", email="fatima@example.com")
    login_for(facilitator, password=PASSWORD)

    # HR: from Platform's row of the results, a focus group of five, by video.
    desk = open_browsing()
    desk.log_in(org.hr.email, PASSWORD)
    wave.refresh_from_db()
    engineering = next(i for i, u in enumerate(wave.units) if u[1] == "Engineering")
    desk.goto(f"/pulse/waves/{wave.pk}/?unit={engineering}")
    platform = desk.page.locator("table.heatmap tr").filter(has_text="Platform")
    platform.get_by_role("link", name="Invite a focus group").click()
    page = desk.page
    expect(page.get_by_role("heading", name="Invite a focus group")).to_be_visible()
    expect(page.get_by_text("Between 5 and 7")).to_be_visible()
    page.get_by_label("How many people to invite").fill("5")
    page.get_by_label("Facilitator's work email").fill(facilitator.email)
    page.get_by_label("Mode").select_option("virtual")
    starts = timezone.localtime(timezone.now() + dt.timedelta(days=2)).replace(hour=15, minute=0)
    page.get_by_label("Starts").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Video link").fill("https://meet.example.com/listening")
    page.get_by_role("button", name="Draw and send the invitations").click()
    expect(page.get_by_text("Kith drew 5 people at random")).to_be_visible()
    expect(page.get_by_text("Names of the people invited are for them")).to_be_visible()
    desk.shot("focus group for HR")
    desk.assert_clean()
    desk.log_out()

    # Four of the five said they would go: under k, so no themes can be written down yet.
    group = FocusGroup.objects.select_related("event").get()
    assert group.event is not None
    drawn = list(Person.objects.filter(focus_invitations__focus_group=group).order_by("pk"))
    for person in drawn[:4]:
        event_services.rsvp_going(event=group.event, person=person)
    start = timezone.now() - dt.timedelta(hours=2)
    Event.objects.filter(focus_group=group).update(
        starts_at=start, ends_at=start + dt.timedelta(hours=1)
    )
    desk.log_in(facilitator.email, PASSWORD)
    desk.goto(f"/pulse/focus/{group.pk}/")
    expect(desk.page.get_by_text("only when at least 5 people came")).to_be_visible()
    expect(desk.page.get_by_role("button", name="Record the theme")).to_have_count(0)

    # The session happened with all five: the facilitator writes down what the group said.
    event_services.rsvp_going(event=group.event, person=drawn[4], now=start - dt.timedelta(days=1))
    desk.goto(f"/pulse/focus/{group.pk}/")
    desk.page.get_by_label("Theme").fill("People hold back in large meetings.")
    desk.page.get_by_role("button", name="Record the theme").click()
    expect(desk.page.get_by_text("Theme recorded.")).to_be_visible()
    desk.assert_clean()
    desk.log_out()

    # The manager sees it beside Platform's results.
    desk.log_in(org.manager.email, PASSWORD)
    desk.goto(f"/pulse/waves/{wave.pk}/?unit={engineering}")
    expect(desk.page.get_by_role("heading", name="What focus groups said")).to_be_visible()
    expect(desk.page.get_by_text("People hold back in large meetings.")).to_be_visible()
    desk.shot("manager results with a theme")
    desk.assert_clean()
