"""A 1:1 end to end in Chromium: the report adds a talking point and a private note before
the first 1:1; the manager sees the point (never the note), they meet and mark it held with
the point still open; Kith plans the next 1:1 and the point shows there as carried over; the
manager ticks it off. The report then writes a check-in shared with the 1:1, and the page
says who can read it. Every page is looked at on a phone too, none scrolling sideways."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kith.directory.tests.factories import PersonFactory, login_for
from kith.touchpoints.models import Meeting
from kith.touchpoints.services import oneonones

pytestmark = pytest.mark.browser
PASSWORD = "pw-for-tests-1"


@pytest.fixture
def pair(transactional_db):
    manager = PersonFactory(full_name="Maya Jackson", email="maya@example.com")
    report = PersonFactory(full_name="Rui Alves", email="rui@example.com", manager=manager)
    login_for(manager, password=PASSWORD)
    login_for(report, password=PASSWORD)
    pair = oneonones.one_on_one_ensure(manager=manager, report=report)
    # A 1:1 that started half an hour ago, so it can be marked as held today.
    Meeting.objects.create(one_on_one=pair, starts_at=timezone.now() - dt.timedelta(minutes=30))
    return pair


def no_sideways_scroll(b) -> None:
    width = b.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{b.page.url} scrolls sideways: {width[0]} > {width[1]} px"


def test_manager_and_report_prepare_and_hold_a_one_on_one(pair, open_browsing):
    meeting = Meeting.objects.get(one_on_one=pair)

    report = open_browsing()
    report.log_in("rui@example.com", PASSWORD)
    report.goto("/touchpoints/")
    report.page.get_by_role("link", name="Maya Jackson").click()
    report.page.get_by_role("link", name="Open the 1:1").click()
    report.page.get_by_label("A talking point").fill("Conference budget for spring")
    report.page.get_by_role("button", name="Add", exact=True).first.click()
    expect(report.page.get_by_text("Conference budget for spring")).to_be_visible()
    report.page.get_by_label("Only you can read these").fill("Ask about the team move, gently.")
    report.page.get_by_role("button", name="Save my note").click()
    expect(report.page.get_by_text("Only you can read it.")).to_be_visible()
    report.shot("report-prepared")
    report.assert_clean()

    manager = open_browsing()
    manager.log_in("maya@example.com", PASSWORD)
    manager.goto(f"/touchpoints/meetings/{meeting.pk}/")
    expect(manager.page.get_by_text("Conference budget for spring")).to_be_visible()
    expect(manager.page.get_by_text("Ask about the team move")).to_have_count(0)
    manager.page.get_by_label("Both of you can read and edit these.").fill("Agreed priorities.")
    manager.page.get_by_role("button", name="Save shared notes").click()
    manager.page.get_by_role("button", name="We met").click()
    expect(manager.page.get_by_text("Open talking points carry over")).to_be_visible()

    nxt = Meeting.objects.get(one_on_one=pair, status="planned")
    manager.goto(f"/touchpoints/meetings/{nxt.pk}/")
    line = manager.page.locator(".agenda-line", has_text="Conference budget for spring")
    expect(line.get_by_text("carried over")).to_be_visible()
    manager.shot("carried-over")
    line.get_by_role("button", name="Done").click()
    expect(manager.page.get_by_text("No open talking points.")).to_be_visible()
    manager.assert_clean()

    report.goto("/touchpoints/check-ins/")
    expect(report.page.get_by_text("This is not a performance record.")).to_be_visible()
    report.page.get_by_label("4").first.check()
    report.page.locator("input[name=energy][value='3']").check()
    report.page.get_by_label("What support would help?").fill("A quieter week.")
    report.page.get_by_label("Who can read it").select_option(label="Me and Maya Jackson (our 1:1)")
    report.page.get_by_role("button", name="Save check-in").click()
    expect(report.page.get_by_text("Only you and Maya Jackson can read it.")).to_be_visible()
    report.assert_clean()

    manager.goto(f"/touchpoints/1on1/{pair.pk}/")
    expect(manager.page.get_by_text("A quieter week.")).to_be_visible()

    phone = open_browsing(viewport="phone")
    phone.log_in("maya@example.com", PASSWORD)
    for path in (
        "/touchpoints/",
        f"/touchpoints/1on1/{pair.pk}/",
        f"/touchpoints/meetings/{nxt.pk}/",
        "/touchpoints/check-ins/",
    ):
        phone.goto(path)
        no_sideways_scroll(phone)
    phone.shot("phone-meeting")
    phone.assert_clean()


def test_in_portuguese_a_check_in_is_deleted_only_after_confirming(pair, open_browsing):
    """The language switcher puts Touchpoints in European Portuguese (on a phone, where the
    longer words must still fit); deleting a check-in asks first, and nothing is deleted until
    the person confirms."""
    phone = open_browsing(viewport="phone")
    phone.log_in("rui@example.com", PASSWORD)
    phone.goto("/touchpoints/check-ins/")
    phone.page.locator("#language-switch").select_option("pt")
    phone.page.locator("form.language-switch button").click()
    expect(phone.page.get_by_role("heading", name="Um novo check-in")).to_be_visible()
    phone.page.locator("input[name=how][value='2']").check()
    phone.page.locator("input[name=energy][value='3']").check()
    phone.page.get_by_label("Que apoio ajudaria?").fill("Menos reuniões esta semana.")
    phone.page.get_by_role("button", name="Guardar check-in").click()
    expect(phone.page.get_by_text("Guardado. Só você o pode ler.")).to_be_visible()
    no_sideways_scroll(phone)

    delete = phone.page.get_by_role("button", name="Sim, apagar")
    expect(delete).to_be_hidden()  # behind the question, not one tap away
    phone.page.locator("details.confirm summary").first.click()
    expect(phone.page.get_by_text("Apagar este check-in?")).to_be_visible()
    phone.shot("check-in delete asks first (pt)")
    delete.click()
    expect(phone.page.get_by_text("Apagado. Não fica nada dele.")).to_be_visible()
    expect(phone.page.get_by_text("Menos reuniões esta semana.")).to_have_count(0)
    phone.assert_clean()
