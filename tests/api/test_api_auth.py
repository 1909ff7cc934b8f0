"""Who may call the API, and how: session (with CSRF for writes) or a personal bearer token."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from kith.accounts.models import ApiToken, User
from kith.accounts.services import api_token_create, api_token_revoke
from kith.directory.tests.factories import login_for

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


PEOPLE = "/api/v1/people"
ME = "/api/v1/people/me"


def _assert_json_401(response) -> None:
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert "Location" not in response
    assert response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", PEOPLE),
        ("get", ME),
        ("patch", ME),
        ("get", "/api/v1/people/1"),
        ("get", "/api/v1/people/1/private"),
    ],
)
def test_no_credentials_get_a_json_401_not_a_login_redirect(client, employee, method, path):
    response = getattr(client, method)(path, data={}, content_type="application/json")
    _assert_json_401(response)


def test_csrf_enforcing_client_without_session_gets_401_for_a_write(employee):
    client = Client(enforce_csrf_checks=True)
    _assert_json_401(client.patch(ME, {"bio": "x"}, content_type="application/json"))


def test_openapi_document_and_docs_are_public(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Kith API"


def test_api_docs_are_served_from_our_own_static_files(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"#]+)"', response.content.decode())
    assert assets and all(url.startswith("/static/") for url in assets)


def test_session_auth_reads_without_csrf(employee):
    client = Client(enforce_csrf_checks=True)
    client.force_login(login_for(employee))
    response = client.get(ME)
    assert response.status_code == 200
    assert response.json()["id"] == employee.pk


def test_session_auth_write_needs_csrf_token(employee):
    client = Client(enforce_csrf_checks=True)
    client.force_login(login_for(employee))

    refused = client.patch(ME, {"bio": "Hello"}, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    employee.refresh_from_db()
    assert employee.bio == ""

    client.get("/me/")  # any page with a form sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = client.patch(
        ME, {"bio": "Hello"}, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert accepted.status_code == 200, accepted.content
    employee.refresh_from_db()
    assert employee.bio == "Hello"


def test_bearer_token_reads_and_writes_without_csrf(employee, token_for):
    client = Client(enforce_csrf_checks=True, headers=bearer(token_for(employee)))
    assert client.get(ME).json()["email"] == employee.email
    response = client.patch(ME, {"pronouns": "she/her"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["pronouns"] == "she/her"


def test_bearer_token_records_last_use(employee):
    token, raw = api_token_create(user=login_for(employee), name="script")
    assert token.last_used_at is None
    Client().get(PEOPLE, headers=bearer(raw))
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    "header",
    [
        "Bearer kith_not-a-real-token",
        "Bearer ",
        "Bearer",
        "Basic a2l0aDpraXRo",
        "bearer kith_" + "x" * 5000,
        "Token kith_abc",
    ],
)
def test_bad_bearer_values_get_401(employee, header):
    _assert_json_401(Client().get(PEOPLE, headers={"Authorization": header}))


def test_scheme_is_case_insensitive(employee, token_for):
    raw = token_for(employee)
    assert Client().get(ME, headers={"Authorization": f"bearer {raw}"}).status_code == 200


def test_revoked_token_gets_401(employee):
    user = login_for(employee)
    token, raw = api_token_create(user=user, name="old script")
    assert Client().get(ME, headers=bearer(raw)).status_code == 200
    assert api_token_revoke(user=user, token_id=token.pk)
    _assert_json_401(Client().get(ME, headers=bearer(raw)))


def test_token_of_deactivated_user_gets_401(employee):
    user = login_for(employee)
    _, raw = api_token_create(user=user, name="script")
    User.objects.filter(pk=user.pk).update(is_active=False)
    _assert_json_401(Client().get(PEOPLE, headers=bearer(raw)))


def test_session_of_deactivated_user_gets_401(employee):
    user = login_for(employee)
    client = Client()
    client.force_login(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    _assert_json_401(client.get(PEOPLE))


def test_only_the_hash_of_a_token_is_stored(employee):
    token, raw = api_token_create(user=login_for(employee), name="script")
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert raw not in {str(v) for v in stored.values()}
    assert stored["hint"] == raw[:9] and len(stored["token_hash"]) == 64


def test_login_without_a_person_gets_404_for_me_and_sees_nobody(db, employee):
    user = User.objects.create_user("robot@example.com", "pw-long-enough-1")
    _, raw = api_token_create(user=user, name="robot")
    client = Client(headers=bearer(raw))
    assert client.get(ME).status_code == 404
    assert client.patch(ME, {"bio": "x"}, content_type="application/json").status_code == 404
    assert client.get(PEOPLE).json()["results"] == []
    assert client.get(f"{PEOPLE}/{employee.pk}").status_code == 404


def test_staff_integration_login_can_search(db, employee):
    user = User.objects.create_user("robot@example.com", "pw-long-enough-1", is_staff=True)
    _, raw = api_token_create(user=user, name="robot")
    client = Client(headers=bearer(raw))
    assert employee.pk in {p["id"] for p in client.get(PEOPLE).json()["results"]}
