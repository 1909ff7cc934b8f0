"""Celebrate end to end in Chromium: a colleague picks someone from the suggestions, a value
and a message; the kudos is in the feed, and the recipient finds it in their inbox."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from kith.celebrate import services
from kith.celebrate.models import CompanyValue, Kudos
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory, login_for

pytestmark = pytest.mark.browser
PASSWORD = "pw-for-tests-1"
ALWAYS = {
    "work_start": dt.time(0, 0),
    "work_end": dt.time(23, 59),
    "work_days": [1, 2, 3, 4, 5, 6, 7],
}


def test_give_kudos_and_the_recipient_is_told(open_browsing, transactional_db):
    team = OrgUnitFactory(name="Platform")
    sender = PersonFactory(full_name="Margarida Ribeiro", org_unit=team)
    # Working all week, so the notification is not held for working hours during the test.
    recipient = PersonFactory(full_name="Maya Jackson", org_unit=team, **ALWAYS)
    PersonFactory(full_name="Mateo Silva", org_unit=OrgUnitFactory(name="Design"))
    login_for(sender, password=PASSWORD)
    login_for(recipient, password=PASSWORD)
    CompanyValue.objects.create(name="Be kind", description="Make room for others")
    CompanyValue.objects.create(name="Own it")

    desk = open_browsing()
    desk.log_in(sender.email, PASSWORD)
    desk.goto("/celebrate/")
    page = desk.page
    expect(page.get_by_role("heading", name="Nothing to celebrate here yet")).to_be_visible()
    page.get_by_label("To").fill("ma")
    page.get_by_role("button", name="Maya Jackson").click()
    expect(page.locator("#chosen-recipients")).to_contain_text("Maya Jackson")
    page.get_by_label("Value (optional)").select_option(label="Be kind")
    page.get_by_label("Message").fill("Thank you for pairing on the outage, calm and kind.")
    page.get_by_label("Our teams").check()
    desk.shot("kudos form filled")
    page.get_by_role("button", name="Send kudos").click()
    expect(page.get_by_text("Kudos sent to Maya Jackson")).to_be_visible()
    desk.shot("kudos sent")
    kudos = Kudos.objects.get()
    assert (kudos.visibility, kudos.value.name) == ("team", "Be kind")

    desk.goto("/celebrate/")
    feed = page.locator(".feed")
    expect(feed).to_contain_text("Thank you for pairing on the outage")
    expect(feed).to_contain_text("Seen by our teams")
    desk.shot("feed")
    desk.assert_clean()
    desk.log_out()

    phone = open_browsing(viewport="phone")
    phone.log_in(recipient.email, PASSWORD)
    phone.goto("/notifications/")
    notice = phone.page.get_by_role("link", name="Margarida Ribeiro gave you kudos for “Be kind”")
    expect(notice).to_be_visible()
    notice.click()
    expect(phone.page.get_by_role("heading", name="Kudos from Margarida Ribeiro")).to_be_visible()
    phone.shot("recipient reads it on a phone")
    services.milestones_generate(on=dt.date(2025, 3, 14))  # factories start on 14 March 2022
    phone.goto("/celebrate/")
    expect(phone.page.get_by_text("celebrates 3 years with us").first).to_be_visible()
    phone.shot("feed on a phone")
    phone.goto("/celebrate/me/")
    phone.shot("settings on a phone")
    phone.assert_clean()
