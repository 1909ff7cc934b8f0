"""axe-core (axe-playwright-python) finds no WCAG 2.1 A or AA violation on any main page, for
the employee, the manager and HR of the demo organisation: the same pages as the layout test
(every parameterless route of every app and one page of each route their links lead to), on
a laptop, and the home page on a phone with HR's admin menu open.

Run with: .venv/bin/python -m pytest -m browser -n 0 tests/browser/test_accessibility.py
"""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from test_layout import LAPTOP, PHONE, ROLES, main_pages, signed_in

pytestmark = pytest.mark.browser

WCAG_21_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
_axe = Axe()
__all__ = ["signed_in"]  # the fixture, shared with the layout test


def violations(page: Any) -> list[str]:
    """One line per rule broken on the page: the rule, its help text and up to three of the
    elements breaking it (their CSS selectors), so the line says what to fix."""
    found = _axe.run(page, options=WCAG_21_AA).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(" ".join(map(str, n["target"])) for n in v["nodes"][:3])
        + (f" (+{len(v['nodes']) - 3} more)" if len(v["nodes"]) > 3 else "")
        for v in found
    ]


@pytest.mark.parametrize("role", ROLES)
def test_axe_finds_no_wcag_violation_on_any_main_page(signed_in, role):
    b = signed_in(role, viewport=LAPTOP)
    broken: list[str] = []
    opened = 0
    for visit in main_pages(b.page, b.base_url):
        opened += 1
        broken += [f"{visit.path}: {line}" for line in violations(b.page)]
    assert opened >= 25, f"only {opened} pages opened"
    assert not broken, f"axe found WCAG 2.1 A/AA violations for {role}:\n  " + "\n  ".join(broken)


def test_the_phone_layout_and_the_open_admin_menu_pass_axe(signed_in):
    b = signed_in("HR admin", viewport=PHONE)
    b.goto("/")
    assert violations(b.page) == []
    b.page.get_by_role("navigation", name="Main").locator("summary", has_text="Admin").click()
    assert violations(b.page) == []
    b.shot("admin menu open on a phone", full_page=False)
