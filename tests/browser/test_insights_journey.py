"""Insights end to end in Chromium: HR switches collaboration analytics on (the notice then
greets everyone), checks the demo metadata in a dry run, imports it, computes, and reads
relational health with its chart, drilling into a group; the manager sees their reporting
line and never People; an employee reads the notice, says "Got it" and finds their own
figures and trend. Every insights page is then looked at on a phone too, none of them
scrolling sideways."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from kith.core.dates import org_today
from kith.directory.models import Person
from kith.directory.tests.factories import PersonFactory, login_for
from kith.insights import services
from kith.insights.compute import monday
from kith.insights.demo_seed import write_demo_csv
from kith.insights.models import ImportRun
from kith.pulse.tests.builders import build_org

pytestmark = pytest.mark.browser
PASSWORD = "pw-for-tests-1"


@pytest.fixture
def org(transactional_db, settings, tmp_path):
    """build_org (Engineering 5 ├ Platform 7 └ Data 3, People 1) grown so that Data and
    People reach the privacy threshold of 5. The demo CSV is written under tmp_path."""
    settings.DATA_DIR = tmp_path
    org = build_org()
    org.data_people += [
        PersonFactory(full_name=f"Data Person{i}", org_unit=org.data, manager=org.manager)
        for i in range(3, 5)
    ]
    for i in range(5):
        PersonFactory(full_name=f"People Person{i}", org_unit=org.hr.org_unit, manager=org.hr)
    login_for(org.hr, hr=True, password=PASSWORD)
    login_for(org.manager, password=PASSWORD)
    login_for(org.platform_people[0], password=PASSWORD)
    return org


def no_sideways_scroll(b) -> None:
    width = b.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{b.page.url} scrolls sideways: {width[0]} > {width[1]} px"


def test_hr_imports_and_computes_then_manager_and_employee_read_their_views(org, open_browsing):
    people = list(Person.objects.filter(is_active=True).select_related("manager").order_by("pk"))
    csv_path, events = write_demo_csv(people, today=org_today(), seed=1)

    # HR switches collaboration analytics on from the manage page.
    hr = open_browsing()
    page = hr.page
    hr.log_in(org.hr.email, PASSWORD)
    hr.goto("/insights/")
    expect(
        page.get_by_role("heading", name="Collaboration insights are switched off")
    ).to_be_visible()
    hr.shot("hr health while off")
    page.get_by_role("link", name="Switch on in Manage").click()
    page.get_by_role("button", name="Switch on").click()
    expect(page.get_by_role("heading", name="Collaboration analytics is on")).to_be_visible()

    # The demo metadata: a dry run first, then Import, then Compute.
    page.get_by_label("Format").select_option("csv")
    page.get_by_label("File", exact=True).set_input_files(str(csv_path))
    hr.shot("hr manage")
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name="Ready to import")).to_be_visible()
    expect(page.get_by_text(f"{events:,} interactions read")).to_be_visible()
    hr.shot("hr dry run")
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    page.get_by_role("button", name="Compute now").click()
    expect(page.get_by_role("heading", name="Relational health")).to_be_visible()
    expect(page.get_by_text("groups published")).to_be_visible()
    groups = page.locator("table.insights-table").first
    expect(groups.get_by_role("link", name="People", exact=True)).to_be_visible()
    expect(page.locator("svg.chart")).to_be_visible()
    hr.shot("hr health after the first compute")

    # Earlier windows, as `kith insights_compute --week` adds them: the trend fills in.
    latest = monday(org_today()) - dt.timedelta(weeks=1)
    for back in range(5, 0, -1):
        services.insights_compute_week(week=latest - dt.timedelta(weeks=back))
    page.reload()
    expect(page.locator("svg.chart circle")).not_to_have_count(0)
    hr.shot("hr health")
    groups.get_by_role("link", name="Engineering", exact=True).click()
    expect(page.get_by_role("heading", name="Trend · Engineering")).to_be_visible()
    expect(groups.get_by_role("link", name="Engineering / Platform")).to_be_visible()
    expect(page.locator("svg.chart")).to_be_visible()
    hr.shot("hr drills into engineering")
    hr.assert_clean()

    # The manager sees the teams of their reporting line, and never People.
    boss = open_browsing()
    boss.log_in(org.manager.email, PASSWORD)
    boss.page.get_by_role("button", name="Got it").click()
    boss.goto("/insights/")
    groups = boss.page.locator("table.insights-table").first
    expect(groups.get_by_role("link", name="Engineering / Platform")).to_be_visible()
    expect(groups.locator("tbody")).not_to_contain_text("People")
    expect(boss.page.locator("svg.chart")).to_be_visible()
    boss.shot("manager health")
    boss.assert_clean()

    # An employee meets the notice, says "Got it", and finds their own figures.
    me = open_browsing()
    me.log_in(org.platform_people[0].email, PASSWORD)
    notice = me.page.get_by_role("region", name="Collaboration insights are on")
    expect(notice).to_contain_text("metadata only")
    me.shot("employee sees the notice")
    notice.get_by_role("button", name="Got it").click()
    expect(notice).to_have_count(0)
    me.page.get_by_role("navigation", name="Main").get_by_role("link", name="Insights").click()
    expect(me.page).to_have_url(re.compile(r"/insights/me/$"))
    stats = me.page.locator(".stat-grid")
    expect(stats).to_contain_text("people you work with regularly")
    expect(me.page.locator("svg.chart")).to_be_visible()
    me.shot("employee my insights")
    me.page.get_by_text("Delete my data and leave").click()
    expect(me.page.get_by_role("button", name="Yes, delete my data")).to_be_visible()
    me.assert_clean()

    # Every insights page on a phone: nothing scrolls sideways; wide tables scroll inside.
    run = ImportRun.objects.get(filename="collaboration-demo.csv")
    for who, email, paths in (
        (
            "hr",
            org.hr.email,
            [
                "/insights/",
                f"/insights/?unit={org.engineering.pk}",
                "/insights/manage/",
                f"/insights/imports/{run.pk}/",
            ],
        ),
        ("manager", org.manager.email, ["/insights/", "/insights/me/"]),
        ("employee", org.platform_people[0].email, ["/insights/me/", "/insights/notice/"]),
    ):
        phone = open_browsing(viewport="phone")
        phone.log_in(email, PASSWORD)
        for path in paths:
            phone.goto(path)
            no_sideways_scroll(phone)
            phone.shot(f"phone {who} {path.removeprefix('/insights/') or 'health'}")
        phone.assert_clean()
