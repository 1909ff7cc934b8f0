"""Literal request bodies from Okta's and Microsoft Entra ID's SCIM documentation, replayed
through Django's test client, and the rules that hold whoever sends them."""

from __future__ import annotations

from typing import Any

import pytest

from kith.accounts.models import User as Login
from kith.core.models import AuditEvent
from kith.directory.models import OrgUnit, Person
from kith.scim.models import ScimToken, ScimUser

pytestmark = pytest.mark.django_db

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

# Okta, "SCIM 2.0 protocol reference" (developer.okta.com/docs/api/openapi/okta-scim/guides/
# scim-20): Create a user. The one change: Okta's "okta.example" is a reserved domain, which the
# import's email check (rightly) refuses as a work email; "okta.example" stands in for it.
OKTA_CREATE = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName": "test.user@okta.example",
    "name": {"givenName": "Test", "familyName": "User"},
    "emails": [{"primary": True, "value": "test.user@okta.example", "type": "work"}],
    "displayName": "Test User",
    "locale": "en-US",
    "externalId": "00ujl29u0le5T6Aj10h7",
    "groups": [],
    "password": "1mz050nq",
    "active": True,
}
# Okta: Update a specific user (PATCH), deactivation.
OKTA_DEACTIVATE = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{"op": "replace", "value": {"active": False}}],
}

# Microsoft Entra ID, "Tutorial: Develop and plan provisioning for a SCIM endpoint"
# (learn.microsoft.com/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups):
# Create User.
ENTRA_CREATE = {
    "schemas": [
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    ],
    "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
    "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
    "active": True,
    "emails": [{"primary": True, "type": "work", "value": "Test_User_fd0ea19b@testuser.com"}],
    "meta": {"resourceType": "User"},
    "name": {
        "formatted": "givenName familyName",
        "familyName": "familyName",
        "givenName": "givenName",
    },
    "roles": [],
}
# Entra: Update User [Multi-valued properties], with its capitalised op.
ENTRA_UPDATE_MULTI = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [
        {
            "op": "Replace",
            "path": 'emails[type eq "work"].value',
            "value": "updatedEmail@microsoft.com",
        },
        {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
    ],
}
# Entra: Disable User.
ENTRA_DISABLE = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{"op": "Replace", "path": "active", "value": False}],
}
# Entra's "Microsoft Entra ID SCIM compliance" notes: a no-path replace with dotted keys and
# string booleans (the behaviour before the aadOptscim062020 flag).
ENTRA_NO_PATH = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [
        {
            "op": "Replace",
            "value": {"active": "False", "name.givenName": "Ada", "title": "Engineer"},
        }
    ],
}


def _login(email: str) -> Login | None:
    return Login.objects.filter(email__iexact=email).first()


def test_okta_create_then_deactivate_never_deletes(scim: Any) -> None:
    assert (
        scim.get("Users?filter=userName%20eq%20%22test.user%40okta.example%22").json()[
            "totalResults"
        ]
        == 0
    )
    created = scim.post("Users", OKTA_CREATE)
    assert created.status_code == 201, created.json()
    assert created["Content-Type"].startswith("application/scim+json")
    body = created.json()
    person = Person.objects.get(pk=int(body["id"]))
    assert (person.email, person.full_name, person.is_active) == (
        "test.user@okta.example",
        "Test User",
        True,
    )
    assert body["externalId"] == "00ujl29u0le5T6Aj10h7"
    assert "password" not in body
    assert _login("test.user@okta.example").is_active
    found = scim.get("Users?filter=userName%20eq%20%22test.user%40okta.example%22").json()
    assert found["totalResults"] == 1 and found["Resources"][0]["id"] == body["id"]

    response = scim.patch(f"Users/{body['id']}", OKTA_DEACTIVATE)
    assert response.status_code == 200, response.json()
    assert response.json()["active"] is False
    person.refresh_from_db()
    assert person.is_active is False
    assert _login("test.user@okta.example").is_active is False
    assert Person.objects.filter(pk=person.pk).exists()


def test_entra_style_deactivation_deactivates_the_person_and_their_login(scim: Any) -> None:
    created = scim.post("Users", ENTRA_CREATE)
    assert created.status_code == 201, created.json()
    pk = int(created.json()["id"])
    assert _login("test_user_fd0ea19b@testuser.com").is_active
    # Entra looks people up by each of these before it writes.
    for query in (
        'userName eq "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1"',
        'externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"',
        'emails[type eq "work"].value eq "Test_User_fd0ea19b@testuser.com"',
        'userName eq "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1" and '
        'externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"',
    ):
        found = scim.client.get("/scim/v2/Users", {"filter": query}, headers=scim.headers).json()
        assert [r["id"] for r in found["Resources"]] == [str(pk)], query

    response = scim.patch(f"Users/{pk}", ENTRA_DISABLE)
    assert response.status_code == 200, response.json()
    person = Person.objects.get(pk=pk)
    assert person.is_active is False
    assert _login("test_user_fd0ea19b@testuser.com").is_active is False


