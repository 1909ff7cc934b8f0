"""End-to-end journeys in headless Chromium against the live server, on the demo organisation.

Run with: .venv/bin/pytest -m browser -q tests/browser
Screenshots of every step (and a final one, passed or failed) land in
test-artifacts/screenshots/<test name>/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kith.directory.models import Person

pytestmark = pytest.mark.browser

STATIC_ASSETS = {
    "/static/kith/kith.css",
    "/static/kith/kith.js",
    "/static/django_htmx/htmx-2.min.js",
}
NEW_INTEREST = "Sourdough baking"
NEW_BIO = "I look after the payroll integrations. Happy to talk bread, maps and bad puns."


def _person(email: str) -> Person:
    return Person.objects.get(email=email)


def _open_my_profile(page) -> None:
    """My profile and Account sit in the "Me" menu of the navigation."""
    nav = page.get_by_role("navigation", name="Main")
    nav.locator("summary", has_text=re.compile(r"^Me$")).click()
    nav.get_by_role("link", name="My profile").click()


def test_anonymous_pages_load_their_assets_and_an_icon(browsing):
    page = browsing.page
    browsing.goto("/accounts/login/")
    assert browsing.static_loaded >= STATIC_ASSETS, (
        f"static files not served: {STATIC_ASSETS - browsing.static_loaded}"
    )
    expect(page.locator("#id_login")).to_be_visible()
    browsing.shot("login page")

    # Browsers ask for an icon on every site; without one each first visit logs a 404.
    declared = page.evaluate("document.querySelector('link[rel~=icon]')?.href ?? null")
    icon = page.request.get(declared or browsing.url("/favicon.ico"))
    assert icon.ok, f"no icon: the page declares {declared!r} and {icon.url} answers {icon.status}"

    page.get_by_role("link", name="Email me a sign-in code").click()
    page.wait_for_url(re.compile(r"/accounts/login/code/"))
    browsing.shot("request code page")
    browsing.assert_clean()


def test_employee_finds_a_colleague_and_edits_their_profile(browsing, demo):
    page = browsing.page
    me, colleague = demo["Employee"], demo["Manager"]

    browsing.goto("/accounts/login/")
    browsing.shot("login page")
    browsing.log_in(me.email, me.password)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
    browsing.shot("home after login")

    # The stylesheet and both scripts arrive from /static/ and take effect under the CSP.
    assert browsing.static_loaded >= STATIC_ASSETS, (
        f"static files not served: {STATIC_ASSETS - browsing.static_loaded}"
    )
    assert page.evaluate("typeof window.htmx") == "object", "htmx did not load"
    skip_link = page.evaluate(
        "(({right, bottom}) => ({right, bottom}))"
        "(document.querySelector('.skip-link').getBoundingClientRect())"
    )
    assert skip_link["right"] <= 0 or skip_link["bottom"] <= 0, (
        f"kith.css did not apply: the skip link is on screen before it has focus ({skip_link})"
    )

    main_nav = page.get_by_role("navigation", name="Main")
    expect(main_nav.get_by_role("link", name="People")).to_be_visible()
    expect(main_nav.get_by_role("link", name="Import")).to_have_count(0)

    # Search as you type: htmx swaps #results in place (no page load) and pushes the URL.
    main_nav.get_by_role("link", name="People").click()
    page.wait_for_url(re.compile(r"/people/$"))
    expect(page.locator("#results .person-card").first).to_be_visible()
    browsing.shot("directory")
    page.evaluate("window.__samePage = true")
    surname = colleague.name.split()[-1]
    with page.expect_response(
        lambda r: "/people/?" in r.url and r.request.headers.get("hx-request") == "true"
    ):
        page.locator("#id_q").press_sequentially(surname.lower(), delay=40)
    results = page.locator("#results")
    expect(results.get_by_role("link", name=colleague.name)).to_be_visible()
    expect(results).to_contain_text("match")
    expect(page).to_have_url(re.compile(rf"[?&]q={surname.lower()}"))
    assert page.evaluate("window.__samePage") is True, (
        "the search reloaded the page instead of swapping results"
    )
    browsing.shot("search results")

    results.get_by_role("link", name=colleague.name).click()
    page.wait_for_url(re.compile(r"/people/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(colleague.name)
    expect(page.get_by_role("link", name="Edit my profile")).to_have_count(0)
    browsing.shot("colleague profile")

    # Edit my profile: a new bio and one more interest.
    _open_my_profile(page)
    page.get_by_role("link", name="Edit my profile").click()
    page.wait_for_url(re.compile(r"/people/me/edit/$"))
    browsing.shot("edit form")
    page.fill("#id_bio", NEW_BIO)
    interests = page.input_value("#id_interests")
    page.fill(
        "#id_interests", f"{interests}, {NEW_INTEREST}" if interests.strip() else NEW_INTEREST
    )
    page.get_by_role("button", name="Save profile").click()
    page.wait_for_url(re.compile(r"/people/\d+/$"))
    expect(page.get_by_role("status")).to_contain_text("Your profile is saved.")
    about = page.get_by_role("region", name="About")
    expect(about).to_contain_text(NEW_BIO)
    expect(about.get_by_role("link", name=NEW_INTEREST)).to_be_visible()
    browsing.shot("profile saved")
    assert _person(me.email).bio == NEW_BIO

    # The new interest finds me, from the search form's Interest field ...
    browsing.goto("/people/")
    page.get_by_text("Filters").click()
    page.fill("#id_interest", NEW_INTEREST.lower())
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#results").get_by_role("link", name=me.name)).to_be_visible()
    expect(page.locator("#results .person-card")).to_have_count(1)
    browsing.shot("interest search")
    # ... and from the tag on my profile.
    _open_my_profile(page)
    page.get_by_role("region", name="About").get_by_role("link", name=NEW_INTEREST).click()
    expect(page.locator("#results").get_by_role("link", name=me.name)).to_be_visible()

    browsing.assert_clean()


def test_manager_sees_reports_and_only_hr_sees_import(browsing, demo):
    page = browsing.page
    manager = demo["Manager"]
    expected = sorted(p.display_name for p in _person(manager.email).reports.filter(is_active=True))
    assert expected, "the demo manager should have reports"

    browsing.log_in(manager.email, manager.password)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Import")).to_have_count(0)
    _open_my_profile(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text(manager.name)
    expect(page.get_by_role("heading", name=f"Reports ({len(expected)})")).to_be_visible()
    chain = page.get_by_role("region", name=re.compile("Where .* sits"))
    for name in expected:
        expect(chain.get_by_role("link", name=name, exact=True)).to_be_visible()
    browsing.shot("manager profile with reports")
    browsing.log_out()

    hr = demo["HR admin"]
    browsing.log_in(hr.email, hr.password)
    nav = page.get_by_role("navigation", name="Main")
    import_link = nav.get_by_role("link", name="Import")
    # HR's admin pages sit in one menu, so the navigation fits a laptop's width.
    expect(import_link).to_be_hidden()
    browsing.shot("hr admin home")
    nav.locator("summary", has_text="Admin").click()
    expect(import_link).to_be_visible()
    import_link.click()
    page.wait_for_url(re.compile(r"/people/import/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Import")
    expect(nav.locator("summary", has_text="Admin")).to_have_attribute("data-current", "true")
    admin_menu = nav.locator("details[data-menu]", has_text="Admin")
    expect(admin_menu.locator("a[aria-current=page]")).to_have_text("Import")
    browsing.shot("import page")

    browsing.assert_clean()


def test_sign_in_with_a_one_time_code(browsing, demo, mailoutbox):
    page = browsing.page
    me = demo["Employee"]

    browsing.goto("/accounts/login/")
    page.get_by_role("link", name="Email me a sign-in code").click()
    page.wait_for_url(re.compile(r"/accounts/login/code/"))
    browsing.shot("request code")
    page.get_by_label(re.compile("email", re.I)).fill(me.email)
    page.get_by_role("button", name=re.compile("code", re.I)).click()
    page.wait_for_url(re.compile(r"/accounts/login/code/confirm/"))
    browsing.shot("enter code")

    assert len(mailoutbox) == 1 and mailoutbox[0].to == [me.email]
    match = re.search(r"^\s*([A-Z0-9]{3,}(?:-[A-Z0-9]{3,})*)\s*$", mailoutbox[0].body, re.M)
    assert match, f"no code in the email:\n{mailoutbox[0].body}"
    page.get_by_label(re.compile("code", re.I)).fill(match.group(1))
    page.get_by_role("button", name=re.compile("sign in|confirm", re.I)).click()
    page.wait_for_url(lambda url: "/accounts/login" not in url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    browsing.shot("signed in")

    browsing.assert_clean()


def test_directory_fits_a_phone(open_browsing, demo):
    phone = open_browsing(viewport="phone")
    page = phone.page
    me = demo["Employee"]
    phone.log_in(me.email, me.password)
    for path, step in [
        ("/people/", "directory"),
        (f"/people/{_person(demo['Manager'].email).pk}/", "profile"),
    ]:
        phone.goto(path)
        phone.shot(f"phone {step} first screen", full_page=False)
        phone.shot(f"phone {step}")
        widths = page.evaluate(
            "(({scrollWidth, clientWidth}) => ({scroll: scrollWidth, client: clientWidth}))"
            "(document.documentElement)"
        )
        assert widths["scroll"] <= widths["client"], f"{path} scrolls sideways on a phone: {widths}"
    phone.assert_clean()


def test_skip_link_is_the_first_tab_stop(browsing, demo):
    page = browsing.page
    me = demo["Employee"]
    browsing.log_in(me.email, me.password)
    browsing.goto("/people/")

    page.keyboard.press("Tab")
    focused = page.evaluate(
        "({cls: document.activeElement.className, text: document.activeElement.textContent.trim(),"
        " box: document.activeElement.getBoundingClientRect().toJSON()})"
    )
    assert focused["cls"] == "skip-link" and focused["text"] == "Skip to content", focused
    box = focused["box"]
    assert box["left"] >= 0 and box["top"] >= 0 and box["width"] > 0, (
        f"the focused skip link is off-screen: {box}"
    )
    browsing.shot("skip link focused")

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    assert page.evaluate("document.activeElement.id") == "main", "focus did not move to <main>"
    page.keyboard.press("Tab")
    in_main = page.evaluate("document.getElementById('main').contains(document.activeElement)")
    assert in_main, "the next Tab after skipping left <main>"

    browsing.assert_clean()


def test_search_works_without_javascript(open_browsing, demo):
    plain = open_browsing(javascript=False)
    page = plain.page
    me, colleague = demo["Employee"], demo["Manager"]
    plain.log_in(me.email, me.password)
    plain.goto("/people/")
    page.fill("#id_q", colleague.name)
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/people/\?.*q="))
    expect(page.locator("#results").get_by_role("link", name=colleague.name)).to_be_visible()
    plain.shot("no-js search results")
    plain.assert_clean()
