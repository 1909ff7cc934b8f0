"""The account page: personal API tokens (shown once, stored as a hash) and my-data export."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from kith.accounts.models import ApiToken
from kith.accounts.services import api_token_create
from kith.directory.services import person_update_profile
from kith.directory.tests.factories import PersonFactory, login_for

pytestmark = pytest.mark.django_db

RAW_TOKEN = re.compile(r"kith_[A-Za-z0-9_-]{40,}")


def _create_token(client: Client, name: str = "calendar script") -> str:
    response = client.post("/me/tokens/", {"name": name})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    shown = RAW_TOKEN.findall(response.content.decode())
    assert len(shown) == 1
    return shown[0]


def test_token_is_shown_once_and_only_its_hash_is_stored(employee_client):
    raw = _create_token(employee_client)

    token = ApiToken.objects.get()
    assert token.name == "calendar script"
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert not any(raw in str(value) for value in row.values())
    # Not kept in the session either, where a redirect would have parked it.
    assert not any(raw in str(s.get_decoded()) for s in Session.objects.all())

    again = employee_client.get("/me/")
    assert raw not in again.content.decode()
    assert token.hint.encode() in again.content  # recognisable by its first characters

    api = Client(headers={"Authorization": f"Bearer {raw}"})
    assert api.get("/api/v1/people/me").status_code == 200


def test_creating_a_token_needs_post(employee_client):
    assert employee_client.get("/me/tokens/").status_code == 405
    assert not ApiToken.objects.exists()


def test_blank_name_gets_a_default(employee_client):
    _create_token(employee_client, name="   ")
    assert ApiToken.objects.get().name == "API token"


def test_revoke_own_token(employee_client):
    raw = _create_token(employee_client)
    token = ApiToken.objects.get()
    response = employee_client.post(f"/me/tokens/{token.pk}/revoke/", follow=True)
    assert b"revoked" in response.content
    token.refresh_from_db()
    assert token.revoked_at is not None
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    assert api.get("/api/v1/people/me").status_code == 401
    assert employee_client.get(f"/me/tokens/{token.pk}/revoke/").status_code == 405


def test_cannot_revoke_someone_elses_token(employee_client, manager):
    token, raw = api_token_create(user=login_for(manager), name="manager's")
    response = employee_client.post(f"/me/tokens/{token.pk}/revoke/", follow=True)
    assert response.status_code == 200
    assert b"does not exist or is already revoked" in response.content
    token.refresh_from_db()
    assert token.revoked_at is None
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    assert api.get("/api/v1/people/me").json()["email"] == manager.email


def test_token_list_shows_only_my_tokens(employee_client, manager):
    api_token_create(user=login_for(manager), name="manager-secret-script")
    _create_token(employee_client, name="my script")
    page = employee_client.get("/me/").content
    assert b"my script" in page and b"manager-secret-script" not in page


def test_token_pages_need_a_login(client):
    assert client.get("/me/").status_code == 302
    assert client.post("/me/tokens/", {"name": "x"}).status_code == 302
    assert not ApiToken.objects.exists()


# --- My data ----------------------------------------------------------------------------------


def test_my_data_export_holds_my_profile_and_nobody_elses(employee_client, employee, manager):
    colleague = PersonFactory(
        full_name="Other Colleague", email="other@example.com", employee_id="E-OTHER-1"
    )
    person_update_profile(person=colleague, changes={"bio": "colleague-bio"}, interests=["Chess"])
    person_update_profile(person=employee, changes={"bio": "my-own-bio"}, interests=["Jazz"])
    token, _ = api_token_create(user=login_for(employee), name="my script")
    employee_client.force_login(login_for(employee))

    response = employee_client.get("/me/export.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)

    assert data["account"]["email"] == "margarida@example.com"
    assert [t["name"] for t in data["account"]["api_tokens"]] == ["my script"]
    entry = data["directory_entry"]
    assert entry["id"] == employee.pk and entry["employee_id"] == employee.employee_id
    assert entry["bio"] == "my-own-bio" and entry["interests"] == ["Jazz"]
    assert entry["manager"] == {"id": manager.pk, "name": "Maya Jackson"}
    assert entry["coordinates_of_city"]["latitude"] == employee.latitude

    text = response.content.decode()
    for secret in [
        "other@example.com",
        "E-OTHER-1",
        "colleague-bio",
        "Chess",
        manager.email,
        manager.employee_id,
        token.token_hash,
    ]:
        assert secret not in text, secret


def test_export_for_a_login_without_a_person(db):
    from kith.accounts.models import User

    user = User.objects.create_user("robot@example.com", "pw-long-enough-1")
    client = Client()
    client.force_login(user)
    data = client.get("/me/export.json").json()
    assert data["account"]["email"] == "robot@example.com"
    assert "directory_entry" not in data


def test_export_says_who_sees_what_and_holds_sign_in_records(employee_client):
    data = employee_client.get("/me/export.json").json()
    assert "employee id" in data["who_sees_what"]["your manager"]
    assert data["sign_in"] == {"email_addresses": [], "single_sign_on": []}
