"""The human-touch audit end to end in Chromium: HR signs in, maps a process with an automated
step that needs a human touch, and sees it flagged on the journey map; a colleague says on
their phone that it did not feel human; Kith's example lifecycle on a phone stacks its stages
and never scrolls sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kith.directory.tests.factories import PersonFactory, login_for
from kith.touchpoints.models.audit import StepFeedback

pytestmark = pytest.mark.browser
PASSWORD = "pw-for-tests-1"


@pytest.fixture
def people(transactional_db):
    hr = PersonFactory.create(full_name="Jasmine Garcia", email="jasmine@example.com")
    ana = PersonFactory.create(full_name="Ana Souza", email="ana@example.com")
    login_for(hr, hr=True, password=PASSWORD)
    login_for(ana, password=PASSWORD)
    return hr, ana


def no_sideways_scroll(b) -> None:
    width = b.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{b.page.url} scrolls sideways: {width[0]} > {width[1]} px"


def test_hr_maps_a_process_and_sees_the_flagged_step(people, open_browsing):
    hr, ana = people
    b = open_browsing()
    page = b.page
    b.log_in(hr.email, PASSWORD)
    b.goto("/touchpoints/audit/")
    expect(page.get_by_role("heading", name="Your map is empty")).to_be_visible()
    b.shot("empty map")

    page.get_by_role("link", name="Add your first process").click()
    page.get_by_label("Stage").select_option("perform")
    page.get_by_label("Name").fill("Performance review")
    page.get_by_role("button", name="Add the process").click()
    expect(page.get_by_role("heading", name="Performance review", level=1)).to_be_visible()

    # A step without a why is refused, with the reason next to it.
    page.get_by_label("Step", exact=True).fill("Review form")
    page.get_by_label("Automated").check()
    page.get_by_label("It needs a human touch").check()
    page.get_by_role("button", name="Add the step").click()
    expect(page.get_by_text("why this step needs a human touch")).to_be_visible()
    page.get_by_label("Why, in a few words").fill("It decides pay and careers.")
    b.shot("adding an automated step")
    page.get_by_role("button", name="Add the step").click()
    expect(page.get_by_text("Step added.")).to_be_visible()

    page.get_by_role("link", name="Human-touch audit").first.click()
    expect(page.get_by_role("heading", name="1 flagged step")).to_be_visible()
    flagged = (
        page.get_by_role("list", name="Flagged steps, most urgent first")
        .get_by_role("listitem")
        .first
    )
    expect(flagged).to_contain_text("High risk")
    expect(flagged).to_contain_text("Review form")
    expect(flagged).to_contain_text("no person takes part in it")
    expect(flagged).to_contain_text("Add a conversation with the manager before the form")
    perform = page.get_by_role("region", name="Perform")
    expect(perform.get_by_text("Review form")).to_be_visible()
    expect(flagged).to_contain_text("Not enough answers yet")
    b.shot("journey map with the flagged step")
    b.assert_clean()

    # Ana, on her phone, says it did not feel human; the step swaps in place.
    phone = open_browsing(viewport="phone")
    phone.log_in(ana.email, PASSWORD)
    phone.goto("/touchpoints/audit/feedback/")
    question = phone.page.get_by_role("group", name="Did “Review form” feel human?")
    question.get_by_label("No").check()
    phone.page.get_by_role("button", name="Send").click()
    expect(phone.page.get_by_text("You answered. Thank you!")).to_be_visible()
    expect(phone.page.get_by_text("You have answered 1 of 1.")).to_be_visible()
    phone.shot("answered on a phone")
    no_sideways_scroll(phone)
    phone.assert_clean()
    assert dict(StepFeedback.objects.values_list("answer", "count"))["no"] == 1


def test_example_lifecycle_on_a_phone_stacks_and_flags(people, open_browsing):
    hr, _ = people
    phone = open_browsing(viewport="phone")
    page = phone.page
    phone.log_in(hr.email, PASSWORD)
    phone.goto("/touchpoints/audit/")
    page.get_by_role("button", name="Start from an example").click()
    expect(page.get_by_text("example is on your map")).to_be_visible()
    expect(page.get_by_role("heading", name="flagged steps")).to_be_visible()
    recruit = page.get_by_role("region", name="Recruit").bounding_box()
    onboard = page.get_by_role("region", name="Onboard").bounding_box()
    assert recruit and onboard and onboard["y"] >= recruit["y"] + recruit["height"]  # stacked
    expect(page.get_by_role("region", name="Offboard")).to_contain_text("Redundancy letter")
    no_sideways_scroll(phone)
    phone.shot("example map on a phone")
    phone.assert_clean()

    # On a desktop the seven stages sit side by side.
    desk = open_browsing()
    desk.log_in(hr.email, PASSWORD)
    desk.goto("/touchpoints/audit/")
    page = desk.page
    page.get_by_role("link", name="Jump to the journey map").click()
    tops = {
        stage: page.get_by_role("region", name=stage).bounding_box()["y"]
        for stage in ("Recruit", "Perform", "Offboard")
    }
    assert len(set(tops.values())) == 1, tops
    no_sideways_scroll(desk)
    desk.shot("example map on a desktop")
    desk.assert_clean()
