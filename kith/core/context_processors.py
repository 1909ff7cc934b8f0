from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def kith(request: HttpRequest) -> dict[str, Any]:
    viewer = getattr(request, "viewer", None)
    unread = 0
    if viewer is not None and request.user.is_authenticated and viewer.person is not None:
        from kith.notify.selectors import unread_count_for_person

        unread = unread_count_for_person(person=viewer.person)
    return {
        "viewer": viewer,
        "org_name": settings.KITH_ORG_NAME,
        "unread_notifications": unread,
    }
