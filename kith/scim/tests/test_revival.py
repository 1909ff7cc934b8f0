"""Who a SCIM re-create brings back, and what a SCIM deactivation takes away from a login
(security review: a re-create must never revive someone else's login, its role or tokens)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.models import Session
from django.test import Client

from kith.accounts.models import ApiToken
from kith.accounts.models import User as Login
from kith.accounts.services import api_token_authenticate, api_token_create
from kith.core.models import AuditEvent
from kith.core.permissions import AMBASSADORS_GROUP, HR_ADMINS_GROUP
from kith.directory.models import Person
from kith.scim.models import ScimUser

pytestmark = pytest.mark.django_db

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def _alex(
    external_id: str | None, employee: str | None, email: str = "alex@testuser.com"
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "userName": email,
        "name": {"givenName": "Alex", "familyName": "Doe"},
        "emails": [{"value": email, "type": "work", "primary": True}],
        "active": True,
    }
    if external_id is not None:
        body["externalId"] = external_id
    if employee is not None:
        body[ENTERPRISE] = {"employeeNumber": employee}
    return body


def _active(value: bool) -> dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": value}}]}


def _login(email: str = "alex@testuser.com") -> Login:
    return Login.objects.get(email__iexact=email)


def _signed_in(login: Login) -> Client:
    client = Client()
    client.force_login(login)
    return client


def _sessions_of(login: Login) -> int:
    return sum(
        1 for s in Session.objects.all() if s.get_decoded().get(SESSION_KEY) == str(login.pk)
    )


def _hr(login: Login) -> None:
    login.groups.add(Group.objects.get_or_create(name=HR_ADMINS_GROUP)[0])


def _api(raw: str) -> int:
    return int(
        Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/people/me").status_code
    )


def test_reviewers_reproduction_a_new_identity_never_revives_the_old_login(scim: Any) -> None:
    created = scim.post("Users", _alex("okta-old", "E100"))
    assert created.status_code == 201, created.json()
    pk = int(created.json()["id"])
    login = _login()
    _hr(login)
    _, raw = api_token_create(user=login, name="script")
    browser = _signed_in(login)
    assert _api(raw) == 200
    assert browser.get("/me/").status_code == 200

    assert scim.delete(f"Users/{pk}").status_code == 204
    assert api_token_authenticate(raw) is None
    assert _api(raw) == 401
    assert _sessions_of(login) == 0
    assert browser.get("/me/").status_code == 302  # signed out
    switched_off = AuditEvent.objects.get(action="directory.login_switched_off")
    assert switched_off.target == f"user {login.pk}"
    assert switched_off.detail["api_tokens_revoked"] == 1
    assert switched_off.detail["sessions_ended"] == 1

    # The IdP creates "alex@" again, as someone else (new externalId, new employee number):
    # the old person keeps the email, so this is the import's answer for a re-used email.
    again = scim.post("Users", _alex("okta-new", "E999"))
    assert again.status_code == 409, again.json()
    assert again.json()["scimType"] == "uniqueness"
    detail = again.json()["detail"]
    assert detail.startswith("emails:") and "E100" in detail and "who has left" in detail
    old = Person.objects.get(pk=pk)
    assert old.is_active is False and old.employee_id == "E100"
    assert Person.objects.count() == 1
    assert _login().is_active is False
    assert _api(raw) == 401

    # With an address of their own, they are a new person; the old one stays as they were.
    other = scim.post("Users", _alex("okta-new", "E999", email="alex.doe@testuser.com"))
    assert other.status_code == 201, other.json()
    assert int(other.json()["id"]) != pk
    assert Person.objects.get(pk=pk).is_active is False
    assert _login().is_active is False and _login().groups.exists()

    # Even if HR later switches the old login on by hand, the token and the session are gone.
    Login.objects.filter(pk=login.pk).update(is_active=True)
    assert _api(raw) == 401
    assert browser.get("/me/").status_code == 302


def test_the_same_external_id_revives_the_person_but_never_a_privileged_login(scim: Any) -> None:
    pk = scim.post("Users", _alex("okta-old", "E100")).json()["id"]
    login = _login()
    _hr(login)
    _, raw = api_token_create(user=login, name="script")
    assert scim.delete(f"Users/{pk}").status_code == 204

    again = scim.post("Users", _alex("okta-old", "E100"))
    assert again.status_code == 201, again.json()
    assert again.json()["id"] == pk
    assert Person.objects.get(pk=pk).is_active is True
    login.refresh_from_db()
    assert login.is_active is False  # HR must re-enable it
    held = AuditEvent.objects.get(action="directory.login_left_inactive")
    assert held.target == f"user {login.pk}"
    assert "HR must re-enable it" in held.detail["reason"]
    assert _api(raw) == 401

    # A later push of the same person does not write the audit row again.
    scim.put(f"Users/{pk}", {**_alex("okta-old", "E100"), "title": "Engineer"})
    assert AuditEvent.objects.filter(action="directory.login_left_inactive").count() == 1
    assert _login().is_active is False


@pytest.mark.parametrize(
    "privilege",
    ["staff", "superuser", "ambassador", "permission"],
)
def test_no_privileged_login_is_switched_on_by_a_reactivation(scim: Any, privilege: str) -> None:
    pk = scim.post("Users", _alex("okta-1", "E100")).json()["id"]
    assert scim.patch(f"Users/{pk}", _active(False)).status_code == 200
    login = _login()
    assert login.is_active is False
    if privilege == "staff":
        Login.objects.filter(pk=login.pk).update(is_staff=True)
    elif privilege == "superuser":
        Login.objects.filter(pk=login.pk).update(is_superuser=True)
    elif privilege == "ambassador":
        login.groups.add(Group.objects.get_or_create(name=AMBASSADORS_GROUP)[0])
    else:
        login.user_permissions.add(Permission.objects.first())
    response = scim.patch(f"Users/{pk}", _active(True))
    assert response.status_code == 200, response.json()
    assert response.json()["active"] is True
    assert _login().is_active is False
    assert AuditEvent.objects.filter(
        action="directory.login_left_inactive", target=f"user {login.pk}"
    ).exists()


def test_an_ordinary_login_comes_back_without_its_tokens_or_sessions(scim: Any) -> None:
    pk = scim.post("Users", _alex("okta-1", "E100")).json()["id"]
    login = _login()
    _, raw = api_token_create(user=login, name="script")
    browser = _signed_in(login)
    assert scim.patch(f"Users/{pk}", _active(False)).status_code == 200
    assert ApiToken.objects.get().revoked_at is not None
    assert _sessions_of(login) == 0
    assert scim.patch(f"Users/{pk}", _active(True)).status_code == 200
    assert _login().is_active is True
    assert not AuditEvent.objects.filter(action="directory.login_left_inactive").exists()
    assert _api(raw) == 401
    assert browser.get("/me/").status_code == 302


def test_without_a_stored_external_id_both_email_and_employee_number_must_match(
    scim: Any,
) -> None:
    pk = scim.post("Users", _alex(None, "E100")).json()["id"]
    assert ScimUser.objects.get(person_id=pk).external_id == ""
    assert scim.delete(f"Users/{pk}").status_code == 204

    other_number = scim.post("Users", _alex(None, "E999"))
    assert other_number.status_code == 409, other_number.json()
    assert other_number.json()["detail"].startswith("emails:")
    other_email = scim.post("Users", _alex(None, "E100", email="someone@testuser.com"))
    assert other_email.status_code == 409, other_email.json()
    assert other_email.json()["detail"].startswith(f"{ENTERPRISE}:employeeNumber:")
    assert Person.objects.get(pk=pk).is_active is False
    assert _login().is_active is False

    same = scim.post("Users", _alex("okta-2", "E100", email="ALEX@testuser.com"))
    assert same.status_code == 201, same.json()
    assert same.json()["id"] == pk
    assert Person.objects.get(pk=pk).is_active is True
    assert _login().is_active is True


def test_a_stored_external_id_must_be_sent_again(scim: Any) -> None:
    pk = scim.post("Users", _alex("okta-old", "E100")).json()["id"]
    assert scim.delete(f"Users/{pk}").status_code == 204
    for external_id in (None, "okta-new"):
        response = scim.post("Users", _alex(external_id, "E100"))
        assert response.status_code == 409, response.json()
    assert Person.objects.count() == 1
    assert Person.objects.get(pk=pk).is_active is False


def test_a_team_deactivated_in_any_order_is_switched_off(scim: Any) -> None:
    """Okta and Entra deactivate a leaving team in no particular order: a manager switched
    off first must not stop their reports' deactivation (nor other updates of them)."""
    boss = scim.post("Users", _alex("okta-boss", "M1", email="boss@testuser.com"))
    assert boss.status_code == 201, boss.json()
    report_body = _alex("okta-rep", "R1", email="rep@testuser.com")
    report_body[ENTERPRISE] = {"employeeNumber": "R1", "manager": {"value": boss.json()["id"]}}
    report = scim.post("Users", report_body)
    assert report.status_code == 201, report.json()
    assert scim.patch(f"Users/{boss.json()['id']}", _active(False)).status_code == 200

    renamed = {**report_body, "name": {"givenName": "Rae", "familyName": "Doe"}}
    assert scim.put(f"Users/{report.json()['id']}", renamed).status_code == 200
    off = scim.patch(f"Users/{report.json()['id']}", _active(False))
    assert off.status_code == 200, off.json()
    rep = Person.objects.get(employee_id="R1")
    assert not rep.is_active and rep.manager.employee_id == "M1"
    assert not Person.objects.get(employee_id="M1").is_active
