"""The SCIM schemas Kith serves: only the attributes the directory keeps.

A trimmed copy of RFC 7643's User, Group and enterprise extension. Publishing an attribute
Kith does not store would make an IdP believe it is kept (and a compliance test see it lost),
so phone numbers, photos, IMs, roles and the rest are simply not in the schema. The
tests give scim2-tester subclasses with examples (a real city, country and time zone).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, cast

from pydantic import EmailStr, Field
from scim2_models import (
    URN,
    AuthenticationScheme,
    Bulk,
    CaseExact,
    ChangePassword,
    ComplexAttribute,
    ETag,
    Extension,
    Filter,
    Mutability,
    Patch,
    Reference,
    Required,
    Resource,
    ResourceType,
    ScimProvider,
    ServiceProviderConfig,
    Sort,
    Uniqueness,
)

MAX_RESULTS = 200


class Name(ComplexAttribute):
    formatted: str | None = None
    family_name: str | None = None
    given_name: Annotated[str | None, Required.true] = None


class Email(ComplexAttribute):
    value: EmailStr | None = None
    type: str | None = Field(None, examples=["work"])
    primary: bool | None = None


class Address(ComplexAttribute):
    locality: str | None = None
    region: str | None = None
    country: str | None = None
    type: str | None = Field(None, examples=["work"])
    primary: bool | None = None


class Manager(ComplexAttribute):
    value: Annotated[str | None, Required.true, CaseExact.true] = None
    ref: Reference[User] | None = Field(None, serialization_alias="$ref", validation_alias="$ref")
    display_name: Annotated[str | None, Mutability.read_only] = None


class EnterpriseUser(Extension):
    __schema__ = URN("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")

    employee_number: Annotated[str | None, Uniqueness.server] = None
    department: str | None = None
    manager: Manager | None = None


class User(Resource[Any]):
    __schema__ = URN("urn:ietf:params:scim:schemas:core:2.0:User")

    user_name: Annotated[str | None, Uniqueness.server, Required.true] = None
    name: Annotated[Name | None, Required.true] = None
    Name: ClassVar[type[ComplexAttribute]] = Name
    display_name: str | None = None
    title: str | None = None
    timezone: str | None = None
    active: Annotated[bool | None, Required.true] = None
    emails: Annotated[list[Email] | None, Required.true] = None
    Emails: ClassVar[type[ComplexAttribute]] = Email
    addresses: list[Address] | None = None
    Addresses: ClassVar[type[ComplexAttribute]] = Address


class GroupMember(ComplexAttribute):
    value: Annotated[str | None, Mutability.immutable, CaseExact.true] = None
    ref: Annotated[
        Reference[User | Group] | None,
        Mutability.immutable,
    ] = Field(None, serialization_alias="$ref", validation_alias="$ref")
    type: Annotated[str | None, Mutability.immutable] = Field(None, examples=["User"])
    display: Annotated[str | None, Mutability.read_only] = None


class Group(Resource[Any]):
    __schema__ = URN("urn:ietf:params:scim:schemas:core:2.0:Group")

    display_name: Annotated[str | None, Required.true] = None
    members: list[GroupMember] | None = None
    Members: ClassVar[type[ComplexAttribute]] = GroupMember


UserResource = cast(Any, User)[EnterpriseUser]


def service_provider_config() -> ServiceProviderConfig:
    return ServiceProviderConfig(
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_RESULTS),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=False),
        authentication_schemes=[
            AuthenticationScheme(
                type=AuthenticationScheme.Type.oauthbearertoken,
                name="Bearer token",
                description="A token made with `kith scim_token create NAME`",
                primary=True,
            )
        ],
    )


def provider() -> ScimProvider:
    return ScimProvider(
        models=[User, EnterpriseUser, Group],
        resource_types=[
            ResourceType.from_resource(UserResource),
            ResourceType.from_resource(Group),
        ],
        config=service_provider_config(),
    )
