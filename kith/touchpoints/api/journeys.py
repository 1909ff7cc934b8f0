"""/api/v1/touchpoints/journeys: onboarding journeys, with the selectors and services of the
pages (so a page and the API never disagree on who sees what)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import BeforeValidator, ConfigDict, Discriminator, StrictBool, Tag
from pydantic.json_schema import JsonDict

from kith.core.http import viewer_of as _viewer
from kith.core.permissions import can_manage_touchpoints
from kith.directory.api import ERRORS as BASE_ERRORS
from kith.directory.api import WholeNumber
from kith.directory.models import Person
from kith.directory.schemas import ErrorOut, ValidationErrorOut
from kith.touchpoints.engine import journeys as engine
from kith.touchpoints.models import JourneyStep, JourneyTemplate
from kith.touchpoints.selectors import journeys as selectors
from kith.touchpoints.services import journeys as services

router = Router()

ERRORS: dict[int, Any] = {**BASE_ERRORS, 422: ValidationErrorOut}
WRITE_ERRORS: dict[int, Any] = {**ERRORS, 400: ErrorOut, 403: ErrorOut, 409: ErrorOut}
MAX_ID = 2**63 - 1
HR_ONLY = gettext_lazy("Only HR admins look after journey templates and every journey.")


def _whole(value: object) -> object:
    """A JSON integer (5 or 5.0), never true, "5" or 5.5: pydantic's lax mode would take
    those, which JSON Schema (and so the published contract) does not allow."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("give a whole number")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("give a whole number")
        return int(value)
    return value


Whole = Annotated[int, BeforeValidator(_whole)]

OwnerRole = Literal["joiner", "manager", "buddy", "hr", "it"]
StepKindName = Literal["human", "automated", "hybrid"]
SpecialName = Literal["", "welcome_call", "buddy", "check_in"]


class JourneyPersonOut(Schema):
    id: int
    name: str


class JourneyStepOut(Schema):
    id: int
    title: str
    description: str
    owner_role: OwnerRole
    owner: JourneyPersonOut | None = Field(..., description="null for HR and IT, or while waiting")
    owner_label: str = Field(..., description='Plain words: "You", "Ana Souza (manager)", "HR"')
    kind: StepKindName
    special: SpecialName
    due_on: dt.date
    done: bool | None = Field(
        ...,
        description=(
            "null for a welcome call, check-in or buddy step of someone else's journey "
            "(you are not the joiner, their manager, their buddy or the step's owner): whether "
            "a 1:1 was held or two people met stays with them; see booking"
        ),
    )
    done_at: dt.datetime | None
    overdue: bool
    can_tick: bool = Field(..., description="Whether you may tick this step off (or undo it)")
    meeting_starts_at: dt.datetime | None = Field(
        ..., description="The booked welcome call or check-in (UTC; show in your zone)"
    )
    waiting_for: str = Field(..., description="Why nobody owns the step yet, or empty")
    booking: Literal["booked", "not_booked"] | None = Field(
        ...,
        description=(
            "Where done is null: whether a 1:1 is booked for the step (or a buddy assigned); "
            "null otherwise"
        ),
    )


STATUS_HELP = (
    "As you may know it: where you see steps only as booked (private_steps), completed once "
    "every other step is done and their days have passed"
)
PRIVATE_HELP = (
    "Welcome call, check-in and buddy steps you see only as booked or not; they are not in "
    "done, total, percent or overdue"
)


class JourneyOut(Schema):
    id: int
    person: JourneyPersonOut
    start_date: dt.date
    status: Literal["active", "completed", "cancelled"] = Field(..., description=STATUS_HELP)
    template: str
    manager: JourneyPersonOut | None
    buddy: JourneyPersonOut | None
    done: int
    total: int
    percent: int
    private_steps: int = Field(..., description=PRIVATE_HELP)
    private_booked: int = Field(..., description="Of private_steps, those booked")
    steps: list[JourneyStepOut]


class JourneySummaryOut(Schema):
    id: int
    person: JourneyPersonOut
    start_date: dt.date
    status: Literal["active", "completed", "cancelled"] = Field(..., description=STATUS_HELP)
    done: int
    total: int
    percent: int
    overdue: int
    overdue_steps: list[str]
    private_steps: int = Field(..., description=PRIVATE_HELP)
    private_booked: int = Field(..., description="Of private_steps, those booked")


