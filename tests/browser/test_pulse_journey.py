"""Pulse end to end in Chromium: someone answers a survey on a phone (progress survives a
reload), HR closes the wave, and the manager sees one team's results and the other team,
under the privacy threshold, withheld."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kith.core.dates import org_today
from kith.directory.tests.factories import login_for
from kith.pulse import services
from kith.pulse.models import Invitation, Response
from kith.pulse.tests.builders import answer_all, build_org, campaign

pytestmark = pytest.mark.browser
PASSWORD = "pw-for-tests-1"


def test_answer_then_manager_sees_one_team_withheld_and_one_shown(open_browsing):
    org = build_org()
    hr = login_for(org.hr, hr=True, password=PASSWORD)
    login_for(org.manager, password=PASSWORD)
    c = campaign(hr, today=org_today())
    wave = c.waves.get(number=1)
    services.wave_send(wave=wave)
    wave.refresh_from_db()
    answer_all(wave, org.platform_people + org.direct_people + org.data_people[1:])

    # A Data colleague answers on their phone, from their personal link, without signing in.
    phone = open_browsing(viewport="phone")
    token = Invitation.objects.get(wave=wave, person=org.data_people[0]).token
    phone.goto(f"/pulse/s/{token}/")
    page = phone.page
    expect(page.get_by_text("Confidential by construction")).to_be_visible()
    first = page.get_by_role("group", name="It is safe to take a risk on this team.")
    first.get_by_label("Very accurate", exact=True).check()
    phone.shot("survey on a phone", full_page=False)
    page.reload()  # progress is kept on the device
    expect(first.get_by_label("Very accurate", exact=True)).to_be_checked()
    nps = page.get_by_role("group", name="How likely are you to recommend")
    nps.get_by_label("8", exact=True).check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    phone.shot("answered")
    assert Response.objects.filter(wave=wave).count() == 15
    phone.assert_clean()

    # HR closes the wave now; the results are computed once.
    desk = open_browsing()
    desk.log_in(org.hr.email, PASSWORD)
    desk.goto("/pulse/manage/")
    # Closing cannot be undone: the button first asks, and only "Yes, close it" closes.
    desk.page.get_by_text("Close now", exact=True).click()
    expect(desk.page.get_by_text("Close wave 1 now?")).to_be_visible()
    desk.shot("close asks first")
    desk.page.get_by_role("button", name="Yes, close it").click()
    expect(desk.page.get_by_text("groups passed the privacy rules")).to_be_visible()
    # Back and submit again: nothing is closed twice.
    desk.page.go_back()
    desk.page.reload()
    expect(desk.page.get_by_text("Close now", exact=True)).to_have_count(0)
    desk.log_out()

    # The manager sees Platform (7 answers) and Data withheld (3 answers, under k = 5).
    desk.log_in(org.manager.email, PASSWORD)
    desk.goto("/pulse/")
    desk.page.get_by_role("link", name="Team pulse").click()
    table = desk.page.locator("table.heatmap").first
    platform = table.get_by_role("row").filter(has_text="Platform")
    data = table.get_by_role("row").filter(has_text="Data")
    expect(platform).to_contain_text("7")
    expect(platform.locator("td.withheld")).to_have_count(0)
    expect(data).to_contain_text("Withheld to protect a small group")
    # Each header names its scale's range and which end is better, readable in full.
    safety = table.get_by_role("columnheader", name="Team psychological safety")
    expect(safety).to_contain_text("1–7, higher is better")
    enps = table.get_by_role("columnheader", name="Employee Net Promoter Score")
    expect(enps).to_contain_text("−100 to +100, higher is better")
    desk.shot("manager results")
    # Every item: a reverse-scored statement is shown as answered, lower is better.
    desk.goto(f"/pulse/waves/{wave.pk}/?view=items")
    items = desk.page.locator("table.heatmap").first
    mistake = items.get_by_role("columnheader", name="If you make a mistake on this team")
    expect(mistake).to_contain_text("1–7, lower is better")
    expect(mistake).to_contain_text("Reverse-scored: shown as answered")
    box = mistake.bounding_box()
    assert box is not None and box["height"] > 40  # the statement wraps; it is not cut short
    desk.shot("every item, reverse-scored shown as answered")
    desk.assert_clean()


def test_results_headers_in_portuguese_keep_validated_wording(open_browsing):
    org = build_org()
    hr = login_for(org.hr, hr=True, password=PASSWORD)
    login_for(org.manager, password=PASSWORD)
    c = campaign(hr, today=org_today(), instruments=("edmondson", "connection"))
    wave = c.waves.get(number=1)
    services.wave_send(wave=wave)
    wave.refresh_from_db()
    answer_all(wave, org.platform_people + org.direct_people + org.data_people)
    services.wave_close(wave=wave, actor=hr)

    desk = open_browsing()
    desk.log_in(org.manager.email, PASSWORD)
    desk.goto(f"/pulse/waves/{wave.pk}/?view=items")
    desk.page.locator("#language-switch").select_option("pt")
    desk.page.locator("form.language-switch button").click()
    expect(desk.page.locator("html")).to_have_attribute("lang", "pt")
    table = desk.page.locator("table.heatmap").first
    # Kith's words in Portuguese; the validated statement keeps its published English.
    mistake = table.get_by_role("columnheader", name="If you make a mistake on this team")
    expect(mistake).to_contain_text("1–7, quanto mais baixo, melhor")
    talk = table.get_by_role("columnheader", name="Há alguém no trabalho com quem posso falar")
    expect(talk).to_contain_text("1–5, quanto mais alto, melhor")
    desk.shot("results in Portuguese")
    desk.assert_clean()
