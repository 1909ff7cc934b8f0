"""Fixtures shared by every app's tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

os.environ.setdefault("KITH_DATA_DIR", str(Path(__file__).parent / "var"))


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """A request in another language (LocaleMiddleware) leaves it active in the worker's
    thread: every test starts and ends in the default language."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def team(db):
    from kith.directory.tests.factories import OrgUnitFactory

    department = OrgUnitFactory(name="Engineering", kind="department")
    return OrgUnitFactory(name="Platform", parent=department)


@pytest.fixture
def manager(db, team):
    from kith.directory.tests.factories import PersonFactory

    return PersonFactory(full_name="Maya Jackson", email="maya@example.com", org_unit=team)


@pytest.fixture
def employee(db, team, manager):
    from kith.directory.tests.factories import PersonFactory

    return PersonFactory(
        full_name="Margarida Ribeiro", email="margarida@example.com", org_unit=team, manager=manager
    )


@pytest.fixture
def hr_person(db):
    from kith.directory.tests.factories import OrgUnitFactory, PersonFactory

    people_dept = OrgUnitFactory(name="People", kind="department")
    return PersonFactory(
        full_name="Jasmine Garcia", email="jasmine@example.com", org_unit=people_dept
    )


def _client_for(person, *, hr: bool = False) -> Client:
    from kith.directory.tests.factories import login_for

    client = Client()
    client.force_login(login_for(person, hr=hr))
    return client


@pytest.fixture
def employee_client(employee) -> Client:
    return _client_for(employee)


@pytest.fixture
def manager_client(manager) -> Client:
    return _client_for(manager)


@pytest.fixture
def hr_client(hr_person) -> Client:
    return _client_for(hr_person, hr=True)
