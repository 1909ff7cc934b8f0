"""Office days, leave and anchor days over JSON: the same selectors, services and permissions
as the /places/ pages. Another person's plan, leave or anchor day answers 404, exactly like
one that does not exist. A rule a request breaks (a day that has passed, an overlap) answers
422 in the shape of the API's own validation errors, naming the field, with the type
"places_rule"."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import BeforeValidator
from pydantic import Field as PydanticField

from kith.core.http import viewer_of as _viewer
from kith.core.jsonschema import MAX_ID, Id, whole_number
from kith.directory.api import ERRORS as BASE_ERRORS
from kith.directory.models import Office
from kith.directory.schemas import ErrorOut, ValidationErrorOut
from kith.places.models import AnchorDay, Leave, OfficeDay
from kith.places.selectors import days as selectors
from kith.places.services import days as services

router = Router()
Weekday = Annotated[int, PydanticField(ge=1, le=7), BeforeValidator(whole_number)]
ERRORS: dict[int, Any] = {**BASE_ERRORS, 403: ErrorOut, 422: ValidationErrorOut}
BODY_ERRORS: dict[int, Any] = {**ERRORS, 400: ErrorOut}
GONE = (OfficeDay.DoesNotExist, Leave.DoesNotExist, AnchorDay.DoesNotExist)


API_NAMES = {"on_date": "date"}  # the services' field names, as the API bodies spell them
# A rule JSON Schema cannot say (a day that has passed, an overlap with another plan) is a 422
# of this type, so clients (and the schema test) can tell it from malformed input.
RULE_ERROR = "places_rule"


def _errors_by_field(exc: ValidationError) -> list[dict[str, object]]:
    by_field = exc.message_dict if hasattr(exc, "error_dict") else {"payload": exc.messages}
    return [
        {
            "loc": ["body", "payload", API_NAMES.get(name, name)],
            "msg": message,
            "type": RULE_ERROR,
        }
        for name, messages in by_field.items()
        for message in messages
    ]


def _call(action: Any, ok: int = 200) -> Status:
    try:
        result = action()
    except ValidationError as exc:
        return Status(422, {"detail": _errors_by_field(exc)})
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or _("Not allowed.")) from exc
    except GONE as exc:
        raise HttpError(404, _("Not found.")) from exc
    return Status(ok, result)


def _check_id(pk: int) -> None:
    if not 0 < pk <= MAX_ID:
        raise HttpError(404, _("Not found."))


def _office_or_404(office_id: int) -> None:
    if not Office.objects.filter(pk=office_id).exists():
        raise HttpError(404, _("office: no such office."))


def _today() -> dt.date:
    return timezone.localdate()


# --- Office days ------------------------------------------------------------------------------


class OfficeDayOut(Schema):
    id: int
    office: int
    office_name: str
    weekday: int | None = Field(..., description="ISO weekday (1 = Monday) of a weekly plan")
    date: dt.date | None = Field(..., description="The day of a one-day plan")
    starts_on: dt.date
    ends_on: dt.date | None = Field(..., description="The last day; null = open-ended")
    anchor_day: int | None


def _plan(p: OfficeDay) -> dict[str, Any]:
    return {
        "id": p.pk,
        "office": p.office_id,
        "office_name": p.office.name,
        "weekday": p.weekday,
        "date": None if p.weekday else p.starts_on,
        "starts_on": p.starts_on,
        "ends_on": p.ends_on,
        "anchor_day": p.anchor_id,
    }


class OfficeDayIn(Schema):
    office: Id
    date: dt.date | None = Field(None, description="One day; or give weekday")
    weekday: Weekday | None = Field(None, description="Every week on this ISO weekday")
    starts_on: dt.date | None = Field(None, description="A weekly plan's first day (today)")
    ends_on: dt.date | None = Field(None, description="A weekly plan's last day (open-ended)")


class OfficeDayChangeIn(Schema):
    office: Id
    ends_on: dt.date | None = Field(None, description="A weekly plan's last day")


@router.get("/office-days", response={200: list[OfficeDayOut], **ERRORS}, summary="My plans")
def list_office_days(request: HttpRequest) -> list[dict[str, Any]]:
    return [_plan(p) for p in selectors.my_plans_for_viewer(_viewer(request), today=_today())]


@router.post(
    "/office-days",
    response={201: OfficeDayOut, **BODY_ERRORS},
    summary="Plan a day (date) or a weekday (weekday) in an office",
)
def add_office_day(request: HttpRequest, payload: OfficeDayIn) -> Status:
    viewer = _viewer(request)
    _office_or_404(payload.office)
    answer = _call(
        lambda: services.office_day_add(
            person=viewer.person,
            office_id=payload.office,
            today=_today(),
            on_date=payload.date,
            weekday=payload.weekday,
            starts_on=payload.starts_on,
            ends_on=payload.ends_on,
        ),
        ok=201,
    )
    return Status(answer.status_code, _plan(answer.value)) if answer.status_code == 201 else answer


@router.patch(
    "/office-days/{office_day_id}",
    response={200: OfficeDayOut, **BODY_ERRORS},
    summary="Move a plan to another office, or end a weekly plan",
)
def change_office_day(
    request: HttpRequest, office_day_id: int, payload: OfficeDayChangeIn
) -> Status:
    viewer = _viewer(request)
    _check_id(office_day_id)
    _office_or_404(payload.office)
    answer = _call(
        lambda: services.office_day_update(
            person=viewer.person,
            office_day_id=office_day_id,
            office_id=payload.office,
            ends_on=payload.ends_on,
            today=_today(),
        )
    )
    return Status(200, _plan(answer.value)) if answer.status_code == 200 else answer


@router.delete(
    "/office-days/{office_day_id}", response={204: None, **ERRORS}, summary="Remove a plan"
)
def remove_office_day(request: HttpRequest, office_day_id: int) -> Status:
    viewer = _viewer(request)
    _check_id(office_day_id)
    _call(lambda: services.office_day_remove(person=viewer.person, office_day_id=office_day_id))
    return Status(204, None)


# --- Who is there -----------------------------------------------------------------------------


class AttendeeOut(Schema):
    id: int
    name: str
    reasons: list[str] = Field(..., description="Your team, a community of yours, you met")


class WhoIsThereOut(Schema):
    office: int
    office_name: str
    date: dt.date
    people: list[AttendeeOut] = Field(..., description="People you know, by name")
    others: int | None = Field(..., description="Everyone else; null when fewer than min_count")
    min_count: int
    you: bool = Field(..., description="Whether you plan to be there")


def _there(there: selectors.DayAtOffice) -> dict[str, Any]:
    return {
        "office": there.office.pk,
        "office_name": there.office.name,
        "date": there.day,
        "people": [{"id": a.person_id, "name": a.name, "reasons": a.reasons} for a in there.people],
        "others": there.others,
        "min_count": there.min_count,
        "you": there.viewer_there,
    }


class WhoIsThereQuery(Schema):
    office: int = Field(..., ge=1, le=MAX_ID, description="The office's id")
    date: dt.date


@router.get(
    "/who-is-there",
    response={200: WhoIsThereOut, **ERRORS},
    summary="Who will be in an office on a day (people you know by name, others as a count)",
)
def who_is_there(request: HttpRequest, query: Query[WhoIsThereQuery]) -> dict[str, Any]:
    viewer = _viewer(request)
    try:
        there = selectors.who_is_there_for_viewer(viewer, office_id=query.office, day=query.date)
    except Office.DoesNotExist as exc:
        raise HttpError(404, _("office: no such office.")) from exc
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from exc
    return _there(there)


# --- Leave ------------------------------------------------------------------------------------


class LeaveOut(Schema):
    id: int
    starts_on: dt.date
    ends_on: dt.date = Field(..., description="The last day away (inclusive)")


class LeaveIn(Schema):
    starts_on: dt.date
    ends_on: dt.date = Field(..., description="The last day away (inclusive)")


def _leave(x: Leave) -> dict[str, Any]:
    return {"id": x.pk, "starts_on": x.starts_on, "ends_on": x.ends_on}


@router.get("/leave", response={200: list[LeaveOut], **ERRORS}, summary="My leave (mine only)")
def list_leave(request: HttpRequest) -> list[dict[str, Any]]:
    return [_leave(x) for x in selectors.my_leave_for_viewer(_viewer(request), today=_today())]


@router.post("/leave", response={201: LeaveOut, **BODY_ERRORS}, summary="I'm away from … to …")
def add_leave(request: HttpRequest, payload: LeaveIn) -> Status:
    viewer = _viewer(request)
    answer = _call(
        lambda: services.leave_add(
            person=viewer.person,
            starts_on=payload.starts_on,
            ends_on=payload.ends_on,
            today=_today(),
        ),
        ok=201,
    )
    return Status(201, _leave(answer.value)) if answer.status_code == 201 else answer


@router.delete("/leave/{leave_id}", response={204: None, **ERRORS}, summary="Remove my leave")
def remove_leave(request: HttpRequest, leave_id: int) -> Status:
    viewer = _viewer(request)
    _check_id(leave_id)
    _call(lambda: services.leave_remove(person=viewer.person, leave_id=leave_id))
    return Status(204, None)


# --- Anchor days ------------------------------------------------------------------------------


class AnchorDayOut(Schema):
    id: int
    org_unit: int
    team: str
    office: int
    office_name: str
    weekday: int = Field(..., description="ISO weekday, 1 = Monday")


class AnchorDaysIn(Schema):
    org_unit: Id
    office: Id
    weekdays: list[Weekday] = Field(..., min_length=1, max_length=7)


def _anchor(a: AnchorDay) -> dict[str, Any]:
    return {
        "id": a.pk,
        "org_unit": a.org_unit_id,
        "team": a.org_unit.name,
        "office": a.office_id,
        "office_name": a.office.name,
        "weekday": a.weekday,
    }


@router.get(
    "/anchor-days",
    response={200: list[AnchorDayOut], **ERRORS},
    summary="My team's anchor days, and those of teams I manage (HR: all)",
)
def list_anchor_days(request: HttpRequest) -> list[dict[str, Any]]:
    return [_anchor(a) for a in selectors.anchor_days_for_viewer(_viewer(request))]


@router.post(
    "/anchor-days",
    response={200: list[AnchorDayOut], **BODY_ERRORS},
    summary="Set a team's anchor days (its managers and HR)",
)
def set_anchor_days(request: HttpRequest, payload: AnchorDaysIn) -> Status:
    viewer = _viewer(request)
    _office_or_404(payload.office)
    if not selectors.can_set_anchor_days(viewer, payload.org_unit):
        raise HttpError(403, _("Only the team's managers and HR set its anchor days."))
    answer = _call(
        lambda: services.anchor_days_set(
            viewer=viewer,
            org_unit_id=payload.org_unit,
            office_id=payload.office,
            weekdays=payload.weekdays,
        )
    )
    if answer.status_code != 200:
        return answer
    return Status(200, [_anchor(a) for a in answer.value])


def _visible_anchor(request: HttpRequest, anchor_id: int) -> AnchorDay:
    _check_id(anchor_id)
    for anchor in selectors.anchor_days_for_viewer(_viewer(request)):
        if anchor.pk == anchor_id:
            return anchor
    raise HttpError(404, _("Not found."))


@router.delete(
    "/anchor-days/{anchor_id}",
    response={204: None, **ERRORS},
    summary="Remove a team's anchor day (its managers and HR)",
)
def remove_anchor_day(request: HttpRequest, anchor_id: int) -> Status:
    viewer = _viewer(request)
    _visible_anchor(request, anchor_id)
    _call(lambda: services.anchor_day_remove(viewer=viewer, anchor_id=anchor_id))
    return Status(204, None)


@router.post(
    "/anchor-days/{anchor_id}/join",
    response={201: OfficeDayOut, **ERRORS},
    summary="I'll be there: plan my team's anchor day every week",
)
def join_anchor_day(request: HttpRequest, anchor_id: int) -> Status:
    viewer = _viewer(request)
    _check_id(anchor_id)
    answer = _call(
        lambda: services.anchor_day_join(person=viewer.person, anchor_id=anchor_id, today=_today()),
        ok=201,
    )
    return Status(201, _plan(answer.value)) if answer.status_code == 201 else answer
