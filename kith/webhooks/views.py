"""Webhook pages under /integrations/webhooks/, for HR admins: endpoints, the secret shown
once, a test event and each endpoint's delivery log."""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kith.core.http import errors_onto, viewer_of
from kith.core.permissions import require
from kith.webhooks import events, selectors, services
from kith.webhooks.forms import EndpointForm
from kith.webhooks.models import Endpoint
from kith.webhooks.permissions import ONLY_HR, can_manage_webhooks

NAV = "integrations"


def _endpoint(request: HttpRequest, endpoint_id: int) -> Endpoint:
    endpoint = selectors.endpoint_for_viewer(viewer_of(request), endpoint_id)
    if endpoint is None:
        raise Http404("No such endpoint.")
    return endpoint


def _with_secret(request: HttpRequest, endpoint: Endpoint, secret: str) -> HttpResponse:
    """The one time the secret is shown: never stored outside the sealed column, not even in
    the session for a redirect; the page is not cached."""
    response = render(
        request, "webhooks/secret.html", {"endpoint": endpoint, "secret": secret, "nav": NAV}
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def endpoint_list(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    context = {
        "endpoints": selectors.endpoints_for_viewer(viewer),
        "labels": dict(events.EVENT_CHOICES),
        "nav": NAV,
    }
    return render(request, "webhooks/list.html", context)


@require_http_methods(["GET", "POST"])
def endpoint_new(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    require(can_manage_webhooks(viewer), ONLY_HR)
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = services.endpoint_create(
                viewer=viewer,
                name=form.cleaned_data["name"],
                url=form.cleaned_data["url"],
                event_types=form.cleaned_data["events"],
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            return _with_secret(request, endpoint, secret)
    return render(request, "webhooks/form.html", {"form": form, "endpoint": None, "nav": NAV})


@require_http_methods(["GET", "POST"])
def endpoint_edit(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    endpoint = _endpoint(request, endpoint_id)
    initial = {
        "name": endpoint.name,
        "url": endpoint.url,
        "events": endpoint.events,
        "is_active": endpoint.is_active,
    }
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.endpoint_update(
                viewer=viewer,
                endpoint=endpoint,
                name=form.cleaned_data["name"],
                url=form.cleaned_data["url"],
                event_types=form.cleaned_data["events"],
                is_active=form.cleaned_data["is_active"],
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            flash.success(request, _("Saved."))
            return redirect("webhooks:endpoint_log", endpoint.pk)
    context = {"form": form, "endpoint": endpoint, "nav": NAV}
    return render(request, "webhooks/form.html", context)


@require_POST
def endpoint_rotate(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    secret = services.endpoint_rotate_secret(viewer=viewer_of(request), endpoint=endpoint)
    return _with_secret(request, endpoint, secret)


@require_http_methods(["GET", "POST"])
def endpoint_delete(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    if request.method == "POST":
        services.endpoint_delete(viewer=viewer_of(request), endpoint=endpoint)
        flash.success(request, _("The endpoint is deleted; it receives nothing more."))
        return redirect("webhooks:endpoints")
    return render(request, "webhooks/delete.html", {"endpoint": endpoint, "nav": NAV})


@require_POST
def endpoint_test(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    if not endpoint.is_active:
        flash.error(request, _("Switch the endpoint on first: it is off."))
        return redirect("webhooks:endpoint_log", endpoint.pk)
    delivery = services.endpoint_send_test(viewer=viewer_of(request), endpoint=endpoint)
    if delivery.state == delivery.State.DELIVERED:
        flash.success(
            request,
            _("The test event arrived (HTTP %(status)s).") % {"status": delivery.last_status_code},
        )
    else:
        flash.error(
            request,
            _("The test event did not arrive (%(error)s); Kith tries again later.")
            % {"error": delivery.last_error or delivery.get_state_display()},
        )
    return redirect("webhooks:endpoint_log", endpoint.pk)


@require_GET
def endpoint_log(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    context = {
        "endpoint": endpoint,
        "deliveries": selectors.deliveries_for_viewer(viewer_of(request), endpoint),
        "labels": dict(events.EVENT_CHOICES),
        "log_size": selectors.LOG_SIZE,
        "nav": NAV,
    }
    return render(request, "webhooks/log.html", context)
