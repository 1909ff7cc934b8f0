"""Small helpers every app's views and API endpoints share."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.template import loader
from django.utils.cache import add_never_cache_headers

from kith.core.permissions import Viewer
from kith.core.sensitive import is_personal_path


def viewer_of(request: HttpRequest) -> Viewer:
    """Who is asking: attached to every request by kith.core.middleware.ViewerMiddleware."""
    return request.viewer  # type: ignore[attr-defined]


def error_text(exc: ValidationError) -> str:
    """A service's validation error as one sentence for a flash message or an API error."""
    return " ".join(str(m) for m in exc.messages)


def field_errors(exc: ValidationError, *, default: str = "payload") -> list[dict[str, Any]]:
    """A service's validation errors field by field, in the shape of the API's own 422
    validation errors (a message without a field goes under `default`)."""
    by_field = exc.message_dict if hasattr(exc, "error_dict") else {default: exc.messages}
    return [
        {"loc": ["body", "payload", field], "msg": str(message), "type": "value_error"}
        for field, messages in by_field.items()
        for message in messages
    ]


def errors_onto(form: Any, exc: ValidationError) -> None:
    """A service's validation errors onto a form: each on its field when the form has one,
    else above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, error_text(exc))
        return
    for name, errors in exc.message_dict.items():
        for message in errors:
            form.add_error(name if name in form.fields else None, message)


# --- Security rules every response follows (wired up in kith.core.middleware) ---------------

API_PREFIX = "/api/"


def is_api_request(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def client_ip(request: HttpRequest) -> str:
    """The address a request came from, for per-client throttles. Behind
    KITH_TRUSTED_PROXY_COUNT reverse proxies it is the address the outermost of them saw (in
    X-Forwarded-For; entries further left are whatever the client claims). An IPv6 client
    counts as its /64: one host usually holds the whole network."""
    address = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.KITH_TRUSTED_PROXY_COUNT
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if proxies and len(forwarded) >= proxies and forwarded[-proxies]:
        address = forwarded[-proxies]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)


def no_store(response: HttpResponseBase) -> HttpResponseBase:
    """Neither the browser nor any proxy may keep a copy (a shared computer's back button, a
    disk cache): `Cache-Control: no-store` and its older companions."""
    add_never_cache_headers(response)
    return response


def protect_personal(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """The one rule for personal data: every answer under a path that an app registered as
    personal (kith.core.sensitive), or that carries a secret, is never stored."""
    if is_personal_path(request.path_info):
        no_store(response)
    return response


def error_response(
    request: HttpRequest, status: int, detail: str, *, retry_after: int | None = None
) -> HttpResponse:
    """An error that Kith answers before any view runs: JSON `{"detail": …}` under /api/,
    a short page elsewhere."""
    response: HttpResponse
    if is_api_request(request):
        response = JsonResponse({"detail": detail}, status=status)
    else:
        page = loader.render_to_string("core/error.html", {"status": status, "detail": detail})
        response = HttpResponse(page, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response
