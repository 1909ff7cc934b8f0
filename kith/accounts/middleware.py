"""The language a signed-in person chose wins over their browser's (docs/i18n.md).

Placed after AuthenticationMiddleware (LocaleMiddleware, earlier, has already picked the
browser's language or the switcher's cookie). It also remembers the language Kith showed a
person who chose none, so emails and chat messages written for them later (by the worker,
with no browser to ask) are in that language; and the footer's language switcher, used by a
signed-in person, becomes their choice.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation

from kith.accounts import services


class PreferredLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in:
            if user.language in dict(settings.LANGUAGES):  # type: ignore[union-attr]
                translation.activate(user.language)  # type: ignore[union-attr]
                request.LANGUAGE_CODE = user.language  # type: ignore[union-attr]
            else:
                seen = translation.get_language() or settings.LANGUAGE_CODE
                services.user_language_seen(user=user, language=seen)  # type: ignore[arg-type]
        response = self.get_response(request)
        if signed_in and _switched_language(request, response):
            language = request.POST.get("language", "")
            services.user_language_set(user=user, language=language)  # type: ignore[arg-type]
        return response


def _switched_language(request: HttpRequest, response: HttpResponse) -> bool:
    """The footer's switcher (Django's set_language) accepted a language."""
    return (
        request.method == "POST"
        and request.path == reverse("set_language")
        and response.status_code in (200, 204, 302)
        and request.POST.get("language", "") in dict(settings.LANGUAGES)
    )
