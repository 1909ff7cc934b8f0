"""scim2-server's storage, over the directory: a SCIM User is a Person, a Group a ScimGroup.

scim2-server does the protocol (parsing, PATCH, filters' grammar, responses); this module
only reads and writes Kith's tables. Writes to people go through
`kith.directory.provisioning`, with the HRIS import's rules.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any, cast

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from scim2_models import (
    InvalidValueException,
    Meta,
    NotFoundException,
    Resource,
    ResourceType,
    ResponseParameters,
    ScimFilter,
    SearchRequest,
    UniquenessException,
)
from scim2_models.path import CompareOperator, Comparison
from scim2_models.path.expressions import LogicalExpr, LogicalOperator, ValuePath
from scim2_server.storage import ScimStorage, SearchPage

from kith.directory.models import OrgUnit, Person
from kith.directory.provisioning import (
    PersonInput,
    ProvisioningError,
    person_deactivate,
    person_provision,
)
from kith.scim.models import ScimGroup, ScimUser
from kith.scim.resources import (
    Address,
    Email,
    EnterpriseUser,
    Group,
    GroupMember,
    Manager,
    Name,
    UserResource,
)

# The import's column → the SCIM attribute an error names.
ATTRIBUTES = {
    "employee_id": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
    "full_name": "name",
    "first_name": "name",
    "preferred_name": "displayName",
    "email": "emails",
    "title": "title",
    "city": "addresses.locality",
    "country": "addresses.country",
    "region": "addresses.region",
    "timezone": "timezone",
    "department": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    "team": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    "manager_id": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    "id": "id",
}
GENERATED_ID_PREFIX = "scim-"


def _version(payload: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode())
    return f'W/"{digest.hexdigest()[:16]}"'


def _error(exc: ProvisioningError) -> Exception:
    attribute = ATTRIBUTES.get(exc.column, exc.column)
    if exc.conflict:
        return UniquenessException(detail=f"{attribute}: {exc.reason}")
    return InvalidValueException(detail=f"{attribute}: {exc.reason}")


class DirectoryStorage(ScimStorage):
    """Users are people, groups are ScimGroups. `via` names the token for the audit log."""

    def __init__(self, via: str = "SCIM", base_url: str = "/scim/v2") -> None:
        self.via = via
        self.base_url = base_url.rstrip("/")

    def operation(self) -> Any:
        return transaction.atomic()

    # -- Reading ----------------------------------------------------------------------------

    def get(
        self,
        resource_type: ResourceType,
        resource_id: str,
        *,
        response_parameters: ResponseParameters[Any] | None = None,
    ) -> Resource[Any]:
        pk = _pk(resource_id)
        if resource_type.name == "Group":
            group = ScimGroup.objects.filter(pk=pk).first() if pk else None
            if group is None:
                raise NotFoundException(detail=f"Group {resource_id!r} not found")
            return self._group(group)
        person = _people().filter(pk=pk).first() if pk else None
        if person is None:
            raise NotFoundException(detail=f"User {resource_id!r} not found")
        return self._user(person)

    def search(
        self,
        resource_types: list[ResourceType],
        search_request: SearchRequest[Any],
        *,
        position: Any = None,
    ) -> SearchPage:
        start = search_request.start_index_0 or 0
        count = search_request.count
        stop = None if count is None else start + count
        scim_filter = search_request.filter
        if len(resource_types) == 1 and (
            scim_filter is None or _exact(scim_filter, resource_types[0].name == "Group")
        ):
            is_group = resource_types[0].name == "Group"
            queryset = self._queryset(is_group, scim_filter)
            render = self._group if is_group else self._user
            return SearchPage(queryset.count(), [render(row) for row in queryset[start:stop]])
        # A filter the database cannot say (or a search at the root): walk the candidates
        # the database narrows down, and let scim2 decide on each.
        found: list[Resource[Any]] = []
        for resource_type in resource_types:
            is_group = resource_type.name == "Group"
            render_any = self._group if is_group else self._user
            for row in self._queryset(is_group, scim_filter).iterator(500):
                resource = render_any(row)
                if scim_filter is None or _bound(scim_filter, resource).match(resource):
                    found.append(resource)
        return SearchPage(len(found), found[start:stop])

    def _queryset(self, is_group: bool, scim_filter: ScimFilter[Any] | None) -> QuerySet[Any]:
        queryset: QuerySet[Any] = ScimGroup.objects.all() if is_group else _people()
        narrowed = _narrow(scim_filter, is_group) if scim_filter is not None else Q()
        return queryset.filter(narrowed).order_by("pk")

    # -- Writing ----------------------------------------------------------------------------

    def create(self, resource_type: ResourceType, resource: Resource[Any]) -> Resource[Any]:
        if resource_type.name == "Group":
            group = ScimGroup.objects.create(display_name=_group_name(resource))
            self._write_group(group, resource)
            return self._group(group)
        revived = self._deleted_match(resource)
        return self._write_user(revived, resource)

    def update(
        self,
        resource_type: ResourceType,
        resource: Resource[Any],
        *,
        expected_version: str | None = None,
    ) -> Resource[Any]:
        pk = _pk(resource.id or "")
        if resource_type.name == "Group":
            group = ScimGroup.objects.filter(pk=pk).first() if pk else None
            if group is None:
                raise NotFoundException(detail=f"Group {resource.id!r} not found")
            group.display_name = _group_name(resource)
            self._write_group(group, resource)
            return self._group(group)
        person = _people().filter(pk=pk).first() if pk else None
        if person is None:
            raise NotFoundException(detail=f"User {resource.id!r} not found")
        return self._write_user(person, resource)

    def delete(
        self,
        resource_type: ResourceType,
        resource_id: str,
        *,
        expected_version: str | None = None,
    ) -> None:
        pk = _pk(resource_id)
        if resource_type.name == "Group":
            deleted, _ = ScimGroup.objects.filter(pk=pk).delete() if pk else (0, {})
            if not deleted:
                raise NotFoundException(detail=f"Group {resource_id!r} not found")
            return
        person = _people().filter(pk=pk).first() if pk else None
        if person is None:
            raise NotFoundException(detail=f"User {resource_id!r} not found")
        # DELETE never deletes a person: it deactivates them, and the IdP stops seeing them.
        person_deactivate(person_id=person.pk, via=self.via)
        ScimUser.objects.update_or_create(
            person=person,
            defaults={"deleted_at": timezone.now()},
            create_defaults={"user_name": person.email, "deleted_at": timezone.now()},
        )

    # -- Users ------------------------------------------------------------------------------

    def _deleted_match(self, resource: Resource[Any]) -> Person | None:
        """A person the IdP deleted (deactivated) and now creates again comes back as
        themselves, with their history, only when it is surely them: the same externalId
        as the IdP stored, or, when it stored none, both the same email and the same
        employee number. Anyone else is a new person; the old one stays inactive (and keeps
        their email and employee id, so a new person asking for either is a 409, as in the
        import)."""
        external_id = resource.external_id or ""
        deleted = Person.objects.filter(scim_user__deleted_at__isnull=False).order_by("pk")
        if external_id:
            same = deleted.filter(scim_user__external_id=external_id).first()
            if same is not None:
                return same
        data = _user_input(resource, None)
        if not data.employee_number_sent or not data.email:
            return None
        return (
            deleted.filter(scim_user__external_id="")
            .filter(email__iexact=data.email, employee_id=data.employee_number_sent)
            .first()
        )

    def _write_user(self, person: Person | None, resource: Resource[Any]) -> Resource[Any]:
        data = _user_input(resource, person)
        try:
            outcome = person_provision(
                person_id=person.pk if person else None, values=data, via=self.via
            )
        except ProvisioningError as exc:
            raise _error(exc) from None
        scim: Any = resource
        name = scim.name if isinstance(scim.name, Name) else None
        ScimUser.objects.update_or_create(
            person_id=outcome.person_id,
            defaults={
                "user_name": scim.user_name or data.email,
                "external_id": resource.external_id or "",
                "given_name": (name.given_name or "") if name else "",
                "family_name": (name.family_name or "") if name else "",
                "display_name": scim.display_name or "",
                "timezone": data.timezone,
                "employee_number": data.employee_number_sent,
                "deleted_at": None,
            },
        )
        return self._user(_people().get(pk=outcome.person_id))

    def _user(self, person: Person) -> Resource[Any]:
        link = getattr(person, "scim_user", None)
        manager = person.manager
        enterprise = EnterpriseUser(
            employee_number=(link.employee_number or None) if link else person.employee_id,
            department=_department(person),
            manager=Manager(
                value=str(manager.pk), ref=cast(Any, f"{self.base_url}/Users/{manager.pk}")
            )
            if manager is not None
            else None,
        )
        user = UserResource(
            id=str(person.pk),
            external_id=(link.external_id or None) if link else None,
            user_name=link.user_name if link else person.email,
            name=Name(
                formatted=person.full_name,
                given_name=(link.given_name or None) if link else None,
                family_name=(link.family_name or None) if link else None,
            ),
            display_name=(link.display_name or None) if link else person.display_name,
            title=person.title or None,
            timezone=(link.timezone or None) if link else (person.timezone or None),
            active=person.is_active,
            emails=[Email(value=person.email, type="work", primary=True)],
            addresses=[
                Address(
                    locality=person.city or None,
                    region=person.region or None,
                    country=person.country or None,
                    type="work",
                    primary=True,
                )
            ]
            if person.city or person.country
            else None,
        )
        if enterprise.employee_number or enterprise.department or enterprise.manager:
            user[EnterpriseUser] = enterprise
        changed = max(person.updated_at, link.updated_at) if link else person.updated_at
        user.meta = Meta(resource_type="User", created=person.created_at, last_modified=changed)
        cast(Meta, user.meta).version = _version(user.model_dump())
        return user

    # -- Groups -----------------------------------------------------------------------------

    def _write_group(self, group: ScimGroup, resource: Resource[Any]) -> None:
        group.external_id = resource.external_id or ""
        group.save()
        ids: list[int] = []
        for member in getattr(resource, "members", None) or []:
            pk = _pk(member.value or "")
            if pk is None or not Person.objects.filter(pk=pk).exists():
                raise InvalidValueException(detail=f"members: no user has id {member.value!r}")
            ids.append(pk)
        group.members.set(ids)

    def _group(self, group: ScimGroup) -> Resource[Any]:
        members = [
            GroupMember(
                value=str(p.pk), ref=cast(Any, f"{self.base_url}/Users/{p.pk}"), type="User"
            )
            for p in group.members.order_by("pk")
        ]
        resource = Group(
            id=str(group.pk),
            external_id=group.external_id or None,
            display_name=group.display_name,
            members=members or None,
        )
        resource.meta = Meta(
            resource_type="Group", created=group.created_at, last_modified=group.updated_at
        )
        cast(Meta, resource.meta).version = _version(resource.model_dump())
        return resource


def _people() -> QuerySet[Person]:
    """Every person is a SCIM User, except those the IdP deleted."""
    return (
        Person.objects.select_related("scim_user", "manager", "org_unit")
        .exclude(scim_user__deleted_at__isnull=False)
        .order_by("pk")
    )


def _pk(resource_id: str) -> int | None:
    return int(resource_id) if resource_id.isdigit() and len(resource_id) < 19 else None


def _group_name(resource: Resource[Any]) -> str:
    name = " ".join(str(getattr(resource, "display_name", "") or "").split())
    if not name:
        raise InvalidValueException(detail="displayName: required: every group needs a name")
    if len(name) > 200:
        raise InvalidValueException(detail="displayName: longer than 200 characters")
    return name


def _department(person: Person) -> str | None:
    unit = person.org_unit
    if unit is None:
        return None
    root_id = int(unit.path.split(".")[0]) if unit.path else unit.pk
    if root_id == unit.pk:
        return unit.name
    return OrgUnit.objects.filter(pk=root_id).values_list("name", flat=True).first()


def _pick(items: list[Any] | None) -> Any:
    """The primary entry of a multi-valued attribute, else the work one, else the first."""
    if not items:
        return None
    for item in items:
        if item.primary:
            return item
    for item in items:
        if str(item.type or "").lower() == "work":
            return item
    return items[0]


def _enterprise(resource: Resource[Any]) -> EnterpriseUser | None:
    try:
        return cast(EnterpriseUser | None, resource[EnterpriseUser])
    except (KeyError, TypeError):
        return None


def _user_input(resource: Resource[Any], person: Person | None) -> PersonInput:
    email_entry = _pick(getattr(resource, "emails", None))
    email = str(email_entry.value or "") if email_entry else ""
    user_name = str(getattr(resource, "user_name", "") or "")
    if not email and "@" in user_name:
        email = user_name
    name = getattr(resource, "name", None)
    full_name = ""
    if name is not None:
        full_name = name.formatted or " ".join(
            part for part in (name.given_name, name.family_name) if part
        )
    display_name = str(getattr(resource, "display_name", "") or "")
    full_name = full_name or display_name
    enterprise = _enterprise(resource)
    employee_number = (enterprise.employee_number if enterprise else None) or ""
    employee_id = employee_number or (
        person.employee_id if person else GENERATED_ID_PREFIX + secrets.token_hex(6)
    )
    address = _pick(getattr(resource, "addresses", None))
    manager_id: int | None = None
    if enterprise is not None and enterprise.manager is not None and enterprise.manager.value:
        manager_id = _pk(enterprise.manager.value)
        if manager_id is None:
            raise InvalidValueException(
                detail=f"{ATTRIBUTES['manager_id']}: no user has id {enterprise.manager.value!r}"
            )
    return PersonInput(
        employee_id=employee_id,
        email=email,
        full_name=full_name,
        active=resource.active is not False if hasattr(resource, "active") else True,
        preferred_name=display_name if display_name != full_name else "",
        title=str(getattr(resource, "title", "") or ""),
        city=str(address.locality or "") if address else "",
        country=str(address.country or "") if address else "",
        region=str(address.region or "") if address else "",
        timezone=str(getattr(resource, "timezone", "") or ""),
        department=(enterprise.department or "") if enterprise else "",
        manager_id=manager_id,
        employee_number_sent=employee_number,
    )


# --- Filters ------------------------------------------------------------------------------

_USER_FIELDS = {
    "id": "pk",
    "username": "username",
    "externalid": "scim_user__external_id",
    "emails.value": "email",
    "emails": "email",
    "displayname": "display",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:employeenumber": "employee_id",
    "employeenumber": "employee_id",
}
_GROUP_FIELDS = {"id": "pk", "displayname": "display_name", "externalid": "external_id"}


def _bound(scim_filter: ScimFilter[Any], resource: Resource[Any]) -> ScimFilter[Any]:
    if scim_filter.models:
        return scim_filter
    return cast(Any, ScimFilter)[type(resource)](str(scim_filter))


def _narrow(scim_filter: ScimFilter[Any], is_group: bool) -> Q:
    """The part of a filter the database can answer (eq comparisons joined by `and`); the
    rest is checked on each candidate by scim2 itself."""
    q = Q()
    for node in _conjuncts(scim_filter.ast):
        condition = _condition(node, is_group)
        if condition is not None:
            q &= condition
    return q


def _exact(scim_filter: ScimFilter[Any], is_group: bool) -> bool:
    nodes = list(_conjuncts(scim_filter.ast))
    return bool(nodes) and all(
        isinstance(n, Comparison)
        and _condition(n, is_group) is not None
        and (is_group or _attribute_name(n) != "displayname")
        for n in nodes
    )


def _conjuncts(node: Any) -> Any:
    if isinstance(node, LogicalExpr) and node.op == LogicalOperator.and_:
        for term in node.terms:
            yield from _conjuncts(term)
    else:
        yield node


def _attribute_name(node: Any) -> str:
    text = str(node.attr_path).lower()
    # emails[type eq "work"].value: the work email is the only email Kith keeps.
    if text.startswith("emails[") and text.endswith("].value"):
        return "emails.value"
    return text


def _condition(node: Any, is_group: bool) -> Q | None:
    if isinstance(node, ValuePath) and not is_group and node.attr_path.attr.lower() == "emails":
        # emails[type eq "work" and value eq "…"]: narrowed by the value, matched by scim2.
        for term in _conjuncts(node.val_filter):
            if (
                isinstance(term, Comparison)
                and term.op == CompareOperator.eq
                and term.attr_path.attr.lower() == "value"
                and isinstance(term.value, str)
            ):
                return Q(email__iexact=term.value)
        return None
    if not isinstance(node, Comparison) or node.op != CompareOperator.eq:
        return None
    if not isinstance(node.value, str):
        return None
    fields = _GROUP_FIELDS if is_group else _USER_FIELDS
    field = fields.get(_attribute_name(node))
    value = node.value
    if field is None:
        return None
    if field == "pk":
        pk = _pk(value)
        return Q(pk=pk) if pk is not None else Q(pk__in=[])
    if field == "username":
        return Q(scim_user__user_name__iexact=value) | Q(
            scim_user__isnull=True, email__iexact=value
        )
    if field == "display":
        return Q(scim_user__display_name=value) | Q(preferred_name=value) | Q(full_name=value)
    if field in ("email", "display_name"):
        return Q(**{f"{field}__iexact": value})
    return Q(**{field: value})
