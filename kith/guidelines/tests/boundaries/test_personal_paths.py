"""The boundaries API answers are personal (my preferences, the hours that hold me, the hours I
set for my teams): never stored by a browser or proxy."""

from __future__ import annotations

import pytest
from django.test import Client

from kith.core.sensitive import is_personal_path
from kith.directory.tests.factories import login_for

pytestmark = pytest.mark.django_db
API = "/api/v1/guidelines/boundaries"


def client_for(person) -> Client:
    client = Client()
    client.force_login(login_for(person))
    return client


@pytest.mark.parametrize(
    "path",
    [
        f"{API}/preferences",
        f"{API}/tech-free-hours",
        f"{API}/tech-free-hours/mine",
        f"{API}/tech-free-hours/3",
        f"{API}/pause",
        "/guidelines/boundaries/tech-free-hours/",
    ],
)
def test_boundaries_paths_are_registered_personal(path: str) -> None:
    assert is_personal_path(path)


@pytest.mark.parametrize("path", ["tech-free-hours", "tech-free-hours/mine", "preferences"])
def test_boundaries_api_answers_are_never_stored(manager, employee, path: str) -> None:
    answer = client_for(manager).get(f"{API}/{path}")
    assert answer.status_code == 200, answer.content
    assert "no-store" in answer.get("Cache-Control", ""), answer.get("Cache-Control")