def test_entra_multi_valued_update_and_no_path_dotted_string_booleans(scim: Any) -> None:
    pk = scim.post("Users", ENTRA_CREATE).json()["id"]
    response = scim.patch(f"Users/{pk}", ENTRA_UPDATE_MULTI)
    assert response.status_code == 200, response.json()
    person = Person.objects.get(pk=pk)
    assert person.email == "updatedemail@microsoft.com"
    assert person.full_name == "givenName familyName"  # name.formatted is the full name
    assert response.json()["name"]["familyName"] == "updatedFamilyName"
    # The new address can sign in, the old one cannot (decision 0003), and it is audited.
    assert _login("updatedemail@microsoft.com").is_active
    assert _login("test_user_fd0ea19b@testuser.com").is_active is False
    assert AuditEvent.objects.filter(action="directory.email_changed").exists()

    response = scim.patch(f"Users/{pk}", ENTRA_NO_PATH)
    assert response.status_code == 200, response.json()
    person.refresh_from_db()
    assert (person.is_active, person.title) == (False, "Engineer")
    assert response.json()["name"]["givenName"] == "Ada"


def test_string_booleans_and_capitalised_ops_on_post_and_patch(scim: Any) -> None:
    body = {**OKTA_CREATE, "active": "True"}
    created = scim.post("Users", body)
    assert created.status_code == 201, created.json()
    assert created.json()["active"] is True


def test_enterprise_department_and_manager_place_the_person(scim: Any) -> None:
    boss = scim.post(
        "Users",
        {
            **OKTA_CREATE,
            "userName": "boss@example.com",
            "emails": [{"value": "boss@example.com", "primary": True}],
            ENTERPRISE: {"employeeNumber": "B-1", "department": "Engineering"},
        },
    ).json()
    report = scim.post(
        "Users",
        {
            **OKTA_CREATE,
            "userName": "rae@example.com",
            "emails": [{"value": "rae@example.com", "primary": True}],
            "addresses": [{"locality": "Lisbon", "country": "Portugal", "type": "work"}],
            ENTERPRISE: {
                "employeeNumber": "R-1",
                "department": "Engineering",
                "manager": {"value": boss["id"]},
            },
        },
    )
    assert report.status_code == 201, report.json()
    person = Person.objects.select_related("org_unit", "manager").get(employee_id="R-1")
    assert person.org_unit == OrgUnit.objects.get(name="Engineering", parent=None)
    assert person.manager_id == int(boss["id"])
    assert (person.city, person.country, person.timezone) == ("Lisbon", "PT", "Europe/Lisbon")
    # Entra sets a manager as a bare id.
    other = scim.post(
        "Users",
        {**OKTA_CREATE, "userName": "o@example.com", "emails": [{"value": "o@example.com"}]},
    ).json()
    response = scim.patch(
        f"Users/{other['id']}",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": boss["id"]},
                {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": "Sales"},
            ],
        },
    )
    assert response.status_code == 200, response.json()
    assert Person.objects.get(pk=other["id"]).manager_id == int(boss["id"])
    # A circle of managers is refused, naming the attribute.
    circle = scim.patch(
        f"Users/{boss['id']}",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                {"op": "replace", "path": f"{ENTERPRISE}:manager", "value": report.json()["id"]}
            ],
        },
    )
    assert circle.status_code == 400
    assert circle.json()["scimType"] == "invalidValue"
    assert circle.json()["detail"].startswith(f"{ENTERPRISE}:manager:")


@pytest.mark.parametrize(
    ("change", "attribute"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone: unknown time zone"),
        ({"addresses": [{"locality": "Atlantis", "country": "PT"}]}, "addresses.locality:"),
        ({"addresses": [{"country": "Narnia"}]}, "addresses.country: unknown country"),
        ({"name": {"givenName": " "}, "displayName": ""}, "name: required"),
        ({"title": "x" * 201}, "title: longer than 200"),
    ],
)
def test_bad_input_names_the_attribute(scim: Any, change: dict[str, Any], attribute: str) -> None:
    response = scim.post("Users", {**OKTA_CREATE, **change})
    assert response.status_code == 400, response.json()
    assert response.json()["scimType"] == "invalidValue"
    assert response.json()["detail"].startswith(attribute), response.json()["detail"]
    assert not Person.objects.exists()


def test_a_taken_email_is_a_uniqueness_conflict(scim: Any) -> None:
    assert scim.post("Users", OKTA_CREATE).status_code == 201
    again = scim.post("Users", {**OKTA_CREATE, "userName": "other", "externalId": "x"})
    assert again.status_code == 409
    assert again.json()["scimType"] == "uniqueness"
    assert again.json()["detail"].startswith("emails:")


