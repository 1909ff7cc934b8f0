from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from kith.core.models import AuditEvent
from kith.scim.models import ScimToken

pytestmark = pytest.mark.django_db


def _create(name: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("scim_token", "create", name, stdout=out, stderr=err)
    return out.getvalue().strip()


def _get(token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return Client().get("/scim/v2/Users", headers=headers)


def test_create_prints_the_token_once_and_stores_only_its_hash() -> None:
    raw = _create("okta")
    assert len(raw) >= 40
    rows = repr(list(ScimToken.objects.values()))
    assert raw not in rows
    out = io.StringIO()
    call_command("scim_token", "list", stdout=out)
    assert "okta" in out.getvalue() and raw not in out.getvalue()
    assert raw[:8] in out.getvalue()  # the short prefix tells tokens apart
    assert AuditEvent.objects.filter(action="scim.token_created", target="okta").exists()
    assert _get(raw).status_code == 200


@pytest.mark.parametrize("token", [None, "", "wrong-token"])
def test_missing_or_wrong_token_is_401_with_a_scim_error(token: str | None) -> None:
    _create("okta")
    response = _get(token)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/scim+json")
    assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert response.json()["status"] == "401"


def test_a_revoked_token_is_401() -> None:
    raw = _create("entra")
    call_command("scim_token", "revoke", "entra", stdout=io.StringIO())
    assert _get(raw).status_code == 401
    assert AuditEvent.objects.filter(action="scim.token_revoked", target="entra").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", "   "], "name: required"),
        (["create", "x" * 101], "name: longer than 100"),
        (["revoke", "nobody"], "name: no token is called 'nobody'"),
        ([], "Say what to do"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(args: list[str], message: str) -> None:
    with pytest.raises(CommandError) as caught:
        call_command("scim_token", *args, stdout=io.StringIO())
    assert caught.value.returncode == 2
    assert message in str(caught.value)


def test_a_duplicate_name_is_refused() -> None:
    _create("okta")
    with pytest.raises(CommandError, match="already exists"):
        _create("okta")


def test_csrf_and_login_do_not_apply_and_post_without_token_is_401() -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/scim/v2/Users", data="{}", content_type="application/scim+json")
    assert response.status_code == 401
