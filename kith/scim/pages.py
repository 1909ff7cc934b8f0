"""HR's SCIM page under /integrations/scim/: the base URL to give the identity provider, the
tokens (made here or with `kith scim_token`; a new one shown once), and the groups the
identity provider sent."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages as flash
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from kith.core.http import viewer_of
from kith.core.permissions import Viewer, require
from kith.scim import tokens
from kith.scim.models import ScimGroup, ScimToken

ONLY_HR = gettext_noop("Only HR admins manage provisioning.")
NAV = "integrations"


def can_manage_scim(viewer: Viewer) -> bool:
    return viewer.is_authenticated and viewer.is_hr


def _page(request: HttpRequest, *, new_token: str = "", error: str = "", status: int = 200):
    groups = ScimGroup.objects.annotate(size=Count("members")).order_by("display_name", "id")
    return render(
        request,
        "scim/settings.html",
        {
            "nav": NAV,
            "base_url": str(settings.KITH_BASE_URL).rstrip("/") + "/scim/v2/",
            "tokens": ScimToken.objects.order_by("revoked_at", "name"),
            "groups": groups[:200],
            "group_count": groups.count(),
            "new_token": new_token,
            "error": error,
        },
        status=status,
    )


@require_GET
def scim_settings(request: HttpRequest) -> HttpResponse:
    require(can_manage_scim(viewer_of(request)), _(ONLY_HR))
    return _page(request)


@never_cache  # the one answer that holds a new token
@require_POST
def scim_token_new(request: HttpRequest) -> HttpResponse:
    require(can_manage_scim(viewer_of(request)), _(ONLY_HR))
    try:
        _token, raw = tokens.scim_token_create(
            name=request.POST.get("name", ""), actor=request.user
        )
    except tokens.TokenError as exc:
        return _page(request, error=str(exc), status=400)
    return _page(request, new_token=raw)


@require_POST
def scim_token_revoke(request: HttpRequest) -> HttpResponse:
    require(can_manage_scim(viewer_of(request)), _(ONLY_HR))
    try:
        token = tokens.scim_token_revoke(name=request.POST.get("name", ""), actor=request.user)
    except tokens.TokenError as exc:
        return _page(request, error=str(exc), status=400)
    flash.success(
        request,
        _("The token %(name)s is revoked: requests with it now get 401.") % {"name": token.name},
    )
    return redirect("scim_admin:settings")


app_name = "scim_admin"

urlpatterns = [
    path("", scim_settings, name="settings"),
    path("tokens/", scim_token_new, name="token_new"),
    path("tokens/revoke/", scim_token_revoke, name="token_revoke"),
]
