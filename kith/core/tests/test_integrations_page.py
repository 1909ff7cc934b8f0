"""HR's integrations page: every installed integration with its status and a link to set it
up; one whose status cannot be read does not hide the others; nobody else sees the page."""

from __future__ import annotations

import pytest

from kith.core import registry


@pytest.fixture
def broken_entry(monkeypatch):
    def boom() -> tuple[bool, str]:
        raise RuntimeError("token store unreachable")

    entry = registry.Integration(
        "core", "zz-broken", "Broken thing", "Fails to report.", "audit_log", boom, 999
    )
    monkeypatch.setitem(registry._integrations, "zz-broken", entry)


def test_hr_sees_every_integration_and_their_status(hr_client, broken_entry):
    page = hr_client.get("/integrations/")
    assert page.status_code == 200
    text = page.content.decode()
    for entry in registry.integrations():
        assert entry.title in text
    assert "Its status could not be read" in text
    assert "token store unreachable" not in text


def test_only_hr_opens_the_integrations_page(employee_client, manager_client):
    assert employee_client.get("/integrations/").status_code == 403
    assert manager_client.get("/integrations/").status_code == 403
