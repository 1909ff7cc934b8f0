"""Onboarding end to end in Chromium: an import adds a new joiner and their journey starts; on
her phone she ticks off her own steps (htmx swaps the row and the progress); her manager ticks
his; HR sees the progress and gets a clear message for a mistake in a template."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kith.directory.importing.apply import people_import
from kith.directory.models import Person
from kith.directory.tests.factories import login_for
from kith.touchpoints.models import Journey, JourneyStep

pytestmark = pytest.mark.browser
PASSWORD = "pw-for-tests-1"
PROFILE = "Tell colleagues a little about yourself"
COMMUNITY = "Join a community"
HELLO = "Say hello before day one"


def _import_people(start: dt.date) -> dict[str, Person]:
    csv = (
        "employee_id,full_name,email,manager_id,department,team,title,city,country,start_date\n"
        "E1,Jasmine Garcia,jasmine@example.com,,People,,People Partner,Lisbon,PT,2018-02-05\n"
        "E2,Maya Jackson,maya@example.com,,Engineering,Platform,Lead,Lisbon,PT,2019-04-01\n"
        f"E3,Nadia Haddad,nadia@example.com,E2,Engineering,Platform,Engineer,Lisbon,PT,{start}\n"
    )
    outcome = people_import(content=csv.encode(), filename="hris.csv")
    assert outcome.applied, outcome.problems
    people = {p.employee_id: p for p in Person.objects.all()}
    login_for(people["E1"], hr=True, password=PASSWORD)
    login_for(people["E2"], password=PASSWORD)
    login_for(people["E3"], password=PASSWORD)
    return people


def _tick(browsing, title: str) -> None:
    browsing.page.get_by_role("button", name=f"Mark “{title}” as done").click()
    expect(browsing.page.get_by_role("button", name=f"Open “{title}” again")).to_be_visible()


def test_a_new_joiner_completes_journey_steps(open_browsing, transactional_db):
    people = _import_people(timezone.localdate() + dt.timedelta(days=2))
    journey = Journey.objects.get()  # started by the import, once it committed
    assert journey.person == people["E3"] and journey.steps.count() == 13

    # Nadia, on her phone, finds her first weeks and ticks off her own steps.
    phone = open_browsing(viewport="phone")
    phone.log_in("nadia@example.com", PASSWORD)
    phone.goto("/touchpoints/journeys/")
    expect(phone.page.get_by_role("heading", name="My onboarding")).to_be_visible()
    expect(phone.page.get_by_text("Maya Jackson (manager)").first).to_be_visible()
    progress = phone.page.locator(f"#journey-progress-{journey.pk}")
    expect(progress).to_contain_text("0 of 13 steps done")
    phone.shot("my onboarding")
    mine = JourneyStep.objects.filter(journey=journey, owner=people["E3"]).count()
    expect(phone.page.get_by_role("button", name="Mark as done")).to_have_count(0)  # labelled
    expect(phone.page.locator("button", has_text="Mark as done")).to_have_count(mine)
    _tick(phone, PROFILE)
    expect(progress).to_contain_text("1 of 13 steps done")
    _tick(phone, COMMUNITY)
    expect(progress).to_contain_text("2 of 13 steps done")
    phone.shot("two steps done")
    phone.page.reload()
    expect(phone.page.get_by_role("button", name=f"Open “{PROFILE}” again")).to_be_visible()
    assert JourneyStep.objects.get(journey=journey, title=PROFILE).done_by == people["E3"]

    # Maya, her manager, sees Nadia's journey and ticks her own step; without JavaScript the
    # same form works through a plain post and a redirect.
    desk = open_browsing(javascript=False)
    desk.log_in("maya@example.com", PASSWORD)
    desk.goto("/touchpoints/journeys/")
    expect(desk.page.get_by_role("heading", name="Journeys I help with")).to_be_visible()
    desk.page.get_by_role("link", name="Nadia Haddad").click()
    expect(desk.page.get_by_role("heading", name="Nadia Haddad's onboarding")).to_be_visible()
    desk.page.get_by_role("button", name=f"Mark “{HELLO}” as done").click()
    expect(desk.page.get_by_text("Done, thank you!")).to_be_visible()
    expect(desk.page.get_by_text("3 of 13 steps done")).to_be_visible()
    desk.shot("manager ticked a step")
    desk.log_out()

    # HR sees the journey's progress, and a template mistake is named on its row. The welcome
    # call, the buddy and the check-ins are apart for HR: booked or not, never done.
    desk.log_in("jasmine@example.com", PASSWORD)
    desk.goto("/touchpoints/journeys/all/")
    expect(desk.page.get_by_label("Nadia Haddad: 3 of 8 steps done")).to_be_visible()
    expect(desk.page.get_by_text(re.compile(r"1:1s and buddy: \d of 5 booked"))).to_be_visible()
    desk.shot("hr overview")
    desk.goto("/touchpoints/journeys/templates/")
    desk.page.get_by_role("link", name="Welcome to the team").click()
    assert desk.page.locator("#id_steps-5-title").input_value() == "Welcome call with your manager"
    desk.page.locator("#id_steps-13-title").fill("Lunch with the wider team")
    desk.page.locator("#id_steps-13-day_offset").fill("7")
    desk.page.locator("#id_steps-5-owner").select_option("joiner")
    desk.page.get_by_role("button", name="Save template").click()
    expect(desk.page.get_by_text("Please fix the fields marked below.")).to_be_visible()
    expect(
        desk.page.locator("#step-row-6").get_by_text(
            "Step 6: this step is a 1:1 with the manager, so its owner is the manager."
        )
    ).to_be_visible()
    desk.shot("template with a mistake")
    desk.page.locator("#id_steps-5-owner").select_option("manager")
    desk.page.get_by_role("button", name="Save template").click()
    expect(desk.page.get_by_text("Template saved.")).to_be_visible()
    assert JourneyStep.objects.filter(journey=journey).count() == 13  # journeys keep theirs
    phone.assert_clean()
    desk.assert_clean()
