from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from kith.core.registry import page_context


def kith(request: HttpRequest) -> dict[str, Any]:
    """The viewer and the organisation's name, plus what apps registered for every page
    (the unread notification count, from the notify app)."""
    viewer = getattr(request, "viewer", None)
    context: dict[str, Any] = {"viewer": viewer, "org_name": settings.KITH_ORG_NAME}
    if viewer is not None:
        context.update(page_context(request, viewer))
    return context
