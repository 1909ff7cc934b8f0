"""/api/v1/guidelines/boundaries: my contact preferences, team tech-free hours, wellness
weeks and the current pause. The same selectors and services as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import BeforeValidator
from pydantic import Field as PydanticField

from kith.core.http import viewer_of as _viewer
from kith.core.jsonschema import Id, JsonBool, whole_number
from kith.directory.api import ERRORS as BASE_ERRORS
from kith.directory.api import WholeNumber
from kith.directory.schemas import ErrorOut, ValidationErrorOut
from kith.guidelines.models import TechFreeHours, WellnessWeek
from kith.guidelines.selectors import boundaries as selectors
from kith.guidelines.services import boundaries as services

router = Router()
Weekday = Annotated[int, PydanticField(ge=1, le=7), BeforeValidator(whole_number)]
ERRORS: dict[int, Any] = {**BASE_ERRORS, 403: ErrorOut, 422: ValidationErrorOut}
BODY_ERRORS: dict[int, Any] = {**ERRORS, 400: ErrorOut}


def _call(action: Any) -> Any:
    """A service's errors as JSON naming the field ("ends_on: The last day …")."""
    try:
        return action()
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            text = " ".join(
                f"{field}: {' '.join(m for e in errors for m in e.messages)}"
                for field, errors in exc.error_dict.items()
            )
        else:
            text = " ".join(exc.messages)
        raise HttpError(400, text) from exc
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or _("Not allowed.")) from exc


# --- Preferences --------------------------------------------------------------------------------


class PreferencesIn(Schema):
    meeting_mode: Literal["either", "in_person", "virtual"]
    intro_frequency: Literal["every_round", "monthly", "quarterly"]
    preferred_channel: Literal["email", "in_app", "slack", "matrix"] = Field(
        ..., description="slack and matrix only where HR connected that chat tool"
    )
    office_day_nudges: JsonBool


class PreferencesOut(PreferencesIn):
    saved: bool = Field(..., description="false: never chosen, these are the defaults")


def _prefs(prefs: Any) -> dict[str, Any]:
    return {
        "meeting_mode": prefs.meeting_mode,
        "intro_frequency": prefs.intro_frequency,
        "preferred_channel": prefs.preferred_channel,
        "office_day_nudges": prefs.office_day_nudges,
        "saved": prefs.pk is not None,
    }


@router.get("/preferences", response={200: PreferencesOut, **ERRORS}, summary="My preferences")
def preferences(request: HttpRequest) -> dict[str, Any]:
    return _prefs(_call(lambda: selectors.preferences_for_viewer(_viewer(request))))


@router.put(
    "/preferences", response={200: PreferencesOut, **BODY_ERRORS}, summary="Set my preferences"
)
def preferences_put(request: HttpRequest, body: PreferencesIn) -> dict[str, Any]:
    viewer = _viewer(request)
    _call(lambda: selectors.preferences_for_viewer(viewer))
    person = viewer.person
    assert person is not None  # preferences_for_viewer refuses a viewer without one
    return _prefs(_call(lambda: services.preferences_update(person=person, **body.dict())))


# --- Tech-free hours ----------------------------------------------------------------------------


class TechFreeHoursIn(Schema):
    org_unit: Id
    weekday: Weekday = Field(..., description="ISO weekday, 1 = Monday")
    starts_at: dt.time = Field(..., description="Wall-clock time in each member's own zone")
    ends_at: dt.time


class TechFreeHoursChange(Schema):
    weekday: Weekday
    starts_at: dt.time
    ends_at: dt.time


class TechFreeHoursOut(TechFreeHoursChange):
    id: int
    org_unit: int
    org_unit_name: str


def _hours(rule: TechFreeHours) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "org_unit": rule.org_unit_id,
        "org_unit_name": rule.org_unit.name,
        "weekday": rule.weekday,
        "starts_at": rule.starts_at,
        "ends_at": rule.ends_at,
    }


def _rule(request: HttpRequest, rule_id: int) -> TechFreeHours:
    rule = selectors.tech_free_hours_one_for_viewer(_viewer(request), rule_id)
    if rule is None:
        raise HttpError(404, _("No tech-free hours with this id that you manage."))
    return rule


@router.get(
    "/tech-free-hours/mine",
    response={200: list[TechFreeHoursOut], **ERRORS},
    summary="Tech-free hours that apply to me",
)
def my_hours(request: HttpRequest) -> list[dict[str, Any]]:
    return [_hours(r) for r in selectors.my_tech_free_hours_for_viewer(_viewer(request))]


@router.get(
    "/tech-free-hours",
    response={200: list[TechFreeHoursOut], **ERRORS},
    summary="Tech-free hours I manage",
)
def hours_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        _hours(r) for r in _call(lambda: selectors.tech_free_hours_for_viewer(_viewer(request)))
    ]


