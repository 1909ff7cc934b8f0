"""Bodies that are not what SCIM says a body is: a 400 invalidSyntax, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from kith.directory.models import Person

pytestmark = pytest.mark.django_db

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName": "ada@testuser.com",
    "name": {"givenName": "Ada", "familyName": "Lovelace"},
}
NOT_OBJECTS = ["[]", '[{"op": "replace", "value": {"active": false}}]', '"x"', "null", "1", "true"]


@pytest.fixture
def tolerant(scim: Any) -> Any:
    """The SCIM client, with a server error answered as a 500 instead of raised."""
    scim.client = Client(raise_request_exception=False)
    return scim


def _send(scim: Any, method: str, path: str, raw: str) -> Any:
    call = getattr(scim.client, method)
    return call(
        f"/scim/v2/{path}", data=raw, content_type="application/scim+json", headers=scim.headers
    )


@pytest.mark.parametrize("raw", NOT_OBJECTS)
def test_a_body_that_is_not_an_object_is_invalid_syntax(tolerant: Any, raw: str) -> None:
    pk = tolerant.post("Users", USER).json()["id"]
    group = tolerant.post("Groups", {"displayName": "Readers"}).json()["id"]
    for method, path in (
        ("patch", f"Users/{pk}"),
        ("patch", f"Groups/{group}"),
        ("put", f"Users/{pk}"),
        ("put", f"Groups/{group}"),
        ("post", "Users"),
        ("post", "Groups"),
        ("post", "Users/.search"),
        ("post", ".search"),
    ):
        response = _send(tolerant, method, path, raw)
        assert response.status_code == 400, (method, path, response.content)
        body = response.json()
        assert body["scimType"] == "invalidSyntax", (method, path, body)
        assert body["detail"] == "the body must be a JSON object"
    person = Person.objects.get()
    assert (person.is_active, person.full_name) == (True, "Ada Lovelace")


def test_a_patch_with_no_operations_is_invalid_syntax(tolerant: Any) -> None:
    pk = tolerant.post("Users", USER).json()["id"]
    group = tolerant.post("Groups", {"displayName": "Readers"}).json()["id"]
    for path in (f"Users/{pk}", f"Groups/{group}"):
        response = tolerant.patch(path, {"schemas": [PATCH_OP], "Operations": []})
        assert response.status_code == 400, response.content
        assert response.json()["scimType"] == "invalidSyntax"
        assert response.json()["detail"].startswith("Operations:")


@pytest.mark.parametrize(
    "operations", [None, "replace", 1, {"op": "replace"}], ids=["missing", "str", "int", "dict"]
)
def test_a_patch_whose_operations_are_not_a_list_is_a_400(tolerant: Any, operations: Any) -> None:
    pk = tolerant.post("Users", USER).json()["id"]
    body: dict[str, Any] = {"schemas": [PATCH_OP]}
    if operations is not None:
        body["Operations"] = operations
    response = tolerant.patch(f"Users/{pk}", body)
    assert response.status_code == 400, response.content
    assert Person.objects.get().is_active is True


@pytest.mark.parametrize(
    "operation",
    [1, "replace", [], {"op": 1}, {"op": "replace", "value": [1]}, {"op": "frobnicate"}],
)
def test_a_malformed_operation_is_a_400(tolerant: Any, operation: Any) -> None:
    pk = tolerant.post("Users", USER).json()["id"]
    response = tolerant.patch(f"Users/{pk}", {"schemas": [PATCH_OP], "Operations": [operation]})
    assert response.status_code == 400, response.content


@pytest.mark.parametrize(
    "query",
    [
        "userName eq 1",
        "[",
        'emails[type eq "work"].value eq 1',
        "id eq null",
        'meta.lastModified gt "x"',
    ],
)
def test_odd_filters_never_fail(tolerant: Any, query: str) -> None:
    tolerant.post("Users", USER)
    response = tolerant.client.get("/scim/v2/Users", {"filter": query}, headers=tolerant.headers)
    assert response.status_code in (200, 400), response.content
    search = _send(tolerant, "post", "Users/.search", json.dumps({"filter": query}))
    assert search.status_code in (200, 400), search.content
