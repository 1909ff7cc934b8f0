"""A town hall end to end in Chromium: a colleague asks anonymously on her phone, another
votes without a page load (htmx), HR marks one answered and hides another with a reason, and
the list refreshes itself during the event (the town hall script pauses it while a moderator
types)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kith.directory.tests.factories import OrgUnitFactory, PersonFactory, login_for
from kith.events.models import Event, Question, QuestionVote

pytestmark = pytest.mark.browser
PASSWORD = "pw-for-tests-1"


def test_ask_anonymously_vote_and_moderate(open_browsing, transactional_db):
    team = OrgUnitFactory(name="Platform")
    hr = PersonFactory.create(full_name="Jasmine Garcia", org_unit=team)
    ana = PersonFactory.create(full_name="Ana Souza", org_unit=team)
    ben = PersonFactory.create(full_name="Ben Okafor", org_unit=team)
    login_for(hr, hr=True, password=PASSWORD)
    login_for(ana, password=PASSWORD)
    login_for(ben, password=PASSWORD)
    start = timezone.now() + dt.timedelta(minutes=30)  # live: the list refreshes itself
    event = Event.objects.create(
        title="Quarterly town hall",
        kind=Event.Kind.TOWN_HALL,
        host=Event.Host.HR,
        mode=Event.Mode.VIRTUAL,
        link="https://meet.example.com/town-hall",
        timezone="Europe/Lisbon",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        created_by=hr,
    )

    # Ana, on her phone, asks anonymously: the form says what that means.
    phone = open_browsing(viewport="phone")
    phone.log_in(ana.email, PASSWORD)
    phone.goto(f"/events/{event.pk}/")
    expect(
        phone.page.get_by_text(
            "Anonymous: nobody, not even HR or the organisers, can see that you asked this."
        )
    ).to_be_visible()
    phone.page.get_by_label("Your question").fill("Is the Porto office closing?")
    phone.page.get_by_label("Anonymously").check()
    phone.shot("asking anonymously")
    phone.page.get_by_role("button", name="Ask").click()
    expect(phone.page.get_by_text("Thank you for your question!")).to_be_visible()
    expect(phone.page.get_by_text("Is the Porto office closing?")).to_be_visible()
    question = Question.objects.get()
    assert question.author_id is None

    # Ben votes; the list answers in place, and he can take the vote back.
    desk = open_browsing()
    desk.log_in(ben.email, PASSWORD)
    desk.goto(f"/events/{event.pk}/")
    expect(desk.page.locator("#question-list[hx-trigger='every 20s']")).to_have_count(1)
    url_before = desk.page.url
    desk.page.get_by_role("button", name="Vote for this question").click()
    expect(desk.page.get_by_role("button", name="Voted for this question")).to_be_visible()
    assert desk.page.url == url_before  # no page load
    assert QuestionVote.objects.filter(question=question, person=ben).exists()
    desk.shot("voted")
    desk.log_out()

    # HR moderates: answered, then hidden with a reason only moderators see.
    desk.log_in(hr.email, PASSWORD)
    desk.goto(f"/events/{event.pk}/")
    row = desk.page.locator("li.question", has_text="Is the Porto office closing?")
    expect(row.get_by_text("Anonymous")).to_be_visible()
    row.get_by_role("button", name="Mark answered").click()
    expect(desk.page.get_by_role("link", name="Answered 1")).to_be_visible()
    desk.page.get_by_role("link", name="Answered 1").click()
    row = desk.page.locator("li.question", has_text="Is the Porto office closing?")
    row.get_by_text("Hide…").click()
    row.get_by_label("Why hide it?").fill("Answered in the last town hall")
    desk.shot("hiding with a reason")
    row.get_by_role("button", name="Hide it").click()
    expect(desk.page.get_by_role("link", name="Hidden 1")).to_be_visible()
    question.refresh_from_db()
    assert question.state == "hidden" and question.hidden_reason.startswith("Answered")

    # Ana no longer sees it, and nothing on any page named her as its asker.
    phone.page.reload()
    expect(phone.page.get_by_text("Is the Porto office closing?")).to_have_count(0)
    phone.shot("hidden for everyone else")
    for b in (phone, desk):
        b.assert_clean()
