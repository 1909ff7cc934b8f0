"""What Okta and Microsoft Entra ID send that RFC 7644 does not quite say, made standard
before scim2-server reads it (docs/scim.md, "Dialects").

- Entra capitalises PATCH ops ("Replace", "Add", "Remove").
- A `replace` with no `path` may carry dotted keys ({"name.givenName": "Ada"}) and
  extension attributes by their full URN; Okta sends {"active": false} that way.
- Booleans may arrive as strings ("False").
- Entra sets the manager as a bare id string instead of {"value": id}.
- Entra removes a group member with the member in `value` rather than in `path`.
"""

from __future__ import annotations

import re
from typing import Any

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
BOOLEAN_KEYS = {"active", "primary"}


def _boolean(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return value


def _fix_values(data: Any) -> Any:
    """String booleans under `active`/`primary`, a bare manager id, at any depth."""
    if isinstance(data, list):
        return [_fix_values(item) for item in data]
    if not isinstance(data, dict):
        return data
    fixed: dict[str, Any] = {}
    for key, value in data.items():
        name = key.rsplit(":", 1)[-1].lower()
        if name in BOOLEAN_KEYS:
            value = _boolean(value)
        elif name == "manager" and isinstance(value, str):
            value = {"value": value} if value else None
        fixed[key] = _fix_values(value)
    return fixed


def _undot(value: dict[str, Any]) -> dict[str, Any]:
    """{"name.givenName": "Ada", "urn:…:User:department": "R&D"} →
    {"name": {"givenName": "Ada"}, "urn:…:User": {"department": "R&D"}}."""
    result: dict[str, Any] = {}
    for key, item in value.items():
        schema = ""
        attribute = key
        if key.lower().startswith("urn:"):
            schema, _, attribute = key.rpartition(":")
            if schema.lower() == "urn:ietf:params:scim:schemas:core:2.0:user":
                schema = ""
        parts = attribute.split(".")
        target = result.setdefault(schema, {}) if schema else result
        for part in parts[:-1]:
            nested = target.setdefault(part, {})
            if not isinstance(nested, dict):
                nested = target[part] = {}
            target = nested
        leaf = parts[-1]
        if isinstance(item, dict) and isinstance(target.get(leaf), dict):
            target[leaf].update(item)
        else:
            target[leaf] = item
    return result


def resource_body(data: Any, *, creating: bool) -> Any:
    """A POST or PUT body. Okta's app-wizard integrations may send only `userName` (the
    email): it is the work email then. A new user with no `active` is active (RFC 7643)."""
    data = _fix_values(data)
    if not isinstance(data, dict):
        return data
    user_name = data.get("userName")
    if not data.get("emails") and isinstance(user_name, str) and "@" in user_name:
        data["emails"] = [{"value": user_name, "type": "work", "primary": True}]
    if creating and "userName" in data and data.get("active") is None:
        data["active"] = True
    return data


def patch_body(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    operations = data.get("Operations")
    if not isinstance(operations, list):
        return data
    fixed: list[Any] = []
    for operation in operations:
        if not isinstance(operation, dict):
            fixed.append(operation)
            continue
        operation = dict(operation)
        if isinstance(operation.get("op"), str):
            operation["op"] = operation["op"].lower()
        path = operation.get("path")
        value = operation.get("value")
        if not path and isinstance(value, dict):
            operation["value"] = _fix_values(_undot(value))
        elif isinstance(path, str):
            name = path.rsplit(":", 1)[-1].lower()
            if name in BOOLEAN_KEYS:
                operation["value"] = _boolean(value)
            elif name == "manager" and isinstance(value, str):
                operation["value"] = {"value": value} if value else None
                if not value:
                    operation = {"op": "remove", "path": path}
            else:
                operation["value"] = _fix_values(value)
            if operation["op"] == "remove" and path == "members" and isinstance(value, list):
                # Entra: {"op": "Remove", "path": "members", "value": [{"value": "id"}]}
                for member in value:
                    if isinstance(member, dict) and isinstance(member.get("value"), str):
                        member_id = member["value"].replace('"', "")
                        fixed.append({"op": "remove", "path": f'members[value eq "{member_id}"]'})
                continue
        if operation.get("op") == "remove":
            operation.pop("value", None)
        fixed.append(operation)
    return {**data, "Operations": fixed}


_SUB_ATTRIBUTE_AFTER_SELECTION = re.compile(
    r'(\w+)\[([^\]]*)\]\.(\w+)\s+(eq|ne|co|sw|ew|gt|ge|lt|le)\s+("(?:[^"\\]|\\.)*"|\S+)',
    re.IGNORECASE,
)


def filter_text(text: str) -> str:
    """Entra's `emails[type eq "work"].value eq "a@b.c"` is not RFC 7644 grammar; the same
    question in the grammar is `emails[type eq "work" and value eq "a@b.c"]`."""
    return _SUB_ATTRIBUTE_AFTER_SELECTION.sub(r"\1[\2 and \3 \4 \5]", text)


# What Kith keeps (kith.scim.resources). IdPs send more (Okta a password, a locale and
# groups; Entra roles and a Microsoft group schema): anything else is dropped, never stored.
_COMMON = {"schemas", "id", "externalid", "meta"}
KEPT = {
    "Users": _COMMON
    | {"username", "name", "displayname", "title", "timezone", "active", "emails", "addresses"}
    | {ENTERPRISE.lower()},
    "Groups": _COMMON | {"displayname", "members"},
}
KEPT_ENTERPRISE = {"employeenumber", "department", "manager"}
KNOWN_SCHEMAS = {
    "urn:ietf:params:scim:schemas:core:2.0:user",
    "urn:ietf:params:scim:schemas:core:2.0:group",
    ENTERPRISE.lower(),
    "urn:ietf:params:scim:api:messages:2.0:patchop",
}


def _kept_keys(data: dict[str, Any], kind: str) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key, value in data.items():
        if key.lower() not in KEPT[kind]:
            continue
        if key.lower() == ENTERPRISE.lower() and isinstance(value, dict):
            value = {k: v for k, v in value.items() if k.lower() in KEPT_ENTERPRISE}
        if key == "schemas" and isinstance(value, list):
            value = [s for s in value if isinstance(s, str) and s.lower() in KNOWN_SCHEMAS]
        kept[key] = value
    return kept


def _root_attribute(path: str) -> str:
    lowered = path.lower()
    if lowered == ENTERPRISE.lower():
        return lowered
    if lowered.startswith(ENTERPRISE.lower() + ":"):
        rest = lowered[len(ENTERPRISE) + 1 :]
        return ENTERPRISE.lower() if rest.split(".")[0] in KEPT_ENTERPRISE else ""
    if lowered.startswith("urn:ietf:params:scim:schemas:core:2.0:"):
        lowered = lowered.rpartition(":")[2]
    return re.split(r"[.\[]", lowered, maxsplit=1)[0]


def kept_only(data: Any, kind: str, *, patch: bool) -> Any:
    """`kind` is the endpoint, "Users" or "Groups"; other endpoints are left as they are."""
    if kind not in KEPT or not isinstance(data, dict):
        return data
    if not patch:
        return _kept_keys(data, kind)
    operations = data.get("Operations")
    if not isinstance(operations, list):
        return data
    kept: list[Any] = []
    for operation in operations:
        if not isinstance(operation, dict):
            kept.append(operation)
            continue
        path = operation.get("path")
        if isinstance(path, str) and path:
            if _root_attribute(path) in KEPT[kind]:
                kept.append(operation)
        elif isinstance(operation.get("value"), dict):
            value = _kept_keys(operation["value"], kind)
            if value:
                kept.append({**operation, "value": value})
        else:
            kept.append(operation)
    return {**data, "Operations": kept}
