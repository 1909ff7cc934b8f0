"""Small helpers every app's views and API endpoints share."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest

from kith.core.permissions import Viewer


def viewer_of(request: HttpRequest) -> Viewer:
    """Who is asking: attached to every request by kith.core.middleware.ViewerMiddleware."""
    return request.viewer  # type: ignore[attr-defined]


def error_text(exc: ValidationError) -> str:
    """A service's validation error as one sentence for a flash message or an API error."""
    return " ".join(str(m) for m in exc.messages)
