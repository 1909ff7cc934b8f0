"""/api/v1/gatherings: plan, create, choose, send, the agenda, groups, and my gatherings.

The same selectors and services as the pages: a gathering is its organiser's, and its
participants' once invited; nobody else sees it (404)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import BeforeValidator
from pydantic import Field as PydanticField

from kith.core import throttle
from kith.core.dates import org_today
from kith.core.http import viewer_of as _viewer
from kith.core.jsonschema import Id, whole_number
from kith.directory.api import ERRORS as BASE_ERRORS
from kith.directory.schemas import ErrorOut, ValidationErrorOut
from kith.gatherings import inputs, selectors, services
from kith.gatherings.engine import planner
from kith.gatherings.models import Gathering

router = Router()
ERRORS: dict[int, Any] = {**BASE_ERRORS, 403: ErrorOut, 422: ValidationErrorOut}
BODY_ERRORS: dict[int, Any] = {**ERRORS, 400: ErrorOut}
# Computing options is throttled per organiser (services.PLAN_SCOPE).
PLAN_ERRORS: dict[int, Any] = {**BODY_ERRORS, 429: ErrorOut}
Days = Annotated[
    int,
    PydanticField(ge=planner.MIN_DAYS, le=planner.MAX_DAYS),
    BeforeValidator(whole_number),
]
Top = Annotated[int, PydanticField(ge=1, le=50), BeforeValidator(whole_number)]
Rank = Annotated[int, PydanticField(ge=1, le=1000), BeforeValidator(whole_number)]


def _invalid(exc: ValidationError) -> Status:
    """A service's validation error in the shape of Ninja's own 422: one entry per field."""
    if hasattr(exc, "error_dict"):
        errors = [
            {"loc": ["body", name], "msg": " ".join(str(m) for m in ms), "type": "value_error"}
            for name, ms in exc.message_dict.items()
        ]
    else:
        errors = [
            {"loc": ["body"], "msg": " ".join(str(m) for m in exc.messages), "type": "value_error"}
        ]
    return Status(422, {"detail": errors})


def _call(action: Any) -> Any:
    try:
        return action()
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or "Not allowed.") from exc
    except throttle.Throttled as exc:
        raise HttpError(429, exc.detail) from exc


# --- schemas ------------------------------------------------------------------------------------


class WhoIn(Schema):
    """Exactly one way of naming the participants."""

    emails: list[str] | None = Field(None, max_length=selectors.MAX_PEOPLE)
    team_id: Id | None = None
    department_id: Id | None = None
    joined_from: dt.date | None = Field(None, description="A cohort: start date from")
    joined_to: dt.date | None = Field(None, description="A cohort: start date until")


class PlanIn(WhoIn):
    first_day: dt.date = Field(..., alias="from", description="The earliest day it may start")
    last_day: dt.date = Field(..., alias="to", description="The latest day it may end")
    days: Days = 5
    top: Top = planner.DEFAULT_TOP


class CreateIn(PlanIn):
    name: str = Field(..., max_length=services.MAX_NAME)
    kind: Literal["introday", "core_week", "offsite"]


class PersonCostOut(Schema):
    email: str
    km: float = Field(..., description="One way, great-circle")
    co2_kg: float = Field(..., description="Round trip estimate")
    mode: str


class OptionOut(Schema):
    office: str | None = Field(..., description="The office's name; null for a city venue")
    office_id: int | None
    city: str
    country: str
    capacity: int | None
    week_start: dt.date = Field(..., description="A Monday")
    week_end: dt.date
    total_km: float
    co2_kg: float
    co2_per_person_min: float
    co2_per_person_max: float
    other_weeks: list[dt.date]
    per_person: list[PersonCostOut]


class PlanOut(Schema):
    options: list[OptionOut]
    avoided: list[str] = Field(..., description="In aggregate: never whose holiday or leave")
    not_counted: int = Field(..., description="Participants without a city: not in distances")
    leave_counted: bool = Field(
        ..., description="Declared leave taken into account (k or more people besides you)"
    )
    note: str = Field(..., description="Why leave was not taken into account; empty if it was")


class AgendaDayOut(Schema):
    day: int = Field(..., description="1 = the first day")
    date: dt.date | None
    kind: str
    title: str
    notes: str


class GroupOut(Schema):
    number: int
    members: list[str] = Field(..., description="Display names")
    reasons: str


class RsvpCountsOut(Schema):
    going: int
    waitlisted: int
    not_going: int
    no_answer: int


class GatheringOut(Schema):
    id: int
    name: str
    kind: str
    status: str
    role: Literal["organiser", "participant"]
    first_day: dt.date
    last_day: dt.date
    days: int
    people: int
    office: str | None
    city: str
    country: str
    week_start: dt.date | None
    event_id: int | None


class GatheringDetailOut(GatheringOut):
    options: list[OptionOut] = Field(..., description="Organiser only; empty for others")
    avoided: list[str]
    leave_counted: bool
    note: str = Field(..., description="Organiser only: why leave was not taken into account")
    agenda: list[AgendaDayOut]
    groups: list[GroupOut] = Field(..., description="All for the organiser; one's own otherwise")
    rsvps: RsvpCountsOut | None = Field(None, description="Organiser only, once invited")


class ChooseIn(Schema):
    option: Rank = Field(..., description="The option's rank, 1-based")
    week: dt.date | None = Field(None, description="Its best week, or one of its other_weeks")


class DayIn(Schema):
    kind: Literal["travel", "structured", "unstructured"]
    title: str = Field(..., max_length=services.MAX_AGENDA_TITLE)
    notes: str = Field("", max_length=services.MAX_AGENDA_NOTES)


class AgendaIn(Schema):
    days: list[DayIn] = Field(..., max_length=planner.MAX_DAYS)


# --- helpers ------------------------------------------------------------------------------------


def _selection(payload: WhoIn) -> selectors.Selection:
    if payload.emails is not None:
        return selectors.Selection(emails=selectors.parse_emails(",".join(payload.emails)))
    return selectors.Selection(
        team_id=payload.team_id,
        department_id=payload.department_id,
        joined_from=payload.joined_from,
        joined_to=payload.joined_to,
    )


def _summary(g: Gathering, viewer_id: int, people: int) -> dict[str, Any]:
    return {
        "id": g.pk,
        "name": g.name,
        "kind": g.kind,
        "status": g.status,
        "role": "organiser" if g.organiser_id == viewer_id else "participant",
        "first_day": g.first_day,
        "last_day": g.last_day,
        "days": g.days,
        "people": people,
        "office": g.office.name if g.office_id and g.office else None,
        "city": g.city,
        "country": g.country,
        "week_start": g.week_start,
        "event_id": g.event_id,
    }


def _detail(request: HttpRequest, gathering_id: int) -> dict[str, Any]:
    viewer = _viewer(request)
    page = selectors.gathering_for_viewer(viewer, gathering_id, today=org_today())
    g = page.gathering
    assert viewer.person is not None
    start = g.week_start
    return {
        **_summary(g, viewer.person.pk, len(page.people)),
        "options": g.options if page.is_organiser else [],
        "avoided": g.avoided if page.is_organiser else [],
        "leave_counted": g.leave_counted,
        "note": inputs.leave_note(g.leave_counted) if page.is_organiser else "",
        "agenda": [
            {
                "day": d.position + 1,
                "date": start + dt.timedelta(days=d.position) if start else None,
                "kind": d.kind,
                "title": d.title,
                "notes": d.notes,
            }
            for d in page.agenda
        ],
        "groups": [
            {
                "number": gr.number,
                "members": [p.display_name for p in gr.members],
                "reasons": gr.reasons,
            }
            for gr in page.groups
        ],
        "rsvps": page.rsvp_counts or None,
    }


def _organised(request: HttpRequest, gathering_id: int) -> Gathering:
    return selectors.organised_for_viewer(_viewer(request), gathering_id)


# --- endpoints ----------------------------------------------------------------------------------


@router.get("", response={200: list[GatheringOut], **ERRORS}, summary="My gatherings")
def gathering_list(request: HttpRequest) -> list[dict[str, Any]]:
    viewer = _viewer(request)
    if viewer.person is None:
        return []
    return [
        _summary(g, viewer.person.pk, g.people_count)  # type: ignore[attr-defined]
        for g in selectors.gatherings_for_viewer(viewer)
    ]


@router.post(
    "/plan",
    response={200: PlanOut, **PLAN_ERRORS},
    summary="Rank places and weeks for these people (no gathering is saved; audited)",
)
def plan(request: HttpRequest, payload: PlanIn) -> Any:
    viewer = _viewer(request)
    if not selectors.can_plan(viewer):
        raise HttpError(403, selectors.ONLY_PLANNERS)
    try:
        people = _call(lambda: selectors.people_for(_selection(payload), viewer=viewer))
        result = _call(
            lambda: services.plan_compute(
                viewer=viewer,
                people=people,
                first_day=payload.first_day,
                last_day=payload.last_day,
                days=payload.days,
                top=payload.top,
            )
        )
    except ValidationError as exc:
        return _invalid(exc)
    return {
        "options": inputs.plan_json(result, people),
        "avoided": result.avoided.sentences(),
        "not_counted": result.not_counted,
        "leave_counted": result.avoided.leave_counted,
        "note": inputs.leave_note(result.avoided.leave_counted),
    }


@router.post(
    "",
    response={201: GatheringDetailOut, **PLAN_ERRORS},
    summary="Create a gathering (a draft with its options computed)",
)
def create(request: HttpRequest, payload: CreateIn) -> Any:
    viewer = _viewer(request)
    if not selectors.can_plan(viewer):
        raise HttpError(403, selectors.ONLY_PLANNERS)
    try:
        people = _call(lambda: selectors.people_for(_selection(payload), viewer=viewer))
        gathering = _call(
            lambda: services.gathering_create(
                viewer=viewer,
                data=services.GatheringInput(
                    name=payload.name,
                    kind=payload.kind,
                    first_day=payload.first_day,
                    last_day=payload.last_day,
                    days=payload.days,
                ),
                people=people,
            )
        )
    except ValidationError as exc:
        return _invalid(exc)
    return Status(201, _detail(request, gathering.pk))


@router.get(
    "/{gathering_id}", response={200: GatheringDetailOut, **ERRORS}, summary="One gathering"
)
def gathering_detail(request: HttpRequest, gathering_id: int) -> dict[str, Any]:
    return _detail(request, gathering_id)


def _act(request: HttpRequest, gathering_id: int, action: Any) -> Any:
    gathering = _organised(request, gathering_id)
    try:
        _call(lambda: action(_viewer(request), gathering))
    except ValidationError as exc:
        return _invalid(exc)
    return _detail(request, gathering_id)


@router.post(
    "/{gathering_id}/options",
    response={200: GatheringDetailOut, 429: ErrorOut, **ERRORS},
    summary="Compute the options again",
)
def replan(request: HttpRequest, gathering_id: int) -> Any:
    return _act(
        request, gathering_id, lambda v, g: services.gathering_replan(viewer=v, gathering=g)
    )


@router.post(
    "/{gathering_id}/choose",
    response={200: GatheringDetailOut, **BODY_ERRORS},
    summary="Choose an option (and its week); the agenda comes from the template",
)
def choose(request: HttpRequest, gathering_id: int, payload: ChooseIn) -> Any:
    return _act(
        request,
        gathering_id,
        lambda v, g: services.gathering_choose(
            viewer=v, gathering=g, option=payload.option, week=payload.week
        ),
    )


@router.post(
    "/{gathering_id}/send",
    response={200: GatheringDetailOut, **ERRORS},
    summary="Send the invitations (an invitation-only event, each invite with an .ics)",
)
def send(request: HttpRequest, gathering_id: int) -> Any:
    return _act(
        request,
        gathering_id,
        lambda v, g: services.gathering_send_invitations(viewer=v, gathering=g),
    )


@router.put(
    "/{gathering_id}/agenda",
    response={200: GatheringDetailOut, **BODY_ERRORS},
    summary="Replace the agenda: one entry per day",
)
def agenda(request: HttpRequest, gathering_id: int, payload: AgendaIn) -> Any:
    days = [services.DayInput(kind=d.kind, title=d.title, notes=d.notes) for d in payload.days]
    return _act(
        request,
        gathering_id,
        lambda v, g: services.agenda_update(viewer=v, gathering=g, days=days),
    )


@router.get(
    "/{gathering_id}/groups",
    response={200: list[GroupOut], **ERRORS},
    summary="The groups: all for the organiser, one's own for a participant",
)
def groups(request: HttpRequest, gathering_id: int) -> list[dict[str, Any]]:
    return _detail(request, gathering_id)["groups"]


@router.post(
    "/{gathering_id}/groups",
    response={200: list[GroupOut], **ERRORS},
    summary="Draw the groups (again), before the gathering starts",
)
def draw(request: HttpRequest, gathering_id: int) -> Any:
    answer = _act(
        request,
        gathering_id,
        lambda v, g: services.groups_draw(viewer=v, gathering=g, today=org_today()),
    )
    return answer if isinstance(answer, Status) else answer["groups"]


@router.post(
    "/{gathering_id}/cancel",
    response={200: GatheringDetailOut, **ERRORS},
    summary="Cancel the gathering",
)
def cancel(request: HttpRequest, gathering_id: int) -> Any:
    return _act(
        request, gathering_id, lambda v, g: services.gathering_cancel(viewer=v, gathering=g)
    )
