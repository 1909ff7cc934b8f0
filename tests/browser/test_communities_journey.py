"""Communities end to end in Chromium: a colleague asks to join a confidential group, a
leader approves, and the new member sees who is in it; a non-member sees the group but
nothing of its membership (no count, no names), on a desktop and on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kith.communities.models import CityAmbassador, Community, Membership
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory, login_for

pytestmark = pytest.mark.browser
PASSWORD = "pw-for-tests-1"


def _people():
    team = OrgUnitFactory(name="Platform")
    pride = Community.objects.create(
        name="Pride network",
        slug="pride-network",
        kind="belonging",
        visibility="confidential",
        requires_approval=True,
        description="Kith's LGBTQ+ network and allies: socials, support and a say in policy.",
    )
    Community.objects.create(
        name="Running club", slug="running-club", description="Easy 5 km loops at lunch."
    )
    leader = PersonFactory(full_name="Leonor Lead", email="leonor@example.com", org_unit=team)
    member = PersonFactory(full_name="Samuel Quiet", email="samuel@example.com", org_unit=team)
    asker = PersonFactory(full_name="Ana Asker", email="ana@example.com", org_unit=team)
    outsider = PersonFactory(full_name="Olga Out", email="olga@example.com", org_unit=team)
    Membership.objects.create(community=pride, person=leader, role="leader")
    Membership.objects.create(community=pride, person=member)
    CityAmbassador.objects.create(person=leader, city="Lisbon", country="PT")
    for person in (leader, asker, outsider):
        login_for(person, password=PASSWORD)
    return pride, leader, asker, outsider


def test_request_approval_then_members_visible_and_hidden_from_outsiders(open_browsing):
    pride, leader, asker, outsider = _people()

    # Ana finds the group and asks to join: nothing of its membership shows meanwhile.
    desk = open_browsing()
    desk.log_in(asker.email, PASSWORD)
    desk.goto("/communities/")
    desk.shot("directory")
    desk.page.get_by_role("link", name="Pride network").first.click()
    expect(desk.page.get_by_text("Membership of this group is confidential")).to_be_visible()
    desk.page.get_by_role("button", name="Ask to join").click()
    expect(desk.page.get_by_text("Request sent", exact=True)).to_be_visible()
    expect(desk.page.get_by_text("Samuel Quiet")).to_have_count(0)
    desk.shot("request sent")
    desk.log_out()

    # The leader approves it on the page for leaders.
    desk.log_in(leader.email, PASSWORD)
    desk.goto(f"/communities/c/{pride.slug}/manage/")
    desk.shot("leader manages")
    desk.page.get_by_role("button", name="Approve Ana Asker").click()
    expect(desk.page.get_by_text("Ana Asker is in")).to_be_visible()
    # Leonor is also Lisbon's city ambassador: counts by team, never the group's members.
    desk.goto("/communities/ambassador/")
    expect(desk.page.get_by_role("heading", name="Colleagues by team")).to_be_visible()
    expect(desk.page.locator("main")).not_to_contain_text("Samuel Quiet")
    desk.shot("ambassador dashboard")
    desk.log_out()

    # Ana now sees who is in it.
    desk.log_in(asker.email, PASSWORD)
    desk.goto(f"/communities/c/{pride.slug}/")
    people = desk.page.get_by_role("region", name="Who is in it")
    expect(people).to_contain_text("Samuel Quiet")
    expect(people).to_contain_text("Leonor Lead")
    expect(people).to_contain_text("(3)")
    desk.shot("member sees members")
    desk.assert_clean()

    # Olga, not a member, on her phone: the group, but no count and no names anywhere.
    phone = open_browsing(viewport="phone")
    phone.log_in(outsider.email, PASSWORD)
    phone.goto("/communities/?q=LGBTQ")
    card = phone.page.locator(".community-card", has_text="Pride network")
    expect(card).to_be_visible()
    expect(card).not_to_contain_text(re.compile(r"\d+ members?"))
    phone.shot("outsider search")
    phone.goto(f"/communities/c/{pride.slug}/")
    body = phone.page.locator("main")
    for hidden in ("Samuel Quiet", "Leonor Lead", "Ana Asker", "(3)", "3 members"):
        expect(body).not_to_contain_text(hidden)
    phone.shot("outsider sees nothing of membership")
    phone.assert_clean()
