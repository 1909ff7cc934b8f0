"""Every main page fits a phone: as the employee, the manager and HR of the demo organisation,
each page (every parameterless route of every app, and one of each page reached by a link from
those, such as a person, a team, an event or a program) is opened 390 px wide and must not
scroll sideways. The HR navigation fits one row at 1366 px, and its admin menu opens and closes
from the keyboard.

Run with: .venv/bin/python -m pytest -m browser -n 0 tests/browser/test_layout.py
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ROLES = ["Employee", "Manager", "HR admin"]
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}

# Not pages a person reads: the API, SCIM, health, sign-out and files to download.
_NOT_PAGES = re.compile(
    r"^/(api/|scim/v2/|healthz|favicon|static/|accounts/logout|accounts/(login|signup|password)"
    r"|accounts/(email|reauthenticate|3rdparty|2fa|sessions))"
    r"|\.(ics|csv|json|txt|svg|png)$"
)
# At most this many pages of one route (a route is a URL name: one person page stands for all).
_PER_ROUTE = 1
_MAX_PAGES = 120

# The innermost elements that stick out past the right edge of the screen, to say what to fix.
STICKING_OUT = """
(() => {
  const out = (e) => e.getBoundingClientRect().right > window.innerWidth + 1;
  return [...document.querySelectorAll("body *")]
    .filter((e) => out(e) && ![...e.children].some(out))
    .slice(0, 5)
    .map((e) => `<${e.tagName.toLowerCase()} class="${e.className}"> `
      + (e.textContent || "").trim().slice(0, 40));
})()
"""
_LINKS = """
[...document.querySelectorAll("a[href]")]
  .map((a) => a.href)
  .filter((href) => href.startsWith(location.origin))
