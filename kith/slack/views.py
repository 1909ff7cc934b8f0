"""Slack's endpoints (events, interactions, slash commands: signed, no login, no CSRF) and HR's
settings page (/integrations/slack/: install by token or OAuth, test message, disconnect)."""

from __future__ import annotations

import json
import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from kith.core.http import error_text
from kith.core.http import viewer_of as _viewer
from kith.core.permissions import require
from kith.slack import inbound, selectors, services

log = logging.getLogger(__name__)

AUTHORIZE_URL = "https://slack.com/oauth/v2/authorize"
BOT_SCOPES = "chat:write,im:write,mpim:write,groups:write,users:read,users:read.email,commands"
STATE_SALT = "kith.slack.oauth"
STATE_MAX_AGE = 600  # seconds


def _unsigned() -> HttpResponse:
    return HttpResponse(
        "The request is not signed by Slack.", status=401, content_type="text/plain"
    )


def _signed(request: HttpRequest) -> bool:
    return inbound.is_signed(request.body, request.headers)


@csrf_exempt
@login_not_required
@require_POST
def events(request: HttpRequest) -> HttpResponseBase:
    if not _signed(request):
        return _unsigned()
    try:
        payload = json.loads(request.body)
    except ValueError:
        return HttpResponse(status=400)
    if not isinstance(payload, dict):
        return HttpResponse(status=400)
    answer = inbound.handle_event(payload)
    return JsonResponse(answer) if answer is not None else HttpResponse(status=200)


@csrf_exempt
@login_not_required
@require_POST
def interactions(request: HttpRequest) -> HttpResponseBase:
    if not _signed(request):
        return _unsigned()
    payload = inbound.parse_interaction(request.POST)
    if payload is None:
        return HttpResponse(status=400)
    inbound.handle_interaction(payload)
    return HttpResponse(status=200)


@csrf_exempt
@login_not_required
@require_POST
def commands(request: HttpRequest) -> HttpResponseBase:
    if not _signed(request):
        return _unsigned()
    return JsonResponse(inbound.handle_command(request.POST))


# --- HR's page -----------------------------------------------------------------------------------


def _redirect_uri() -> str:
    return selectors.kith_url("slack:oauth_callback")


@require_GET
def settings_page(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    require(selectors.can_manage_slack(viewer), selectors.ONLY_HR)
    context = {
        "nav": "integrations",
        "workspaces": selectors.workspaces(),
        "oauth": selectors.oauth_configured(),
        "signing_secret_set": bool(getattr(settings, "KITH_SLACK_SIGNING_SECRET", "")),
        "endpoints": {
            "events": selectors.kith_url("slack:events"),
            "interactions": selectors.kith_url("slack:interactions"),
            "commands": selectors.kith_url("slack:commands"),
            "redirect": _redirect_uri(),
        },
    }
    return render(request, "slack/settings.html", context)


@require_POST
def install_token(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    try:
        workspace = services.workspace_install_token(
            viewer=viewer,
            token=request.POST.get("token", ""),
            signing_secret=request.POST.get("signing_secret", ""),
        )
    except ValidationError as exc:
        flash.error(request, error_text(exc))
    else:
        flash.success(
            request,
            _("Kith is connected to %(workspace)s.")
            % {"workspace": workspace.team_name or workspace.team_id},
        )
    return redirect("slack:settings")


@require_GET
def install_oauth(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    require(selectors.can_manage_slack(viewer), selectors.ONLY_HR)
    if not selectors.oauth_configured():
        flash.error(request, _("Set KITH_SLACK_CLIENT_ID and KITH_SLACK_CLIENT_SECRET first."))
        return redirect("slack:settings")
    state = signing.dumps({"user": request.user.pk}, salt=STATE_SALT)
    query = urlencode(
        {
            "client_id": getattr(settings, "KITH_SLACK_CLIENT_ID", ""),
            "scope": BOT_SCOPES,
            "redirect_uri": _redirect_uri(),
            "state": state,
        }
    )
    return redirect(f"{AUTHORIZE_URL}?{query}")


@require_GET
def oauth_callback(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    require(selectors.can_manage_slack(viewer), selectors.ONLY_HR)
    try:
        state = signing.loads(request.GET.get("state", ""), salt=STATE_SALT, max_age=STATE_MAX_AGE)
    except signing.BadSignature:
        state = None
    if not isinstance(state, dict) or state.get("user") != request.user.pk:
        flash.error(request, _("This install link is not valid or has expired: start again."))
        return redirect("slack:settings")
    if request.GET.get("error") or not request.GET.get("code"):
        flash.error(request, _("The install was cancelled in Slack."))
        return redirect("slack:settings")
    try:
        workspace = services.workspace_install_oauth(
            viewer=viewer, code=request.GET["code"], redirect_uri=_redirect_uri()
        )
    except ValidationError as exc:
        flash.error(request, error_text(exc))
    else:
        flash.success(
            request,
            _("Kith is connected to %(workspace)s.")
            % {"workspace": workspace.team_name or workspace.team_id},
        )
    return redirect("slack:settings")


@require_POST
def test_message(request: HttpRequest) -> HttpResponse:
    try:
        services.test_message_send(viewer=_viewer(request))
    except ValidationError as exc:
        flash.error(request, error_text(exc))
    else:
        flash.success(request, _("Sent: look for a direct message from Kith in Slack."))
    return redirect("slack:settings")


@require_POST
def disconnect(request: HttpRequest, workspace_id: int) -> HttpResponse:
    try:
        name = services.workspace_disconnect(viewer=_viewer(request), workspace_id=workspace_id)
    except ValidationError as exc:
        flash.error(request, error_text(exc))
    else:
        flash.success(request, _("Kith is no longer connected to %(name)s.") % {"name": name})
    return redirect("slack:settings")


urlpatterns: list[URLPattern] = [
    path("", settings_page, name="settings"),
    path("token/", install_token, name="install_token"),
    path("install/", install_oauth, name="install"),
    path("oauth/callback/", oauth_callback, name="oauth_callback"),
    path("test/", test_message, name="test"),
    path("<int:workspace_id>/disconnect/", disconnect, name="disconnect"),
    path("events", events, name="events"),
    path("interactions", interactions, name="interactions"),
    path("commands", commands, name="commands"),
]
