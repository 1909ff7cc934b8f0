from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kith.accounts import selectors, services
from kith.core.http import error_text
from kith.core.registry import personal_data_for_viewer


def _settings_page(request: HttpRequest, new_token: str | None = None) -> HttpResponse:
    context = {
        "tokens": selectors.api_tokens_for_user(request.user),  # type: ignore[arg-type]
        "new_token": new_token,
        "languages": settings.LANGUAGES,
        "chosen_language": request.user.language,  # type: ignore[union-attr]
        "nav": "account",
    }
    response = render(request, "accounts/settings.html", context)
    if new_token:
        response["Cache-Control"] = "no-store"  # the one copy of the raw token
    return response


def account_settings(request: HttpRequest) -> HttpResponse:
    return _settings_page(request)


@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    """Shows the new token in this response, once. It is never written anywhere, not even to
    the session for a redirect: only its hash is kept."""
    _, raw = services.api_token_create(user=request.user, name=request.POST.get("name", ""))  # type: ignore[arg-type]
    return _settings_page(request, new_token=raw)


@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    if services.api_token_revoke(user=request.user, token_id=token_id):  # type: ignore[arg-type]
        messages.success(request, _("The token is revoked; anything using it stops working now."))
    else:
        messages.error(request, _("That token does not exist or is already revoked."))
    return redirect("account_settings")


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """The person's language: Kith's pages, emails and chat messages use it from now on."""
    try:
        chosen = services.user_language_set(
            user=request.user,  # type: ignore[arg-type]
            language=request.POST.get("language", ""),
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("account_settings")
    if chosen:
        translation.activate(chosen)  # the confirmation in the language just chosen
        name = translation.get_language_info(chosen)["name_local"]
        messages.success(
            request,
            _("Kith speaks %(language)s to you now, in pages and messages.") % {"language": name},
        )
    else:
        messages.success(request, _("Kith follows your browser's language now."))
    return redirect("account_settings")


def my_data_export(request: HttpRequest) -> HttpResponse:
    """Everything Kith holds about the signed-in person, as JSON (transparency, DESIGN §4):
    one section from each app, registered with kith.core.registry in its AppConfig.ready."""
    data = personal_data_for_viewer(request.viewer)  # type: ignore[attr-defined]
    response = HttpResponse(
        json.dumps(data, indent=2, default=str), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="kith-my-data.json"'
    return response