class JourneyStepDoneIn(Schema):
    done: StrictBool = Field(True, description="false opens a ticked step again")


NOT_BLANK = r"\S"  # at least one character that is not a space


class _StepIn(Schema):
    title: str = Field(..., min_length=1, max_length=engine.MAX_TITLE, pattern=NOT_BLANK)
    description: str = Field("", max_length=engine.MAX_DESCRIPTION)


class PlainStepIn(_StepIn):
    """A step people (or a system) carry out, with no part for Kith beyond reminders."""

    special: Literal[""] = ""
    owner: OwnerRole
    day_offset: Whole = Field(..., ge=engine.MIN_OFFSET, le=engine.MAX_OFFSET)
    kind: StepKindName = "human"


class WelcomeCallStepIn(_StepIn):
    """The welcome call: a 1:1 with the manager that Kith books in the first days."""

    special: Literal["welcome_call"]
    owner: Literal["manager"] = "manager"
    day_offset: Whole = Field(..., ge=0, le=engine.WELCOME_CALL_LATEST)
    kind: Literal["human", "hybrid"] = "human"


class CheckInStepIn(_StepIn):
    """A check-in: a 1:1 with the manager after the start, booked as its day nears."""

    special: Literal["check_in"]
    owner: Literal["manager"] = "manager"
    day_offset: Whole = Field(..., ge=1, le=engine.MAX_OFFSET)
    kind: Literal["human", "hybrid"] = "human"


class BuddyStepIn(_StepIn):
    """Meeting the buddy Connect's buddy program finds."""

    special: Literal["buddy"]
    owner: Literal["buddy"] = "buddy"
    day_offset: Whole = Field(..., ge=engine.MIN_OFFSET, le=engine.MAX_OFFSET)
    kind: Literal["human", "hybrid"] = "human"


def _special_of(value: Any) -> str:
    special = value.get("special", "") if isinstance(value, dict) else getattr(value, "special", "")
    return special if special in ("welcome_call", "check_in", "buddy") else "plain"


JourneyTemplateStepIn = Annotated[
    Annotated[PlainStepIn, Tag("plain")]
    | Annotated[WelcomeCallStepIn, Tag("welcome_call")]
    | Annotated[CheckInStepIn, Tag("check_in")]
    | Annotated[BuddyStepIn, Tag("buddy")],
    Discriminator(_special_of),
]
# JSON Schema says what it can of the rules across steps: one welcome call at most.
_ONE_WELCOME_CALL: JsonDict = {
    "contains": {"properties": {"special": {"const": "welcome_call"}}, "required": ["special"]},
    "minContains": 0,
    "maxContains": 1,
}
# …and across fields: the template for every new person is switched on.
_DEFAULT_IS_ACTIVE: JsonDict = {
    "if": {"properties": {"is_default": {"const": True}}, "required": ["is_default"]},
    "then": {"properties": {"is_active": {"const": True}}},
}


class JourneyTemplateStepOut(Schema):
    id: int
    title: str
    description: str
    owner: OwnerRole
    day_offset: int
    kind: StepKindName
    special: SpecialName


class JourneyTemplateIn(Schema):
    """A template and all its steps: PUT replaces every step."""

    model_config = ConfigDict(json_schema_extra=_DEFAULT_IS_ACTIVE)

    name: str = Field(..., min_length=1, max_length=services.MAX_NAME, pattern=NOT_BLANK)
    description: str = Field("", max_length=services.MAX_TEMPLATE_DESCRIPTION)
    is_default: StrictBool = False
    is_active: StrictBool = True
    steps: list[JourneyTemplateStepIn] = Field(
        ..., min_length=1, max_length=engine.MAX_STEPS, json_schema_extra=_ONE_WELCOME_CALL
    )


class JourneyTemplateOut(Schema):
    id: int
    name: str
    description: str
    is_default: bool
    is_active: bool
    steps: list[JourneyTemplateStepOut]


class JourneyStartIn(Schema):
    person_id: Whole = Field(..., ge=1, description="The directory id of the new joiner")


# --- Shapes ---------------------------------------------------------------------------------


def _brief(person: Person | None) -> dict[str, Any] | None:
    return None if person is None else {"id": person.pk, "name": person.display_name}


