"""The holiday region HR's import sets is in the person's own export, and in no API answer."""

from __future__ import annotations

import pytest
from django.test import Client

from kith.directory.tests.factories import PersonFactory, login_for

pytestmark = pytest.mark.django_db


def client_for(person, *, hr: bool = False) -> Client:
    client = Client()
    client.force_login(login_for(person, hr=hr))
    return client


def test_export_holds_the_persons_holiday_region() -> None:
    person = PersonFactory(country="DE", region="BY")
    data = client_for(person).get("/me/export.json").json()
    entries = [v for v in data.values() if isinstance(v, dict) and "employee_id" in v]
    assert [e["region"] for e in entries] == ["BY"], data.keys()


def test_the_region_is_in_no_api_answer_not_even_the_managers_private_view() -> None:
    boss = PersonFactory()
    person = PersonFactory(country="DE", region="BY", manager=boss)
    mine = client_for(person).get("/api/v1/people/me")
    assert mine.status_code == 200 and "region" not in mine.json()
    theirs = client_for(boss).get(f"/api/v1/people/{person.pk}/private")
    assert theirs.status_code == 200 and "region" not in theirs.json()
    assert "region" not in client_for(boss).get(f"/api/v1/people/{person.pk}").json()
