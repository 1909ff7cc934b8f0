"""A person's calendar page (/calendars/) and HR's provider settings (/calendars/settings/)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from kith.calendars import selectors, services
from kith.calendars.forms import CaldavForm, GoogleSettingsForm, MicrosoftSettingsForm
from kith.calendars.models import ErrorCode, Provider
from kith.calendars.permissions import can_manage_calendar_settings
from kith.core.http import error_text, errors_onto
from kith.core.http import viewer_of as _viewer
from kith.core.permissions import require


def _saved(form: forms.Form, action: Callable[[], Any]) -> bool:
    """Run one service; its validation errors land on the form's fields."""
    try:
        action()
    except ValidationError as exc:
        errors_onto(form, exc)
        return False
    return True


def error_sentence(code: str) -> str:
    label = ErrorCode(code).label if code in ErrorCode.values else ErrorCode.BAD_RESPONSE.label
    return _("Kith could not read your calendar: %(why)s.") % {"why": label}


def mine(
    request: HttpRequest, caldav_form: CaldavForm | None = None, status: int = 200
) -> HttpResponse:
    viewer = _viewer(request)
    connection = selectors.connection_for_viewer(viewer)
    return render(
        request,
        "calendars/mine.html",
        {
            "nav": "calendars",
            "connection": connection,
            "last_error": error_sentence(connection.last_error)
            if connection and connection.last_error
            else "",
            "caldav_form": caldav_form or CaldavForm(),
            "providers": selectors.configured_providers(),
            "google": Provider.GOOGLE,
            "microsoft": Provider.MICROSOFT,
        },
        status=status,
    )


@require_POST
def connect_caldav(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    form = CaldavForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if _saved(
            form,
            lambda: services.calendar_connect_caldav(
                viewer=viewer, url=data["url"], username=data["username"], password=data["password"]
            ),
        ):
            flash.success(
                request, _("Your calendar is connected. Try “Test” to see that it works.")
            )
            return redirect("calendars:mine")
    return mine(request, caldav_form=form, status=400)


@require_POST
def connect_provider(request: HttpRequest, provider: str) -> HttpResponse:
    viewer = _viewer(request)
    try:
        services.calendar_connect_provider(viewer=viewer, provider=provider)
    except ValidationError as exc:
        flash.error(request, error_text(exc))
        return redirect("calendars:mine")
    flash.success(request, _("Your calendar is connected. Try “Test” to see that it works."))
    return redirect("calendars:mine")


@require_POST
def test(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    try:
        result = services.calendar_test(viewer=viewer)
    except ValidationError as exc:
        flash.error(request, error_text(exc))
        return redirect("calendars:mine")
    if result.busy_count is None:
        flash.error(request, error_sentence(result.error))
    else:
        flash.success(
            request,
            ngettext(
                "Your calendar works: busy %(count)d time in the next 7 days.",
                "Your calendar works: busy %(count)d times in the next 7 days.",
                result.busy_count,
            )
            % {"count": result.busy_count},
        )
    return redirect("calendars:mine")


@require_POST
def disconnect(request: HttpRequest) -> HttpResponse:
    if services.calendar_disconnect(viewer=_viewer(request)):
        flash.success(request, _("Your calendar is disconnected and its credentials deleted."))
    return redirect("calendars:mine")


# --- HR: the organisation's providers -----------------------------------------------------------


def _known(provider: str) -> None:
    if provider not in (Provider.GOOGLE, Provider.MICROSOFT):
        raise Http404


def provider_settings(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    require(can_manage_calendar_settings(viewer), _("Only HR admins can set calendar providers."))
    current = selectors.provider_settings_for_viewer(viewer)
    microsoft = current[Provider.MICROSOFT]
    google_form = GoogleSettingsForm(prefix="google")
    microsoft_form = MicrosoftSettingsForm(
        prefix="microsoft",
        initial={
            "tenant_id": microsoft.microsoft_tenant_id if microsoft else "",
            "client_id": microsoft.microsoft_client_id if microsoft else "",
        },
    )
    status = 200
    if request.method == "POST":
        which = request.POST.get("provider")
        if which == Provider.GOOGLE:
            google_form = GoogleSettingsForm(request.POST, prefix="google")
            if google_form.is_valid() and _saved(
                google_form,
                lambda: services.google_settings_update(
                    viewer=viewer,
                    service_account_json=google_form.cleaned_data["service_account_json"],
                ),
            ):
                flash.success(
                    request, _("Google Calendar settings saved. Use “Test” to check them.")
                )
                return redirect("calendars:settings")
        elif which == Provider.MICROSOFT:
            microsoft_form = MicrosoftSettingsForm(request.POST, prefix="microsoft")
            if microsoft_form.is_valid() and _saved(
                microsoft_form,
                lambda: services.microsoft_settings_update(
                    viewer=viewer, **microsoft_form.cleaned_data
                ),
            ):
                flash.success(request, _("Microsoft 365 settings saved. Use “Test” to check them."))
                return redirect("calendars:settings")
        status = 400
    return render(
        request,
        "calendars/settings.html",
        {
            "nav": "integrations",
            "google": current[Provider.GOOGLE],
            "microsoft": microsoft,
            "google_form": google_form,
            "microsoft_form": microsoft_form,
            "error_labels": dict(ErrorCode.choices),
        },
        status=status,
    )


@require_POST
def provider_test(request: HttpRequest, provider: str) -> HttpResponse:
    viewer = _viewer(request)
    _known(provider)
    code = services.provider_test(viewer=viewer, provider=provider)
    if code:
        label = ErrorCode(code).label if code in ErrorCode.values else code
        flash.error(request, _("The test failed: %(why)s.") % {"why": label})
    else:
        flash.success(request, _("The test worked: Kith got an access token."))
    return redirect("calendars:settings")


@require_POST
def provider_clear(request: HttpRequest, provider: str) -> HttpResponse:
    _known(provider)
    services.provider_settings_clear(viewer=_viewer(request), provider=provider)
    flash.success(request, _("The provider's credentials are deleted."))
    return redirect("calendars:settings")