@router.post(
    "/tech-free-hours",
    response={201: TechFreeHoursOut, **BODY_ERRORS},
    summary="Add tech-free hours to a team",
)
def hours_create(request: HttpRequest, body: TechFreeHoursIn) -> Status:
    rule = _call(
        lambda: services.tech_free_hours_create(
            viewer=_viewer(request),
            org_unit_id=body.org_unit,
            weekday=body.weekday,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
        )
    )
    return Status(201, _hours(rule))


@router.put(
    "/tech-free-hours/{rule_id}",
    response={200: TechFreeHoursOut, **BODY_ERRORS},
    summary="Change tech-free hours",
)
def hours_update(
    request: HttpRequest, rule_id: WholeNumber, body: TechFreeHoursChange
) -> dict[str, Any]:
    rule = _rule(request, rule_id)
    return _hours(
        _call(
            lambda: services.tech_free_hours_update(
                viewer=_viewer(request), rule=rule, **body.dict()
            )
        )
    )


@router.delete(
    "/tech-free-hours/{rule_id}", response={204: None, **ERRORS}, summary="Remove tech-free hours"
)
def hours_delete(request: HttpRequest, rule_id: WholeNumber) -> Status:
    rule = _rule(request, rule_id)
    _call(lambda: services.tech_free_hours_delete(viewer=_viewer(request), rule=rule))
    return Status(204, None)


# --- Wellness weeks -----------------------------------------------------------------------------


class WellnessWeekIn(Schema):
    name: str = Field(..., max_length=120)
    starts_on: dt.date
    ends_on: dt.date = Field(..., description="The last day off, inclusive")
    message: str = Field("", max_length=1000)


class WellnessWeekOut(WellnessWeekIn):
    id: int


def _week(week: WellnessWeek) -> dict[str, Any]:
    fields = ("name", "starts_on", "ends_on", "message")
    return {"id": week.pk, **{name: getattr(week, name) for name in fields}}


def _found_week(request: HttpRequest, week_id: int) -> WellnessWeek:
    week = selectors.wellness_week_for_viewer(_viewer(request), week_id)
    if week is None:
        raise HttpError(404, _("No wellness week with this id."))
    return week


@router.get(
    "/wellness-weeks", response={200: list[WellnessWeekOut], **ERRORS}, summary="Wellness weeks"
)
def weeks_list(request: HttpRequest) -> list[dict[str, Any]]:
    weeks = _call(lambda: selectors.wellness_weeks_for_viewer(_viewer(request)))
    everything = [
        *reversed(weeks.past),
        *([weeks.current] if weeks.current else []),
        *weeks.upcoming,
    ]
    return [_week(w) for w in everything]


@router.post(
    "/wellness-weeks",
    response={201: WellnessWeekOut, **BODY_ERRORS},
    summary="Plan (or record) a wellness week",
)
def weeks_create(request: HttpRequest, body: WellnessWeekIn) -> Status:
    week = _call(lambda: services.wellness_week_create(viewer=_viewer(request), **body.dict()))
    return Status(201, _week(week))


@router.put(
    "/wellness-weeks/{week_id}",
    response={200: WellnessWeekOut, **BODY_ERRORS},
    summary="Change a wellness week",
)
def weeks_update(
    request: HttpRequest, week_id: WholeNumber, body: WellnessWeekIn
) -> dict[str, Any]:
    viewer = _viewer(request)
    if not selectors.can_manage_wellness_weeks(viewer):
        raise HttpError(403, _("Only HR manages wellness weeks."))
    week = _found_week(request, week_id)
    return _week(
        _call(lambda: services.wellness_week_update(viewer=viewer, week=week, **body.dict()))
    )


@router.delete(
    "/wellness-weeks/{week_id}",
    response={204: None, **BODY_ERRORS},
    summary="Cancel a wellness week",
)
def weeks_cancel(request: HttpRequest, week_id: WholeNumber) -> Status:
    viewer = _viewer(request)
    if not selectors.can_manage_wellness_weeks(viewer):
        raise HttpError(403, _("Only HR manages wellness weeks."))
    week = _found_week(request, week_id)
    _call(lambda: services.wellness_week_cancel(viewer=viewer, week=week))
    return Status(204, None)


class PauseOut(Schema):
    paused: bool = Field(..., description="true during a wellness week (your own date)")
    wellness_week: WellnessWeekOut | None


@router.get("/pause", response={200: PauseOut, **ERRORS}, summary="Is the company logged off?")
def pause(request: HttpRequest) -> dict[str, Any]:
    viewer = _viewer(request)
    week = selectors.wellness_week_now(selectors.local_today(viewer))
    return {"paused": week is not None, "wellness_week": _week(week) if week else None}
