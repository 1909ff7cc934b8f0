"""Connect end to end in Chromium: an employee joins a program, HR previews and draws the
round (after a confirmation; Back and a resubmitted form draw nothing more), the employee sees
the match with its reasons and answers "did you meet?"."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kith.connect.models import MatchMember, Participation, Program, Round
from kith.directory.models import Person

pytestmark = pytest.mark.browser


def test_join_preview_draw_see_the_match_and_answer(browsing, demo):
    page = browsing.page
    me, hr = demo["Employee"], demo["HR admin"]
    program = Program.objects.create(
        name="Coffee chat",
        description="Meet someone new every week.",
        join_mode=Program.JoinMode.OPT_IN,
        cadence=Program.Cadence.WEEKLY,
        weekday=timezone.localdate().isoweekday(),  # the next round is today's
        starts_on=timezone.localdate(),
    )
    me_person = Person.objects.get(email=me.email)
    others = Person.objects.exclude(pk=me_person.pk).exclude(manager=me_person)
    for person in others.exclude(pk=me_person.manager_id).order_by("id")[:9]:
        Participation.objects.create(program=program, person=person)

    browsing.goto("/accounts/login/")
    browsing.log_in(me.email, me.password)
    page.get_by_role("link", name="Connect", exact=True).click()
    expect(page.get_by_text("No matches yet")).to_be_visible()
    browsing.shot("connect home, nothing yet")
    page.get_by_role("link", name="Coffee chat").click()
    page.get_by_role("button", name="Join Coffee chat").click()
    expect(page.get_by_text("You are in Coffee chat")).to_be_visible()
    expect(page.get_by_label("Pause until")).to_be_visible()
    browsing.shot("joined")
    browsing.log_out()

    browsing.goto("/accounts/login/")
    browsing.log_in(hr.email, hr.password)
    browsing.goto("/connect/manage/")
    page.get_by_role("link", name="Preview").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Next round of Coffee chat")
    expect(page.locator("table")).to_contain_text(me_person.display_name)
    browsing.shot("hr preview")
    page.get_by_role("link", name="Draw this round…").click()
    # Drawing is final: a confirmation says what will happen before anything is sent.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Draw the round of")
    expect(page.get_by_text("10 people are matched into 5 matches")).to_be_visible()
    expect(page.get_by_text("calendar invitation")).to_be_visible()
    expect(page.get_by_text("This cannot be undone")).to_be_visible()
    browsing.shot("hr confirms the draw")
    assert not Round.objects.exists()
    page.get_by_role("button", name="Yes, draw the round and send the intros").click()
    page.wait_for_url(re.compile(r"/connect/manage/\d+/stats/"))
    assert Round.objects.count() == 1
    # The browser's Back and the form sent again draw nothing more.
    page.go_back()
    again = page.get_by_role("button", name="Yes, draw the round and send the intros")
    if again.count():
        again.click()
    expect(page.get_by_text("was already drawn")).to_be_visible()
    assert Round.objects.count() == 1
    expect(page.get_by_text("Round by round")).to_be_visible()
    expect(page.locator("svg").first).to_be_visible()
    browsing.shot("hr statistics")
    browsing.log_out()

    member = MatchMember.objects.get(person=me_person)
    partner = member.match.members.exclude(person=me_person).first().person
    browsing.goto("/accounts/login/")
    browsing.log_in(me.email, me.password)
    browsing.goto("/connect/")
    page.get_by_role("link", name=partner.display_name).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(partner.display_name)
    expect(page.locator(".why")).to_have_text(member.match.explanation)
    browsing.shot("my match")
    page.get_by_role("button", name="Yes, we met").click()
    expect(page.get_by_text("You met. Lovely!")).to_be_visible()
    browsing.shot("answered")
    member.refresh_from_db()
    assert member.met == "yes"
    browsing.assert_clean()
