"""Fixtures for the end-to-end tests: one headless Chromium per session, a fresh context and
page per test, screenshots kept under test-artifacts/screenshots/, and a record of every
console error, CSP violation and failed request so each test can insist there were none.

Playwright drives Debian's own Chromium (never `playwright install`); when it is missing the
whole browser suite is skipped with a message saying so.
"""

from __future__ import annotations

import os
import re
import shutil
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Response,
    sync_playwright,
)

if TYPE_CHECKING:
    from kith.directory.demo.seed import DemoLogin

CHROMIUM = Path(os.environ.get("KITH_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000

VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}

# Recorded in every page before its own scripts run; Playwright injects it outside the page's
# CSP, so the listener sees violations even though inline scripts are forbidden.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  const where = (e.sourceFile || document.location.href).replace(document.location.origin, "");
  const blocked = e.blockedURI || "inline";
  window.__kithReportCsp(`${e.violatedDirective} blocked ${blocked} at ${where}:${e.lineNumber}`);
});
"""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without Chromium every test here is skipped, saying why, rather than failing — except
    in CI (KITH_REQUIRE_BROWSER=1), where a missing browser is a failure."""
    if CHROMIUM.exists():
        return
    if os.environ.get("KITH_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"KITH_REQUIRE_BROWSER=1 but there is no Chromium at {CHROMIUM}")
    here = Path(__file__).parent
    skip = pytest.mark.skip(
        reason=f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"
    )
    for item in items:
        if here in item.path.parents:
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """One headless Chromium for the whole session."""
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM}")
    # Playwright's sync API keeps an asyncio loop on the main thread, which makes Django refuse
    # ORM calls from the test body (seeding, checking the database). The calls are synchronous
    # and safe; the live server answers in its own thread.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    try:
        yield browser
    finally:
        browser.close()
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class Browsing:
    """A page in its own context, with what went wrong on it and numbered screenshots."""

    page: Page
    base_url: str
    shots_dir: Path
    console_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    bad_responses: list[str] = field(default_factory=list)
    static_loaded: set[str] = field(default_factory=set)
    shots: int = 0

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def goto(self, path: str) -> None:
        response = self.page.goto(self.url(path))
        assert response is not None and response.ok, (
            f"GET {path} answered {response and response.status}"
        )

    def shot(self, step: str, *, full_page: bool = True) -> Path:
        """Saves NN-step.png: the whole page, or with full_page=False just what fits the screen."""
        self.shots += 1
        path = self.shots_dir / f"{self.shots:02d}-{_slug(step)}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def log_in(self, email: str, password: str) -> None:
        page = self.page
        self.goto("/accounts/login/")
        page.fill("#id_login", email)
        page.fill("#id_password", password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/accounts/login" not in url)
        page.get_by_role("button", name="Sign out").wait_for()

    def log_out(self) -> None:
        self.page.get_by_role("button", name="Sign out").click()
        self.page.wait_for_url(re.compile(r"/accounts/login/"))

    def assert_clean(self) -> None:
        """No console errors, no CSP violations and no failed requests on any page visited."""
        csp_lines: dict[str, list[str]] = {}
        for violation in self.csp_violations:
            what, _, line = violation.rpartition(":")
            csp_lines.setdefault(what, []).append(line)
        problems = Counter(
            [
                f"console error: {_first_sentence(m)}"
                for m in self.console_errors
                # Chromium logs each CSP violation too; the listener's report says where.
                if not _is_favicon_404(m)
                and not (self.csp_violations and "Content Security Policy" in m)
            ]
            + [f"request: {m}" for m in self.bad_responses]
        )
        report = [f"{n}x {text}" if n > 1 else text for text, n in sorted(problems.items())]
        report += [
            f"CSP violation: {what} ({len(lines)}x, lines {', '.join(sorted(set(lines), key=int))})"
            for what, lines in sorted(csp_lines.items())
        ]
        assert not report, "the pages visited were not clean:\n  " + "\n  ".join(report)


def _is_favicon_404(message: str) -> bool:
    """Chromium asks for /favicon.ico only now and then; one test checks the icon instead."""
    return message.startswith("Failed to load resource") and message.endswith("(/favicon.ico)")


def _first_sentence(message: str) -> str:
    """Chromium's CSP console messages are long; the first sentence and the page say enough."""
    text, _, where = message.rpartition(" (")
    return f"{text.split('. ')[0]} ({where}" if where else message


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "step"


@pytest.fixture
def open_browsing(
    chromium: Browser, live_server: Any, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Browsing]]:
    """Opens pages in fresh contexts (desktop by default); keeps a final screenshot of each."""
    test_dir = SCREENSHOTS / _slug(request.node.name)
    shutil.rmtree(test_dir, ignore_errors=True)
    test_dir.mkdir(parents=True)
    opened: list[tuple[BrowserContext, Browsing]] = []

    def open_(*, viewport: str = "desktop", javascript: bool = True) -> Browsing:
        context = chromium.new_context(
            viewport=VIEWPORTS[viewport],
            java_script_enabled=javascript,
            locale="en-GB",
            timezone_id="Europe/Lisbon",
        )
        context.set_default_timeout(TIMEOUT_MS)
        # The first page of a run compiles templates and warms the server: more time to load.
        context.set_default_navigation_timeout(3 * TIMEOUT_MS)
        page = context.new_page()

        def _path(url: str) -> str:
            return url.removeprefix(live_server.url) or "/"

        b = Browsing(page=page, base_url=live_server.url, shots_dir=test_dir)
        page.expose_binding("__kithReportCsp", lambda source, text: b.csp_violations.append(text))
        page.add_init_script(_CSP_LISTENER)

        def on_console(msg: ConsoleMessage) -> None:
            if msg.type == "error":
                b.console_errors.append(f"{msg.text} ({_path(msg.location.get('url', ''))})")

        def on_request_failed(req: Request) -> None:
            # Requests the page itself gives up (a newer htmx search, leaving the page) abort.
            if req.failure and "ERR_ABORTED" not in req.failure:
                b.bad_responses.append(f"{_path(req.url)} failed: {req.failure}")

        def on_response(resp: Response) -> None:
            path = _path(resp.url)
            if resp.status >= 400:
                b.bad_responses.append(f"{resp.status} {path}")
            elif path.startswith("/static/"):
                b.static_loaded.add(path.split("?")[0])

        page.on("console", on_console)
        page.on("pageerror", lambda exc: b.console_errors.append(f"uncaught: {exc}"))
        page.on("requestfailed", on_request_failed)
        page.on("response", on_response)
        opened.append((context, b))
        return b

    yield open_

    rep = getattr(request.node, "rep_call", None)
    outcome = "failed" if rep is None or rep.failed else "passed"
    for context, b in opened:
        try:
            if not b.page.is_closed():
                b.shot(f"final-{outcome}")
        finally:
            context.close()


@pytest.fixture
def browsing(open_browsing: Callable[..., Browsing]) -> Browsing:
    """A desktop-sized page."""
    return open_browsing()


@pytest.fixture
def demo(transactional_db: None) -> dict[str, DemoLogin]:
    """The demo organisation (60 people), seeded into the live server's database for this test."""
    from kith.directory.demo.seed import seed_demo_organisation

    result = seed_demo_organisation(people=60, seed=1)
    return {login.role: login for login in result.logins}
