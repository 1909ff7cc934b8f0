"""The JSON API root: /api/v1/, OpenAPI at /api/v1/openapi.json."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from kith.accounts.api_auth import SessionAuth, TokenAuth
from kith.bandmap.api import router as bandmap_router
from kith.celebrate.api import router as celebrate_router
from kith.communities.api import router as communities_router
from kith.connect.api import router as connect_router
from kith.core.http import error_text
from kith.core.middleware import too_big_detail
from kith.core.throttle import Throttled
from kith.directory.api import router as people_router
from kith.events.api import router as events_router
from kith.gatherings.api import router as gatherings_router
from kith.guidelines.api import router as guidelines_router
from kith.insights.api import router as insights_router
from kith.places.api import router as places_router
from kith.pulse.api import router as pulse_router
from kith.touchpoints.api import router as touchpoints_router

api = NinjaAPI(
    title="Kith API",
    version="1",
    description=(
        "Kith's JSON API. Authenticate with your browser session (send the CSRF token) or "
        "with a personal token: `Authorization: Bearer kith_…` (create one under "
        "Profile → API tokens). Every response holds only what you may see."
    ),
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
)
api.add_router("/people", people_router, tags=["people"])
api.add_router("/connect", connect_router, tags=["connect"])
api.add_router("/pulse", pulse_router, tags=["pulse"])
api.add_router("/map", bandmap_router, tags=["map"])
api.add_router("/communities", communities_router, tags=["communities"])
api.add_router("/events", events_router, tags=["events"])
api.add_router("/celebrate", celebrate_router, tags=["celebrate"])
api.add_router("/insights", insights_router, tags=["insights"])
api.add_router("/touchpoints", touchpoints_router, tags=["touchpoints"])
api.add_router("/places", places_router, tags=["places"])
api.add_router("/gatherings", gatherings_router, tags=["gatherings"])
api.add_router("/guidelines", guidelines_router, tags=["guidelines"])


@api.exception_handler(AuthenticationError)
def unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    """401 as JSON, never a redirect to the login page, with the scheme to use (RFC 9110)."""
    response = api.create_response(
        request,
        {"detail": "Sign in, or send a personal API token as a bearer token."},
        status=401,
    )
    response["WWW-Authenticate"] = 'Bearer realm="Kith API"'
    return response


# django-ninja hands exceptions it does not know to Django in production and answers a
# plain-text 500 in development; these are the client's fault, so JSON 4xx in both
# (kith.core.middleware.ApiErrorsMiddleware turns every other 4xx into JSON).
@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return api.create_response(request, {"detail": too_big_detail()}, status=413)


@api.exception_handler(SuspiciousOperation)
def bad_request(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    return api.create_response(request, {"detail": _("Bad request.")}, status=400)


@api.exception_handler(ValidationError)
def rule_broken(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """A service refused: 400 with its messages joined (services write each message to name
    its field and limit). An endpoint that answers field by field (422) catches the error
    itself and uses kith.core.http.field_errors."""
    return api.create_response(request, {"detail": error_text(exc)}, status=400)


@api.exception_handler(Throttled)
def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    response = api.create_response(request, {"detail": exc.detail}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response
