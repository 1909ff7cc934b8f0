"""Pages of boundaries: my preferences (and my team's tech-free hours, the wellness weeks),
tech-free hours for managers and HR, wellness weeks for HR."""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kith.core.http import error_text, errors_onto
from kith.core.http import viewer_of as _viewer
from kith.core.permissions import require
from kith.guidelines.forms.boundaries import (
    WEEKDAYS,
    PreferencesForm,
    TechFreeHoursForm,
    WellnessWeekForm,
)
from kith.guidelines.selectors import boundaries as selectors
from kith.guidelines.services import boundaries as services


def _saved(request: HttpRequest, form: Any, action: Any, done: str) -> bool:
    """Run one service; its validation errors land on the form's fields."""
    try:
        action()
    except ValidationError as exc:
        errors_onto(form, exc)
        return False
    flash.success(request, done)
    return True


def my_boundaries(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    prefs = selectors.preferences_for_viewer(viewer)
    person = viewer.person
    assert person is not None  # preferences_for_viewer refuses a viewer without one
    initial = {
        "meeting_mode": prefs.meeting_mode,
        "intro_frequency": prefs.intro_frequency,
        "preferred_channel": prefs.preferred_channel,
        "office_day_nudges": prefs.office_day_nudges,
    }
    form = PreferencesForm(
        request.POST or None, initial=initial, current_channel=prefs.preferred_channel
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _saved(
            request,
            form,
            lambda: services.preferences_update(person=person, **data),
            _("Your preferences are saved."),
        ):
            return redirect("guidelines:boundaries")
    return render(
        request,
        "guidelines/boundaries/mine.html",
        {
            "nav": "boundaries",
            "form": form,
            "tech_free": selectors.my_tech_free_hours_for_viewer(viewer),
            "weeks": selectors.wellness_weeks_for_viewer(viewer),
            "weekday_names": dict(WEEKDAYS),
            "can_set_hours": selectors.can_set_tech_free_hours(viewer),
            "can_manage_weeks": selectors.can_manage_wellness_weeks(viewer),
            "chat_accounts": selectors.chat_accounts_for_viewer(viewer),
        },
    )


def tech_free_hours(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    managed = selectors.tech_free_scope(viewer)  # the reporting line is read once
    units = [(u.pk, u.name) for u in selectors.settable_units_for_viewer(viewer, managed=managed)]
    form = TechFreeHoursForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _saved(
            request,
            form,
            lambda: services.tech_free_hours_create(
                viewer=viewer,
                org_unit_id=data["org_unit"],
                weekday=data["weekday"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
            ),
            _("Tech-free hours added: notifications of the team wait until they end."),
        ):
            return redirect("guidelines:tech_free_hours")
    return render(
        request,
        "guidelines/boundaries/tech_free.html",
        {
            "nav": "boundaries",
            "form": form,
            "rules": selectors.tech_free_hours_for_viewer(viewer, managed=managed),
            "weekday_names": dict(WEEKDAYS),
        },
    )


@require_POST
def tech_free_hours_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    viewer = _viewer(request)
    rule = selectors.tech_free_hours_one_for_viewer(viewer, rule_id)
    if rule is None:
        raise Http404
    services.tech_free_hours_delete(viewer=viewer, rule=rule)
    flash.success(request, _("Tech-free hours removed."))
    return redirect("guidelines:tech_free_hours")


def wellness_weeks(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    require(selectors.can_manage_wellness_weeks(viewer), _("Only HR manages wellness weeks."))
    form = WellnessWeekForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _saved(
            request,
            form,
            lambda: services.wellness_week_create(viewer=viewer, **data),
            _("Wellness week saved."),
        ):
            return redirect("guidelines:wellness_weeks")
    return render(
        request,
        "guidelines/boundaries/wellness.html",
        {"nav": "boundaries", "form": form, "weeks": selectors.wellness_weeks_for_viewer(viewer)},
    )


def wellness_week_edit(request: HttpRequest, week_id: int) -> HttpResponse:
    viewer = _viewer(request)
    require(selectors.can_manage_wellness_weeks(viewer), _("Only HR manages wellness weeks."))
    week = selectors.wellness_week_for_viewer(viewer, week_id)
    if week is None:
        raise Http404
    initial = {
        "name": week.name,
        "starts_on": week.starts_on,
        "ends_on": week.ends_on,
        "message": week.message,
    }
    form = WellnessWeekForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _saved(
            request,
            form,
            lambda: services.wellness_week_update(viewer=viewer, week=week, **data),
            _("Wellness week changed."),
        ):
            return redirect("guidelines:wellness_weeks")
    return render(
        request,
        "guidelines/boundaries/wellness_edit.html",
        {"nav": "boundaries", "form": form, "week": week},
    )


@require_POST
def wellness_week_cancel(request: HttpRequest, week_id: int) -> HttpResponse:
    viewer = _viewer(request)
    require(selectors.can_manage_wellness_weeks(viewer), _("Only HR manages wellness weeks."))
    week = selectors.wellness_week_for_viewer(viewer, week_id)
    if week is None:
        raise Http404
    try:
        services.wellness_week_cancel(viewer=viewer, week=week)
    except (ValidationError, PermissionDenied) as exc:
        flash.error(request, error_text(exc) if isinstance(exc, ValidationError) else str(exc))
    else:
        flash.success(request, _("Wellness week cancelled: held notifications arrive as usual."))
    return redirect("guidelines:wellness_weeks")


urlpatterns: list[URLPattern | URLResolver] = [
    path("boundaries/", my_boundaries, name="boundaries"),
    path("boundaries/tech-free-hours/", tech_free_hours, name="tech_free_hours"),
    path(
        "boundaries/tech-free-hours/<int:rule_id>/delete/",
        tech_free_hours_delete,
        name="tech_free_hours_delete",
    ),
    path("boundaries/wellness-weeks/", wellness_weeks, name="wellness_weeks"),
    path("boundaries/wellness-weeks/<int:week_id>/", wellness_week_edit, name="wellness_week"),
    path(
        "boundaries/wellness-weeks/<int:week_id>/cancel/",
        wellness_week_cancel,
        name="wellness_week_cancel",
    ),
]
