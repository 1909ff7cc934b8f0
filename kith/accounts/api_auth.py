"""API authentication: a personal bearer token, or the browser session (with CSRF)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth
from ninja.utils import check_csrf

from kith.accounts.models import ApiToken
from kith.accounts.services import api_token_authenticate
from kith.core import throttle
from kith.core.http import client_ip
from kith.core.permissions import viewer_for_user

MAX_TOKEN_LENGTH = 200


def _attach(request: HttpRequest, user: Any) -> Any:
    """The login becomes the request's user and viewer. A session's login already is both
    (kith.core.middleware.ViewerMiddleware): its viewer is kept, not looked up again."""
    if getattr(request, "user", None) is not user or not hasattr(request, "viewer"):
        request.user = user
        request.viewer = viewer_for_user(user)  # type: ignore[attr-defined]
    return user


class TokenAuth(HttpBearer):
    """`Authorization: Bearer kith_…`. Any other header is passed on to the session check,
    and never logged (ninja's own version logs it in DEBUG, credentials included)."""

    def __call__(self, request: HttpRequest) -> Any | None:
        scheme, _, token = request.headers.get(self.header, "").partition(" ")
        if scheme.lower() != self.openapi_scheme or not token.strip():
            return None
        return self.authenticate(request, token)

    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        """Wrong tokens count against the client's address in the shared cache; once it has
        used them up, even a right one waits (so guessing gains nothing), and each token has
        its own ceiling of calls (kith.core.throttle)."""
        token = token.strip()
        if not token.startswith(ApiToken.PREFIX) or len(token) > MAX_TOKEN_LENGTH:
            return None
        who = client_ip(request)
        if throttle.is_exhausted("token_failed", who):
            raise throttle.Throttled("token_failed", throttle.retry_after("token_failed"))
        user = api_token_authenticate(token)
        if user is None:
            throttle.hit("token_failed", who)
            return None
        throttle.check("api_token", token)
        return _attach(request, user)


class SessionAuth(NinjaSessionAuth):
    """The browser session. CSRF is checked only once a session is known to be signed in, so
    a request without any credentials gets 401 (not a CSRF 403) whatever its method."""

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:
        user = request.user
        if not (user.is_authenticated and user.is_active):
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, _("CSRF check failed: send the X-CSRFToken header."))
        return _attach(request, user)
