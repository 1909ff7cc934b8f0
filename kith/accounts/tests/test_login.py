"""Signing in through allauth: an emailed one-time code, a password, or single sign-on; never
self-service sign-up."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.core import mail
from django.test import Client, RequestFactory

from kith.accounts.adapters import SocialAccountAdapter
from kith.accounts.models import User
from kith.accounts.services import users_sync_from_people
from kith.directory.tests.factories import PersonFactory, login_for

pytestmark = pytest.mark.django_db

CODE = re.compile(r"^\s*([A-Z0-9]{4}-?[A-Z0-9]{4})\s*$", re.MULTILINE)


def _signed_in_as(client: Client) -> str | None:
    response = client.get("/api/v1/people/me")
    return response.json()["email"] if response.status_code == 200 else None


def _request_code(client: Client, email: str):
    assert client.get("/accounts/login/code/").status_code == 200
    return client.post("/accounts/login/code/", {"email": email})


def test_login_by_emailed_code_end_to_end(employee):
    users_sync_from_people()  # the login exists, without a password
    client = Client()

    response = _request_code(client, "Margarida@Example.com")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/code/confirm/")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["margarida@example.com"]
    code = CODE.search(message.body)
    assert code, message.body
    assert _signed_in_as(client) is None

    assert client.get(response["Location"]).status_code == 200
    wrong = client.post("/accounts/login/code/confirm/", {"code": "WRONG1"})
    assert wrong.status_code == 200 and _signed_in_as(client) is None

    done = client.post("/accounts/login/code/confirm/", {"code": code.group(1)})
    assert done.status_code == 302 and done["Location"] == "/"
    assert _signed_in_as(client) == "margarida@example.com"
    assert client.get("/").status_code == 200


def test_code_for_an_unknown_email_creates_nobody_and_signs_nobody_in(employee):
    client = Client()
    response = _request_code(client, "stranger@example.com")
    assert response.status_code == 302  # the same answer as for a known address
    assert not User.objects.filter(email="stranger@example.com").exists()
    assert all(not CODE.search(m.body) for m in mail.outbox)
    assert _signed_in_as(client) is None


def test_leaver_cannot_sign_in_with_a_code(employee):
    users_sync_from_people()
    User.objects.filter(email="margarida@example.com").update(is_active=False)
    client = Client()
    _request_code(client, "margarida@example.com")
    for message in mail.outbox:
        code = CODE.search(message.body)
        if code:
            client.post("/accounts/login/code/confirm/", {"code": code.group(1)})
    assert _signed_in_as(client) is None


def test_password_login(employee):
    login_for(employee, password="a-long-password-9")
    client = Client()
    refused = client.post(
        "/accounts/login/", {"login": "margarida@example.com", "password": "wrong-password"}
    )
    assert refused.status_code == 200 and _signed_in_as(client) is None

    response = client.post(
        "/accounts/login/", {"login": "MARGARIDA@example.com", "password": "a-long-password-9"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert _signed_in_as(client) == "margarida@example.com"


def test_inactive_login_cannot_use_its_password(employee):
    user = login_for(employee, password="a-long-password-9")
    User.objects.filter(pk=user.pk).update(is_active=False)
    client = Client()
    client.post("/accounts/login/", {"login": user.email, "password": "a-long-password-9"})
    assert _signed_in_as(client) is None


def test_signup_is_closed(client):
    page = client.get("/accounts/signup/")
    assert page.status_code == 200
    assert b'name="password1"' not in page.content
    response = client.post(
        "/accounts/signup/",
        {
            "email": "newcomer@example.com",
            "password1": "a-long-password-9",
            "password2": "a-long-password-9",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="newcomer@example.com").exists()
    assert _signed_in_as(client) is None


# --- Single sign-on --------------------------------------------------------------------------


def _sociallogin(email: str | None) -> SimpleNamespace:
    return SimpleNamespace(user=SimpleNamespace(email=email))


@pytest.mark.parametrize(
    ("email", "allowed"),
    [
        ("margarida@example.com", True),
        ("MARGARIDA@Example.com", True),
        ("gone@example.com", False),
        ("stranger@example.com", False),
        ("", False),
        (None, False),
    ],
)
def test_sso_signs_up_only_active_people_of_the_directory(employee, email, allowed):
    PersonFactory(email="gone@example.com", is_active=False)
    request = RequestFactory().get("/accounts/oidc/sso/login/callback/")
    assert SocialAccountAdapter().is_open_for_signup(request, _sociallogin(email)) is allowed


def test_sso_button_appears_when_a_provider_is_configured(client, settings, monkeypatch):
    from kith.accounts.sso import socialaccount_providers_from_env

    assert client.get("/accounts/login/").content.count(b"/accounts/oidc/") == 0
    monkeypatch.setenv("KITH_OIDC_SERVER_URL", "https://id.example.com/realms/work")
    monkeypatch.setenv("KITH_OIDC_CLIENT_ID", "kith")
    monkeypatch.setenv("KITH_OIDC_CLIENT_SECRET", "s3cret")
    monkeypatch.setenv("KITH_OIDC_NAME", "Example ID")
    settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers_from_env()
    page = client.get("/accounts/login/")
    assert b"/accounts/oidc/sso/login/" in page.content
    assert b"Example ID" in page.content
    assert b"s3cret" not in page.content
