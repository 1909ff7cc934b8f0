from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from kith.core import throttle
from kith.core.http import client_ip, error_response, is_api_request, protect_personal
from kith.core.permissions import viewer_for_user
from kith.core.sensitive import is_secret_path, remember_request_secrets

# Paths that authenticate on their own (API tokens) or must answer without a session.
OPEN_PREFIXES = ("/api/", "/healthz", "/static/", "/jsi18n/", "/i18n/")


class ViewerMiddleware:
    """Attaches request.viewer and shows every time in the viewer's own time zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.viewer = SimpleLazyObject(lambda: viewer_for_user(request.user))  # type: ignore[attr-defined]
        tz_name = ""
        if request.user.is_authenticated:
            person = request.viewer.person  # type: ignore[attr-defined]
            tz_name = person.timezone if person else ""
        try:
            timezone.activate(zoneinfo.ZoneInfo(tz_name)) if tz_name else timezone.deactivate()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        return self.get_response(request)


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every page needs a login except the login pages (marked by allauth) and OPEN_PREFIXES."""

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponseBase | None:
        if request.path.startswith(OPEN_PREFIXES):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


# --- The JSON API answers every error in JSON ---------------------------------------------------

# Headers of an error that say how to do better; kept when the body becomes JSON.
_KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After", "Vary", "Cache-Control", "Expires")


def _api_error_detail(request: HttpRequest, response: HttpResponseBase) -> str:
    status = response.status_code
    if status == 405:
        return _("%(method)s is not allowed here; use %(allowed)s.") % {
            "method": request.method,
            "allowed": response.get("Allow", "") or _("another method"),
        }
    if status == 413:
        return too_big_detail()
    details = {
        400: _("Bad request."),
        401: _("Sign in, or send a personal API token as a bearer token."),
        403: _("You may not do that."),
        404: _("Not found."),
        415: _("Unsupported media type: send JSON."),
        429: _("Too many requests: try again later."),
    }
    if status in details:
        return details[status]
    try:
        return f"{HTTPStatus(status).phrase}."
    except ValueError:  # a status without a standard name
        return _("The request failed.")


def too_big_detail() -> str:
    return _("The request body is too large: the limit is %(limit)d bytes.") % {
        "limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    }


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class ApiErrorsMiddleware:
    """Under /api/ every 4xx is JSON `{"detail": …}`, in production and in development: the
    404 of an unknown address, the 405 of a wrong method, the 400 Django answers for a bad
    request and the 413 of a body over DATA_UPLOAD_MAX_MEMORY_SIZE. Outermost, so that it
    sees the errors of every other middleware too. A body declared too large is refused
    before anything reads it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not is_api_request(request):
            return self.get_response(request)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and _declared_length(request) > limit:
            return JsonResponse({"detail": too_big_detail()}, status=413)
        response = self.get_response(request)
        if 400 <= response.status_code < 500 and not _is_json(response):
            return self._as_json(request, response)
        return response

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        """A view outside the API framework that reads a body too large, or meets another
        bad request: JSON here too (Django would answer an HTML 400)."""
        if not is_api_request(request):
            return None
        if isinstance(exc, RequestDataTooBig):
            return JsonResponse({"detail": too_big_detail()}, status=413)
        if isinstance(exc, SuspiciousOperation):
            return JsonResponse({"detail": _("Bad request.")}, status=400)
        return None

    def _as_json(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        converted = JsonResponse(
            {"detail": _api_error_detail(request, response)}, status=response.status_code
        )
        for header in _KEPT_HEADERS:
            if header in response:
                converted[header] = response[header]
        return converted


def _is_json(response: HttpResponseBase) -> bool:
    return response.get("Content-Type", "").split(";")[0].strip().endswith("json")


# --- Secret and personal paths -----------------------------------------------------------------


class SensitivePathsMiddleware:
    """The rules for the paths apps register in kith.core.sensitive.

    A path that carries a secret (a personal survey link, a calendar feed, a survey by token
    in the API) is throttled per client address in the shared cache: so many requests a
    minute, and far fewer unknown tokens (404) per ten minutes; once a client has used up its
    wrong guesses, even a right token answers 429 until the window ends, so guessing gains
    nothing. Every answer on a personal or secret path gets `Cache-Control: no-store`.
    The path's secrets are remembered for the log mask while the request is served.
    Early in the chain, so a throttled request costs no session or database work."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        # Not reset on the way out: Django logs the request's outcome after the middleware.
        remember_request_secrets(request.path_info)
        if not is_secret_path(request.path_info):
            return protect_personal(request, self.get_response(request))
        who = client_ip(request)
        if throttle.is_exhausted("token_failed", who):
            return protect_personal(request, _too_many(request, "token_failed"))
        if not throttle.hit("secret_path", who):
            return protect_personal(request, _too_many(request, "secret_path"))
        response = self.get_response(request)
        if response.status_code == 404:  # an unknown, revoked or someone else's token
            throttle.hit("token_failed", who)
        return protect_personal(request, response)


def _too_many(request: HttpRequest, scope: str) -> HttpResponse:
    exc = throttle.Throttled(scope, throttle.retry_after(scope))
    return error_response(request, 429, exc.detail, retry_after=exc.retry_after)
