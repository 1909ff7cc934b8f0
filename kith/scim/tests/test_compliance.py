"""scim2-tester's whole suite against Kith's WSGI app, in process."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import pytest
from django.core.wsgi import get_wsgi_application
from pydantic import Field
from scim2_client.engines.wsgi import WSGISCIMClient
from scim2_models import Required, ResourceType, ScimProvider, Uniqueness
from scim2_tester import Status, check_server

from kith.scim import resources


class _FreshWorkEmails(list[str]):
    """What scim2-tester picks a userName from: a new work email at every pick (an IdP's
    userName is the sign-in email), so the people it makes never share one."""

    def __len__(self) -> int:
        return 1_000_000

    def __getitem__(self, index: Any) -> Any:
        return f"tester-{uuid.uuid4().hex[:16]}@example.com"


class CheckedName(resources.Name):
    formatted: str | None = Field(None, examples=["Ada Lovelace", "Grace Hopper"])
    family_name: str | None = Field(None, examples=["Lovelace", "Hopper"])
    given_name: Annotated[str | None, Required.true] = Field(None, examples=["Ada", "Grace"])


class CheckedEmail(resources.Email):
    primary: bool | None = Field(None, examples=[True])


class CheckedAddress(resources.Address):
    locality: str | None = Field(None, examples=["Lisbon"])
    region: str | None = Field(None, examples=["11"])
    country: str | None = Field(None, examples=["PT"])
    primary: bool | None = Field(None, examples=[True])


class CheckedUser(resources.User):
    """Kith's User with values the directory accepts: a fresh work email as userName, a real
    city, country and time zone, and active people (an inactive manager is refused, as in
    the HRIS import)."""

    user_name: Annotated[str | None, Uniqueness.server, Required.true] = Field(
        None, examples=_FreshWorkEmails(["x"])
    )
    name: Annotated[CheckedName | None, Required.true] = None
    timezone: str | None = Field(None, examples=["Europe/Lisbon", "America/New_York"])
    active: Annotated[bool | None, Required.true] = Field(None, examples=[True])
    emails: Annotated[list[CheckedEmail] | None, Required.true] = None  # type: ignore[assignment]
    addresses: list[CheckedAddress] | None = None  # type: ignore[assignment]


def checked_provider() -> ScimProvider:
    return ScimProvider(
        models=[CheckedUser, resources.EnterpriseUser, resources.Group],
        resource_types=[
            ResourceType.from_resource(CheckedUser[resources.EnterpriseUser]),
            ResourceType.from_resource(resources.Group),
        ],
        config=resources.service_provider_config(),
    )


pytestmark = pytest.mark.django_db(transaction=True)


def test_scim2_tester_passes_every_check(scim_token: str) -> None:
    # The client knows Kith's models (with their examples: a real city, country and time
    # zone, a work email as userName), exactly as Kith publishes them at /Schemas.
    client = WSGISCIMClient(
        get_wsgi_application(),
        base_url="http://testserver/scim/v2",
        provider=checked_provider(),
        headers={"Authorization": f"Bearer {scim_token}"},
    )
    results = check_server(client)
    failed = [r for r in results if r.status not in (Status.SUCCESS, Status.SKIPPED)]
    report = "\n".join(f"{r.status.name} {r.resource_type} {r.title}: {r.reason}" for r in failed)
    assert not failed, f"{len(failed)} of {len(results)} checks failed:\n{report}"
    assert sum(r.status == Status.SUCCESS for r in results) >= 80


def test_the_published_schemas_are_the_models_the_tester_uses(scim: Any) -> None:
    response = scim.get("Schemas")
    assert response.status_code == 200
    ids = {s["id"] for s in response.json()["Resources"]}
    assert ids == {
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:core:2.0:Group",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    }
    user = next(
        s
        for s in response.json()["Resources"]
        if s["id"] == "urn:ietf:params:scim:schemas:core:2.0:User"
    )
    names = {a["name"] for a in user["attributes"]}
    assert "phoneNumbers" not in names and "password" not in names