"""


def parameterless_paths() -> list[str]:
    """Every route without a parameter in config/urls.py and the apps' urls (a GET may still
    answer 403 or 405: those are skipped when the pages are opened)."""
    found: list[str] = []

    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> None:
        for pattern in patterns:
            route = str(pattern.pattern)
            if "<" in route or route.startswith("^"):
                continue
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + route)
            else:
                found.append("/" + prefix + route)

    walk(get_resolver().url_patterns, "")
    return sorted({p for p in found if not _NOT_PAGES.search(p)})


def route_of(path: str) -> str | None:
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


@dataclass
class Visited:
    path: str
    route: str


def main_pages(page, base_url: str) -> Iterator[Visited]:
    """Opens each main page the signed-in viewer may see, yielding each once it has loaded:
    the parameterless routes first, then one page of each route their links lead to."""
    queue = [base_url + p for p in ["/", *parameterless_paths()]]
    seen_routes: dict[str, int] = {}
    seen_paths: set[str] = set()
    opened = 0
    while queue and opened < _MAX_PAGES:
        url = queue.pop(0)
        path = urlsplit(url).path
        route = route_of(path)
        if path in seen_paths or route is None or _NOT_PAGES.search(path):
            continue
        seen_paths.add(path)
        if seen_routes.get(route, 0) >= _PER_ROUTE:
            continue
        answer = page.request.get(url, max_redirects=0)
        if answer.status != 200 or "text/html" not in answer.headers.get("content-type", ""):
            continue
        if "<html" not in answer.text()[:400].lower():
            continue  # a fragment that htmx swaps into a page, not a page
        seen_routes[route] = seen_routes.get(route, 0) + 1
        page.goto(url)
        page.wait_for_load_state("load")
        opened += 1
        yield Visited(path, route)
        for link in page.evaluate(_LINKS):
            link = link.split("#")[0].split("?")[0]
            if urlsplit(link).path not in seen_paths:
                queue.append(link)


@pytest.fixture
def signed_in(open_browsing, demo) -> Callable[..., object]:
    def sign_in(role: str, *, viewport: dict[str, int] = PHONE):
        b = open_browsing()
        # A shared machine under load may take more than the usual 10 s over a first page.
        b.page.set_default_timeout(30_000)
        b.page.set_default_navigation_timeout(30_000)
        b.page.set_viewport_size(viewport)
        login = demo[role]
        b.log_in(login.email, login.password)
        return b

    return sign_in


@pytest.mark.parametrize("role", ROLES)
def test_no_main_page_scrolls_sideways_on_a_phone(signed_in, role):
    b = signed_in(role)
    too_wide: list[str] = []
    visited: list[str] = []
    for visit in main_pages(b.page, b.base_url):
        visited.append(visit.path)
        scroll, screen = b.page.evaluate(
            "[document.scrollingElement.scrollWidth, window.innerWidth]"
        )
        if scroll > screen:
            too_wide.append(
                f"{visit.path} ({visit.route}) is {scroll} px wide: {b.page.evaluate(STICKING_OUT)}"
            )
            b.shot(f"too wide {visit.route}")
    print(f"{role}: {len(visited)} pages at 390 px: {' '.join(visited)}")
    # The crawl reached the pages of every app, not just the home page.
    assert len(visited) >= 25, f"only {len(visited)} pages opened: {visited}"
    assert not too_wide, f"pages wider than a 390 px phone for {role}:\n  " + "\n  ".join(too_wide)


def test_hr_navigation_fits_one_row_at_1366_and_its_admin_menu_works_from_the_keyboard(
    signed_in,
):
    from kith.directory.models import ImportRun

    # Something that needs HR now: a checked HR file waiting to be applied.
    ImportRun.objects.create(
        filename="people-march.csv", content=b"", status=ImportRun.Status.PREVIEWED
    )
    b = signed_in("HR admin", viewport=LAPTOP)
    page = b.page
    needs = page.get_by_role("region", name="Needs you now")
    expect(
        needs.get_by_role("heading", name="1 HR file is checked and waits to be applied")
    ).to_be_visible()
    expect(needs.get_by_role("link", name="Review and apply")).to_have_attribute(
        "href", re.compile(r"/people/import/\d+/$")
    )
    nav = page.get_by_role("navigation", name="Main")
    header_height = page.evaluate("document.querySelector('.site-header').offsetHeight")
    assert header_height <= 64, f"the HR header wraps to {header_height} px at 1366 px"
    b.shot("hr nav at 1366", full_page=False)

    # A <details> disclosure: Enter opens it, Tab reaches its links, Escape closes it and
    # gives focus back to its summary.
    admin = nav.locator("summary", has_text="Admin")
    menu = nav.locator("details[data-menu]").filter(has_text="Admin")
    import_link = nav.get_by_role("link", name="Import")
    expect(menu).not_to_have_attribute("open", "")
    expect(import_link).to_be_hidden()
    admin.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("open", "")
    expect(import_link).to_be_visible()
    b.shot("admin menu open", full_page=False)
    page.keyboard.press("Tab")
    expect(import_link).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).not_to_have_attribute("open", "")
    expect(admin).to_be_focused()
    expect(import_link).to_be_hidden()

    # A click outside closes it; the page it leads to marks the menu as the current section.
    admin.click()
    expect(import_link).to_be_visible()
    page.get_by_role("heading", level=1).click()
    expect(import_link).to_be_hidden()
    admin.click()
    nav.get_by_role("link", name="Audit log").click()
    page.wait_for_url(re.compile(r"/audit/$"))
    expect(nav.locator("summary", has_text="Admin")).to_have_attribute("data-current", "true")
    b.shot("audit log at 1366", full_page=False)

    # The footer's language switch; Portuguese labels are longer, and the row still fits.
    b.goto("/")
    page.get_by_label("Language").select_option("pt")
    page.get_by_role("button", name="Change").click()
    principal = page.get_by_role("navigation", name="Principal")
    expect(principal.get_by_role("link", name="Pessoas")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "pt")
    header_height = page.evaluate("document.querySelector('.site-header').offsetHeight")
    assert header_height <= 64, f"the Portuguese HR header wraps to {header_height} px"
    b.shot("hr nav in portuguese at 1366", full_page=False)
    page.get_by_label("Idioma").select_option("en")
    page.get_by_role("button", name="Mudar").click()
    expect(nav.get_by_role("link", name="People")).to_be_visible()

    page.set_viewport_size(PHONE)
    b.goto("/")
    b.shot("hr home on a phone", full_page=False)
    b.shot("hr home on a phone, whole page")
    b.assert_clean()


def test_an_employee_sees_no_admin_menu(signed_in):
    b = signed_in("Employee", viewport=LAPTOP)
    nav = b.page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="People")).to_be_visible()
    expect(nav.locator("summary", has_text="Admin")).to_have_count(0)
    b.shot("employee nav at 1366", full_page=False)
    b.page.set_viewport_size(PHONE)
    b.goto("/")
    b.shot("employee home on a phone", full_page=False)


def test_a_long_email_wraps_inside_its_card_on_a_phone(signed_in, demo):
    from kith.directory.models import Person

    long_one = Person.objects.filter(is_active=True).exclude(email=demo["HR admin"].email).first()
    assert long_one is not None
    long_one.email = "firstname.middlename.lastname.and-a-team-suffix@people-operations.example.com"
    long_one.save(update_fields=["email"])
    b = signed_in("HR admin")
    for path in (f"/people/{long_one.pk}/", f"/people/?q={long_one.full_name.split()[0]}"):
        b.goto(path)
        scroll, screen = b.page.evaluate(
            "[document.scrollingElement.scrollWidth, window.innerWidth]"
        )
        assert scroll <= screen, f"{path} is {scroll} px wide: {b.page.evaluate(STICKING_OUT)}"
    b.shot("long email on a phone")
