"""The channel advisor end to end in Chromium: a person asks how to tell a teammate in the
same city some bad news, and Kith recommends meeting in person, says why, and offers the
next step; a health conversation with a colleague far away goes to video. The guide is read
on a phone as one card per kind, none scrolling sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kith.directory.tests.factories import OrgUnitFactory, PersonFactory, login_for
from kith.notify.models import Notification

pytestmark = pytest.mark.browser
PASSWORD = "pw-for-tests-1"


@pytest.fixture
def people(transactional_db, settings):
    settings.KITH_RATE_LIMITS = {**settings.KITH_RATE_LIMITS, "guidelines_proposal": "5/h"}
    team = OrgUnitFactory(name="Platform")
    me = PersonFactory(full_name="Rui Alves", email="rui@example.com", org_unit=team)
    teammate = PersonFactory(full_name="Ana Lima", email="ana@example.com", org_unit=team)
    far = PersonFactory(
        full_name="Kenji Sato",
        email="kenji@example.com",
        org_unit=team,
        city="Tokyo",
        country="JP",
        timezone="Asia/Tokyo",
    )
    login_for(me, password=PASSWORD)
    return me, teammate, far


def no_sideways_scroll(b) -> None:
    width = b.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{b.page.url} scrolls sideways: {width[0]} > {width[1]} px"


def test_advisor_recommends_in_person_for_bad_news_and_offers_the_next_step(people, open_browsing):
    _me, teammate, far = people
    b = open_browsing()
    b.log_in("rui@example.com", PASSWORD)
    b.goto("/guidelines/")
    b.page.get_by_role("link", name="How should I have this conversation?").click()
    b.page.get_by_label("What is it about?").select_option(label="Bad news")
    b.page.get_by_label("How urgent?").select_option(label="This week")
    b.page.get_by_label("With whom? (optional)").select_option(label="Ana Lima")
    b.page.get_by_role("button", name="Advise me").click()

    advice = b.page.get_by_role("region", name="Our suggestion")
    expect(advice.locator(".advice-channel")).to_have_text("In person")
    expect(advice).to_contain_text("Bad news is kindest in person")
    expect(advice).to_contain_text("never goes to chat or email")
    propose = advice.get_by_role("button", name="Propose a time to meet").first
    expect(propose).to_be_visible()
    b.shot("advisor-bad-news")
    propose.click()
    expect(b.page.get_by_text("Ana Lima has your proposal")).to_be_visible()
    note = Notification.objects.get(person=teammate)
    assert note.attachments[0]["filename"] == "invite.ics"
    assert "bad news" not in note.body.lower()
    b.assert_clean()

    b.page.get_by_label("What is it about?").select_option(label="Health and personal matters")
    b.page.get_by_label("How urgent?").select_option(label="Today")
    b.page.get_by_label("With whom? (optional)").select_option(label=far.display_name)
    b.page.get_by_role("button", name="Advise me").click()
    advice = b.page.get_by_role("region", name="Our suggestion")
    expect(advice.locator(".advice-channel")).to_have_text("Video call")
    expect(advice).to_contain_text("Next step")
    b.assert_clean()


def test_the_guide_reads_as_cards_on_a_phone(people, open_browsing):
    b = open_browsing(viewport="phone")
    b.log_in("rui@example.com", PASSWORD)
    b.goto("/guidelines/")
    card = b.page.get_by_role("article", name="Bad news")
    expect(card).to_be_visible()
    expect(card).to_contain_text("Bad news is kindest in person")
    expect(b.page.locator(".guide-table")).to_be_hidden()
    no_sideways_scroll(b)
    b.goto("/guidelines/advisor/?kind=health&distance=same_zone&urgency=today")
    expect(b.page.locator(".advice-channel")).to_have_text("Video call")
    no_sideways_scroll(b)
    b.shot("guide-phone")
    b.assert_clean()
