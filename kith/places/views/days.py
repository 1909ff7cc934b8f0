"""Office days under /places/: my next four weeks, who I know will be there, my leave, my
team's anchor days; one office on one day. Every write posts to a small view that calls one
service and comes back. The same selectors and services as /api/v1/places/office-days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from kith.core.http import error_text
from kith.core.http import viewer_of as _viewer
from kith.core.permissions import can_browse_directory, require
from kith.directory.models import Office
from kith.places.forms.days import (
    AnchorDaysForm,
    LeaveForm,
    OfficeDayChangeForm,
    OfficeDayForm,
)
from kith.places.models import AnchorDay, Leave, OfficeDay
from kith.places.selectors import days as selectors
from kith.places.services import days as services

NAV = "places"


def _home() -> HttpResponse:
    return redirect(reverse("places:home"))


def _run(request: HttpRequest, action: Callable[[], Any], done: str) -> bool:
    """Call one service; a refusal or a problem becomes a message naming what to fix."""
    try:
        action()
    except ValidationError as exc:
        flash.error(request, error_text(exc))
        return False
    except (OfficeDay.DoesNotExist, Leave.DoesNotExist, AnchorDay.DoesNotExist) as exc:
        raise Http404(str(exc)) from exc
    flash.success(request, done)
    return True


def _form_errors(request: HttpRequest, form: Any) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        flash.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))


@never_cache  # my plans and my leave: no browser or proxy keeps a copy
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    require(can_browse_directory(viewer))
    today = timezone.localdate()
    page = selectors.my_office_days_for_viewer(viewer, today=today)
    context = {
        "nav": NAV,
        "page": page,
        "today": today,
        "has_person": viewer.person is not None,
        "day_form": OfficeDayForm(initial={"on_date": today}, auto_id="day_%s"),
        "leave_form": LeaveForm(auto_id="leave_%s"),
        "anchor_form": AnchorDaysForm(units=page.managed_units, auto_id="anchor_%s")
        if page.managed_units
        else None,
        "min_count": selectors.MIN_CITY_COUNT,
    }
    return render(request, "places/days/home.html", context)


@never_cache
@require_GET
def office_day(request: HttpRequest, office_id: int, day: str) -> HttpResponse:
    viewer = _viewer(request)
    try:
        date = dt.date.fromisoformat(day)
    except ValueError as exc:
        raise Http404("Not a date.") from exc
    try:
        there = selectors.who_is_there_for_viewer(viewer, office_id=office_id, day=date)
    except Office.DoesNotExist as exc:
        raise Http404(str(exc)) from exc
    context = {
        "nav": NAV,
        "there": there,
        "min_count": selectors.MIN_CITY_COUNT,
        "can_plan": viewer.person is not None and date >= timezone.localdate(),
    }
    return render(request, "places/days/office_day.html", context)


@require_POST
def office_day_add(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    form = OfficeDayForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _home()
    data = form.cleaned_data
    weekly = data["kind"] == "weekly"
    _run(
        request,
        lambda: services.office_day_add(
            person=viewer.person,
            office_id=data["office"].pk,
            today=timezone.localdate(),
            on_date=None if weekly else data["on_date"],
            weekday=data["weekday"] if weekly else None,
            ends_on=data["ends_on"] if weekly else None,
        ),
        _("Planned. Colleagues you know will see you there."),
    )
    return _next(request)


def _next(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    return redirect(target) if target.startswith("/places/") else _home()


@require_POST
def office_day_change(request: HttpRequest, office_day_id: int) -> HttpResponse:
    viewer = _viewer(request)
    form = OfficeDayChangeForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _home()
    _run(
        request,
        lambda: services.office_day_update(
            person=viewer.person,
            office_day_id=office_day_id,
            office_id=form.cleaned_data["office"].pk,
            ends_on=form.cleaned_data["ends_on"],
            today=timezone.localdate(),
        ),
        _("Changed."),
    )
    return _home()


@require_POST
def office_day_remove(request: HttpRequest, office_day_id: int) -> HttpResponse:
    viewer = _viewer(request)
    _run(
        request,
        lambda: services.office_day_remove(person=viewer.person, office_day_id=office_day_id),
        _("Removed."),
    )
    return _home()


@require_POST
def leave_add(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    form = LeaveForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _home()
    _run(
        request,
        lambda: services.leave_add(
            person=viewer.person,
            starts_on=form.cleaned_data["starts_on"],
            ends_on=form.cleaned_data["ends_on"],
            today=timezone.localdate(),
        ),
        _("Noted. Your office days in that time are off; only you see why."),
    )
    return _home()


@require_POST
def leave_remove(request: HttpRequest, leave_id: int) -> HttpResponse:
    viewer = _viewer(request)
    _run(
        request,
        lambda: services.leave_remove(person=viewer.person, leave_id=leave_id),
        _("Removed."),
    )
    return _home()


@require_POST
def anchor_days_set(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    units = selectors.managed_units_for_viewer(viewer)
    if not units:
        raise PermissionDenied(_("Only a team's managers and HR set its anchor days."))
    form = AnchorDaysForm(request.POST, units=units)
    if not form.is_valid():
        _form_errors(request, form)
        return _home()
    data = form.cleaned_data
    _run(
        request,
        lambda: services.anchor_days_set(
            viewer=viewer,
            org_unit_id=data["org_unit"].pk,
            office_id=data["office"].pk,
            weekdays=data["weekdays"],
        ),
        _("Anchor days saved. The team sees them on their office days page."),
    )
    return _home()


@require_POST
def anchor_day_remove(request: HttpRequest, anchor_id: int) -> HttpResponse:
    viewer = _viewer(request)
    try:
        _run(
            request,
            lambda: services.anchor_day_remove(viewer=viewer, anchor_id=anchor_id),
            _("Anchor day removed."),
        )
    except PermissionDenied as exc:
        raise Http404("No such anchor day.") from exc
    return _home()


@require_POST
def anchor_day_join(request: HttpRequest, anchor_id: int) -> HttpResponse:
    viewer = _viewer(request)
    _run(
        request,
        lambda: services.anchor_day_join(
            person=viewer.person, anchor_id=anchor_id, today=timezone.localdate()
        ),
        _("See you there: it is in your office days every week."),
    )
    return _home()


urlpatterns: list[URLPattern | URLResolver] = [
    path("", home, name="home"),
    path("offices/<int:office_id>/days/<str:day>/", office_day, name="office_day"),
    path("days/add/", office_day_add, name="office_day_add"),
    path("days/<int:office_day_id>/change/", office_day_change, name="office_day_change"),
    path("days/<int:office_day_id>/remove/", office_day_remove, name="office_day_remove"),
    path("leave/add/", leave_add, name="leave_add"),
    path("leave/<int:leave_id>/remove/", leave_remove, name="leave_remove"),
    path("anchor-days/set/", anchor_days_set, name="anchor_days_set"),
    path("anchor-days/<int:anchor_id>/remove/", anchor_day_remove, name="anchor_day_remove"),
    path("anchor-days/<int:anchor_id>/join/", anchor_day_join, name="anchor_day_join"),
]
