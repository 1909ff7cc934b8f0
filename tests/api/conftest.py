"""Fixtures for the API tests: a bearer-token client for any person."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from kith.accounts.services import api_token_create
from kith.directory.models import Person
from kith.directory.tests.factories import login_for


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def token_for(db) -> Callable[..., str]:
    """A raw API token for the person's login (created if needed)."""

    def make(person: Person, *, hr: bool = False) -> str:
        _, raw = api_token_create(user=login_for(person, hr=hr), name="tests")
        return raw

    return make


@pytest.fixture
def api_client_for(token_for) -> Callable[..., Client]:
    """A test client that sends a bearer token for the person, and no session cookie."""

    def make(person: Person, *, hr: bool = False) -> Client:
        return Client(headers=bearer(token_for(person, hr=hr)))

    return make
