"""Span of control in Chromium: HR finds the manager with 16 reports flagged, sorts the table
(htmx swaps only the table), reads the suggestions, keeps a note, and moves the thresholds
(a wrong pair is refused with the field named). The manager above sees their own span and
the wide one in their line; on a phone no page scrolls sideways."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kith.directory.tests.factories import OrgUnitFactory, PersonFactory, login_for
from kith.touchpoints.models import SpanNote, TouchpointSettings
from kith.touchpoints.services.span import span_snapshot_take

pytestmark = pytest.mark.browser
PASSWORD = "pw-for-tests-1"


@pytest.fixture
def org(transactional_db):
    ops = OrgUnitFactory(name="Ops", kind="department")
    north = OrgUnitFactory(name="North", parent=ops)
    south = OrgUnitFactory(name="South", parent=ops)
    boss = PersonFactory(full_name="Bea Boss", email="bea@example.com", org_unit=ops)
    wide = PersonFactory(full_name="Wim Wide", org_unit=ops, manager=boss)
    for i in range(16):
        PersonFactory(full_name=f"Report {i}", org_unit=north if i < 9 else south, manager=wide)
    small = PersonFactory(full_name="Sam Small", org_unit=ops, manager=boss)
    for i in range(4):
        PersonFactory(full_name=f"Helper {i}", org_unit=ops, manager=small)
    hr = PersonFactory(full_name="Hana HR", email="hana@example.com")
    login_for(hr, hr=True, password=PASSWORD)
    login_for(boss, password=PASSWORD)
    span_snapshot_take()
    return {"wide": wide, "boss": boss}


def no_sideways_scroll(b) -> None:
    width = b.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{b.page.url} scrolls sideways: {width[0]} > {width[1]} px"


def test_hr_and_a_manager_look_at_spans_of_control(org, open_browsing):
    hr = open_browsing()
    hr.log_in("hana@example.com", PASSWORD)
    hr.goto("/touchpoints/span/")
    page = hr.page
    expect(page.get_by_role("heading", name="Flagged managers")).to_be_visible()
    row = page.locator("tr", has_text="Wim Wide")
    expect(row.get_by_text("Too wide")).to_be_visible()
    page.get_by_role("link", name="Show all managers").click()
    page.get_by_role("link", name="Reporting line").click()
    expect(page).to_have_url(re.compile(r"sort=line"))
    names = page.locator("#span-table tbody th").all_inner_texts()
    assert names == ["Bea Boss", "Wim Wide", "Sam Small"]
    hr.shot("hr-overview")

    page.get_by_role("link", name="Wim Wide").click()
    expect(page.get_by_role("heading", name="Ways to narrow it")).to_be_visible()
    expect(page.get_by_text("North (9), South (7)")).to_be_visible()
    page.get_by_label("Your plan for this span").fill("Name a lead for South by March.")
    page.get_by_role("button", name="Save the note").click()
    expect(page.get_by_text("Note saved.")).to_be_visible()
    assert SpanNote.objects.get(manager=org["wide"]).text == "Name a lead for South by March."
    hr.shot("detail-with-note")

    hr.goto("/touchpoints/span/settings/")
    page.get_by_label("Wide from (direct reports)", exact=True).fill("12")
    page.get_by_label("Too wide from").fill("12")
    page.get_by_role("button", name="Save thresholds").click()
    expect(page.get_by_text("must be more than wide from")).to_be_visible()
    page.get_by_label("Wide from (direct reports)", exact=True).fill("4")
    page.get_by_role("button", name="Save thresholds").click()
    expect(page.get_by_text("Thresholds saved")).to_be_visible()
    rules = TouchpointSettings.current()
    assert (rules.span_warn_at, rules.span_alert_at) == (4, 12)
    expect(page.locator("tr", has_text="Sam Small").get_by_text("Wide")).to_be_visible()
    hr.assert_clean()

    phone = open_browsing(viewport="phone")
    phone.log_in("hana@example.com", PASSWORD)
    for path in ("/touchpoints/span/", f"/touchpoints/span/managers/{org['wide'].pk}/"):
        phone.goto(path)
        no_sideways_scroll(phone)
    phone.shot("phone-overview")

    manager = open_browsing()
    manager.log_in("bea@example.com", PASSWORD)
    manager.goto("/touchpoints/span/")
    expect(manager.page).to_have_url(re.compile(r"/touchpoints/span/mine/$"))
    expect(manager.page.get_by_role("heading", name="Your span", exact=True)).to_be_visible()
    expect(manager.page.locator("#span-table").get_by_text("Wim Wide")).to_be_visible()
    expect(manager.page.get_by_text("Name a lead for South")).to_have_count(0)
    manager.shot("manager-own-span")
    manager.assert_clean()