def test_delete_deactivates_and_a_new_post_brings_the_same_person_back(scim: Any) -> None:
    pk = scim.post("Users", OKTA_CREATE).json()["id"]
    assert scim.delete(f"Users/{pk}").status_code == 204
    person = Person.objects.get(pk=pk)
    assert person.is_active is False
    assert _login(person.email).is_active is False
    assert scim.get(f"Users/{pk}").status_code == 404
    again = scim.post("Users", OKTA_CREATE)
    assert again.status_code == 201, again.json()
    assert again.json()["id"] == pk
    person.refresh_from_db()
    assert person.is_active is True
    assert not ScimUser.objects.filter(deleted_at__isnull=False).exists()


def test_people_imported_before_are_found_by_email(scim: Any) -> None:
    Person.objects.create(employee_id="E1", full_name="Ada Lovelace", email="ada@example.com")
    found = scim.get("Users?filter=userName%20eq%20%22ADA%40example.com%22").json()
    assert found["totalResults"] == 1
    assert (
        found["Resources"][0]["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"][
            "employeeNumber"
        ]
        == "E1"
    )


def test_pagination_is_one_based(scim: Any) -> None:
    for n in range(5):
        Person.objects.create(employee_id=f"E{n}", full_name=f"P {n}", email=f"p{n}@example.com")
    page = scim.get("Users?startIndex=2&count=2").json()
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (5, 2, 2)
    assert [r["employeeNumber"] for r in (x[ENTERPRISE] for x in page["Resources"])] == ["E1", "E2"]


def test_groups_with_members_and_entra_member_removal(scim: Any) -> None:
    a = scim.post("Users", OKTA_CREATE).json()["id"]
    b = scim.post(
        "Users",
        {**OKTA_CREATE, "userName": "b@example.com", "emails": [{"value": "b@example.com"}]},
    ).json()["id"]
    # Entra, "Create Group".
    group = scim.post(
        "Groups",
        {
            "schemas": [
                "urn:ietf:params:scim:schemas:core:2.0:Group",
                "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group",
            ],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "displayName",
            "meta": {"resourceType": "Group"},
        },
    )
    assert group.status_code == 201, group.json()
    gid = group.json()["id"]
    added = scim.patch(
        f"Groups/{gid}",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "Add", "path": "members", "value": [{"value": a}, {"value": b}]}],
        },
    )
    assert added.status_code == 200, added.json()
    # Entra, "Update Group [Remove Members]": the member in value, not in path.
    removed = scim.patch(
        f"Groups/{gid}",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                {"op": "Remove", "path": "members", "value": [{"$ref": None, "value": a}]}
            ],
        },
    )
    assert removed.status_code == 200, removed.json()
    assert [m["value"] for m in removed.json()["members"]] == [b]
    found = scim.get("Groups?filter=displayName%20eq%20%22displayName%22").json()
    assert found["totalResults"] == 1


def test_discovery_endpoints(scim: Any) -> None:
    for path in ("ServiceProviderConfig", "Schemas", "ResourceTypes", "ResourceTypes/User"):
        response = scim.get(path)
        assert response.status_code == 200, path
        assert response["Content-Type"].startswith("application/scim+json")


def test_the_token_is_stored_only_as_a_hash(scim_token: str) -> None:
    dump = repr(list(ScimToken.objects.values()))
    assert scim_token not in dump
    assert scim_token[:20] not in dump


def test_a_patch_only_about_attributes_kith_does_not_keep_changes_nothing(scim: Any) -> None:
    pk = scim.post("Users", OKTA_CREATE).json()["id"]
    response = scim.patch(
        f"Users/{pk}",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "locale", "value": "pt-PT"}],
        },
    )
    assert response.status_code == 200, response.json()
    assert "locale" not in response.json()


def test_apps_hear_of_people_added_and_left(
    scim: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from kith.directory import hooks

    added: list[list[int]] = []
    left: list[list[int]] = []
    hooks.register_people_added(added.append, key="scim-test-added")
    hooks.register_people_left(left.append, key="scim-test-left")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            pk = int(scim.post("Users", OKTA_CREATE).json()["id"])
        with django_capture_on_commit_callbacks(execute=True):
            scim.patch(f"Users/{pk}", ENTRA_DISABLE)
        with django_capture_on_commit_callbacks(execute=True):
            scim.patch(f"Users/{pk}", ENTRA_DISABLE)  # already inactive: nobody hears again
    finally:
        hooks._people_added.pop("scim-test-added", None)
        getattr(hooks, "_people_left", {}).pop("scim-test-left", None)
    assert added == [[pk]]
    assert left == [[pk]]