def _step_dict(s: selectors.StepView) -> dict[str, Any]:
    step = s.step
    return {
        "id": step.pk,
        "title": step.title,
        "description": step.description,
        "owner_role": step.owner_role,
        "owner": _brief(step.owner),
        "owner_label": s.owner_label,
        "kind": step.kind,
        "special": step.special,
        "due_on": step.due_on,
        "done": None if s.booking_only else s.is_done,
        "done_at": None if s.booking_only else step.done_at,
        "overdue": s.is_overdue,
        "can_tick": s.can_tick,
        "meeting_starts_at": s.meeting_starts_at,
        "waiting_for": s.waiting_for,
        "booking": ("booked" if s.is_booked else "not_booked") if s.booking_only else None,
    }


def _journey_dict(view: selectors.JourneyView) -> dict[str, Any]:
    j = view.journey
    return {
        "id": j.pk,
        "person": _brief(j.person),
        "start_date": j.start_date,
        "status": view.status or j.status,
        "template": j.template.name if j.template else "",
        "manager": _brief(j.manager),
        "buddy": _brief(j.buddy),
        "done": view.done,
        "total": view.total,
        "percent": view.percent,
        "private_steps": view.private_total,
        "private_booked": view.private_booked,
        "steps": [_step_dict(s) for s in view.steps],
    }


def _summary_dict(row: selectors.JourneySummary) -> dict[str, Any]:
    j = row.journey
    return {
        "id": j.pk,
        "person": _brief(j.person),
        "start_date": j.start_date,
        "status": row.status or j.status,
        "done": row.done,
        "total": row.total,
        "percent": row.percent,
        "overdue": row.overdue,
        "overdue_steps": row.overdue_titles,
        "private_steps": row.private_total,
        "private_booked": row.private_booked,
    }


def _template_dict(template: JourneyTemplate) -> dict[str, Any]:
    return {
        "id": template.pk,
        "name": template.name,
        "description": template.description,
        "is_default": template.is_default,
        "is_active": template.is_active,
        "steps": [
            {
                "id": s.pk,
                "title": s.title,
                "description": s.description,
                "owner": s.owner,
                "day_offset": s.day_offset,
                "kind": s.kind,
                "special": s.special,
            }
            for s in template.steps.order_by("day_offset", "id")
        ],
    }


def _existing_id(value: int) -> int:
    if not 0 < value <= MAX_ID:
        raise HttpError(404, _("Not found."))
    return value


def _require_hr(request: HttpRequest) -> None:
    if not can_manage_touchpoints(_viewer(request)):
        raise HttpError(403, str(HR_ONLY))


def _journey_or_404(request: HttpRequest, journey_id: int) -> selectors.JourneyView:
    view = selectors.journey_for_viewer(_viewer(request), _existing_id(journey_id))
    if view is None:
        raise HttpError(404, _("No such journey."))
    return view


def _field_errors(exc: ValidationError) -> dict[str, Any]:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"payload": exc.messages}
    return {
        "detail": [
            {"loc": ["body", "payload", *key.split(".")], "msg": message, "type": "value_error"}
            for key, messages in errors.items()
            for message in messages
        ]
    }


# --- Journeys -------------------------------------------------------------------------------


@router.get(
    "",
    response={200: list[JourneySummaryOut], **ERRORS},
    summary="Journeys I can see: mine, those I help with, and (HR) every one in progress",
)
def list_journeys(request: HttpRequest) -> list[dict[str, Any]]:
    return [_summary_dict(r) for r in selectors.visible_journeys_for_viewer(_viewer(request))]


@router.get("/me", response={200: JourneyOut, **ERRORS}, summary="My own onboarding journey")
def my_journey(request: HttpRequest) -> dict[str, Any]:
    home = selectors.journey_home_for_viewer(_viewer(request))
    if home.mine is None:
        raise HttpError(404, _("You have no onboarding journey."))
    return _journey_dict(home.mine)


@router.post(
    "/start",
    response={201: JourneyOut, **WRITE_ERRORS},
    summary="HR: start a journey for a person with the default template",
)
def start_journey(request: HttpRequest, payload: JourneyStartIn) -> Status:
    _require_hr(request)
    person = Person.objects.filter(pk=_existing_id(payload.person_id)).first()
    if person is None:
        raise HttpError(404, _("No such person."))
    try:
        journey = services.journey_start(person=person, viewer=_viewer(request))
    except ValidationError as exc:
        raise HttpError(409, " ".join(exc.messages)) from exc
    return Status(201, _journey_dict(_journey_or_404(request, journey.pk)))


