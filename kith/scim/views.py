"""/scim/v2/…: Django in front of scim2-server's protocol handler.

Bearer-token authenticated on every path (401 with a SCIM error otherwise), CSRF-exempt (no
cookies are used), no login (the token is the client's identity), every answer
`application/scim+json`. Bodies are never logged.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from scim2_models import (
    Context,
    InvalidSyntaxException,
    Resource,
    ResponseParameters,
    SCIMException,
    UnauthorizedException,
)
from scim2_server.handler import ScimHandler
from scim2_server.requests import ScimRequest
from scim2_server.responses import ScimResponse
from scim2_server.service import ScimService

from kith.scim import dialects
from kith.scim.resources import provider
from kith.scim.storage import DirectoryStorage
from kith.scim.tokens import scim_token_authenticate

MAX_BODY_BYTES = 1024 * 1024


class KithScimService(ScimService):
    def patch_response(
        self,
        base_url: str,
        resource: Resource[Any],
        response_parameters: ResponseParameters[Any],
    ) -> ScimResponse:
        """200 with the resource, always: Okta requires it, and Entra accepts it."""
        published = self.publish(base_url, resource)
        return self.resource_response(
            published, Context.RESOURCE_REPLACEMENT_RESPONSE, response_parameters
        )

    def max_body_size(self, request: ScimRequest) -> int | None:
        return MAX_BODY_BYTES


SERVICE = KithScimService(provider())


def _bearer(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def _query(request: HttpRequest) -> dict[str, str]:
    query = {key: request.GET[key] for key in request.GET}
    if "filter" in query:
        query["filter"] = dialects.filter_text(query["filter"])
    return query


def _normalised_body(request: HttpRequest, path: str) -> tuple[bytes, bool]:
    """The body made standard (dialects) and trimmed to what Kith keeps, and whether a PATCH
    still has an operation about something Kith keeps. A body that is not a JSON object (an
    array, a string, null) and a PATCH with no operations are 400 invalidSyntax."""
    if request.method not in ("POST", "PUT", "PATCH") or not request.body:
        return request.body, True
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise InvalidSyntaxException(detail="the body is not JSON") from None
    if not isinstance(data, dict):
        raise InvalidSyntaxException(detail="the body must be a JSON object")
    kind = path.strip("/").split("/")[0]
    if request.method == "PATCH":
        if data.get("Operations") == []:
            raise InvalidSyntaxException(
                detail="Operations: a PATCH needs at least one operation (RFC 7644 §3.5.2)"
            )
        data = dialects.kept_only(dialects.patch_body(data), kind, patch=True)
        operations = data.get("Operations")
        return json.dumps(data).encode(), not (isinstance(operations, list) and not operations)
    data = dialects.resource_body(data, creating=request.method == "POST")
    data = dialects.kept_only(data, kind, patch=False)
    return json.dumps(data).encode(), True


def _response(scim: ScimResponse) -> HttpResponse:
    content = json.dumps(scim.body) if scim.body is not None else ""
    response = HttpResponse(content, status=int(scim.status))
    for key, value in scim.headers.items():
        response[key] = value
    if scim.status == HTTPStatus.NO_CONTENT:
        del response["Content-Type"]
    response.setdefault("Cache-Control", "no-store")
    return response


@csrf_exempt
@login_not_required
def scim_endpoint(request: HttpRequest, path: str = "") -> HttpResponse:
    token = scim_token_authenticate(_bearer(request))
    try:
        if token is None:
            raise UnauthorizedException(detail="a valid SCIM bearer token is required")
        base_url = request.build_absolute_uri("/scim/v2").rstrip("/")
        body, keeps_something = _normalised_body(request, path)
        method = request.method or "GET"
        if method == "PATCH" and not keeps_something:
            # Every operation was about attributes Kith does not keep: nothing changes.
            method, body = "GET", b""
        scim_request = ScimRequest(
            method=method,
            base_url=base_url,
            path="/" + path.removesuffix(".scim"),
            query=_query(request),
            headers=dict(request.headers.items()),
            body=body,
            subject=token,
        )
        storage = DirectoryStorage(via=f"SCIM token {token.name}", base_url=base_url)
        scim_response = ScimHandler(SERVICE, storage).handle(scim_request)
    except SCIMException as exc:
        scim_response = SERVICE.error_response(exc)
    return _response(scim_response)
