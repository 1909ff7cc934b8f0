"""Answers that name people (who is there, anchor days) are never stored by a browser or proxy."""

from __future__ import annotations

import pytest
from django.test import Client

from kith.core.sensitive import is_personal_path
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory, login_for
from kith.places.models import AnchorDay
from kith.places.tests.days_builders import TODAY, office, plan

pytestmark = pytest.mark.django_db
API = "/api/v1/places"


def client_for(person) -> Client:
    client = Client()
    client.force_login(login_for(person))
    return client


@pytest.mark.parametrize(
    "path",
    [
        f"{API}/office-days",
        f"{API}/leave",
        f"{API}/who-is-there",
        f"{API}/anchor-days",
        f"{API}/anchor-days/7/join",
    ],
)
def test_personal_api_paths_are_registered(path: str) -> None:
    assert is_personal_path(path)


def test_who_is_there_api_is_never_stored() -> None:
    team = OrgUnitFactory(name="Tools")
    me, mate = PersonFactory(org_unit=team), PersonFactory(org_unit=team)
    where = office()
    plan(mate, where, TODAY)
    answer = client_for(me).get(
        f"{API}/who-is-there", {"office": where.pk, "date": TODAY.isoformat()}
    )
    assert answer.status_code == 200 and answer.json()["people"], answer.content
    assert "no-store" in answer.get("Cache-Control", ""), answer.get("Cache-Control")


def test_anchor_days_api_is_never_stored() -> None:
    team = OrgUnitFactory(name="Tools")
    me = PersonFactory(org_unit=team)
    AnchorDay.objects.create(org_unit=team, office=office(), weekday=2)
    answer = client_for(me).get(f"{API}/anchor-days")
    assert answer.status_code == 200 and answer.json(), answer.content
    assert "no-store" in answer.get("Cache-Control", ""), answer.get("Cache-Control")