@router.post(
    "/steps/{step_id}/done",
    response={200: JourneyOut, **WRITE_ERRORS},
    summary="Tick a step off (or open it again): its owner, or HR for HR and IT steps",
)
def tick_step(
    request: HttpRequest, step_id: WholeNumber, payload: JourneyStepDoneIn
) -> dict[str, Any]:
    viewer = _viewer(request)
    step = JourneyStep.objects.filter(pk=_existing_id(step_id)).first()
    if step is None or selectors.journey_for_viewer(viewer, step.journey_id) is None:
        raise HttpError(404, _("No such step."))
    try:
        services.journey_step_complete(viewer=viewer, step=step, done=payload.done)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from exc
    except ValidationError as exc:
        raise HttpError(409, " ".join(exc.messages)) from exc
    return _journey_dict(_journey_or_404(request, step.journey_id))


# --- Templates (HR) -------------------------------------------------------------------------


@router.get(
    "/templates",
    response={200: list[JourneyTemplateOut], 403: ErrorOut, **ERRORS},
    summary="HR: journey templates",
)
def list_templates(request: HttpRequest) -> list[dict[str, Any]]:
    _require_hr(request)
    services.templates_ensure_shipped()
    rows = selectors.templates_for_viewer(_viewer(request)) or []
    return [_template_dict(r.template) for r in rows]


@router.post(
    "/templates",
    response={201: JourneyTemplateOut, **WRITE_ERRORS},
    summary="HR: create a journey template",
)
def create_template(request: HttpRequest, payload: JourneyTemplateIn) -> Status:
    _require_hr(request)
    return _save_template(request, None, payload)


@router.get(
    "/templates/{template_id}",
    response={200: JourneyTemplateOut, 403: ErrorOut, **ERRORS},
    summary="HR: one journey template",
)
def get_template(request: HttpRequest, template_id: WholeNumber) -> dict[str, Any]:
    return _template_dict(_template_or_404(request, template_id))


@router.put(
    "/templates/{template_id}",
    response={200: JourneyTemplateOut, **WRITE_ERRORS},
    summary="HR: replace a journey template and its steps",
)
def update_template(
    request: HttpRequest, template_id: WholeNumber, payload: JourneyTemplateIn
) -> Status:
    return _save_template(request, _template_or_404(request, template_id), payload)


def _template_or_404(request: HttpRequest, template_id: int) -> JourneyTemplate:
    _require_hr(request)
    template = selectors.template_for_viewer(_viewer(request), _existing_id(template_id))
    if template is None:
        raise HttpError(404, _("No such template."))
    return template


def _save_template(
    request: HttpRequest, template: JourneyTemplate | None, payload: JourneyTemplateIn
) -> Status:
    specs = [
        engine.StepSpec(
            title=s.title,
            owner=s.owner,
            day_offset=s.day_offset,
            kind=s.kind,
            special=s.special,
            description=s.description,
        )
        for s in payload.steps
    ]
    try:
        saved = services.template_save(
            viewer=_viewer(request),
            template=template,
            name=payload.name,
            description=payload.description,
            is_default=payload.is_default,
            is_active=payload.is_active,
            steps=specs,
        )
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from exc
    except ValidationError as exc:
        if _only_a_name_taken(exc):
            raise HttpError(409, _("Another template already has this name.")) from exc
        return Status(422, _field_errors(exc))
    return Status(201 if template is None else 200, _template_dict(saved))


def _only_a_name_taken(exc: ValidationError) -> bool:
    errors = getattr(exc, "error_dict", {})
    return list(errors) == ["name"] and all(e.code == "name_taken" for e in errors["name"])


# Last: "/{journey_id}" would otherwise shadow the fixed paths above.
@router.get(
    "/{journey_id}",
    response={200: JourneyOut, **ERRORS},
    summary="One journey with its steps (the joiner, its step owners, HR)",
)
def get_journey(request: HttpRequest, journey_id: WholeNumber) -> dict[str, Any]:
    return _journey_dict(_journey_or_404(request, journey_id))
