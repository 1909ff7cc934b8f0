"""/api/v1/touchpoints/audit/…: the human-touch audit, with the same selectors, services and
permissions as the pages. HR maps processes and steps and reads the journey map and the
published figures; every colleague lists the steps that ask for feedback and answers each
once."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict

from kith.core.http import error_text
from kith.core.http import viewer_of as _viewer
from kith.core.permissions import can_give_step_feedback, can_manage_touchpoints, require
from kith.directory.api import ERRORS as BASE_ERRORS
from kith.directory.api import WholeNumber
from kith.directory.schemas import ErrorOut, ValidationErrorOut
from kith.touchpoints.models.audit import ProcessStep
from kith.touchpoints.selectors import audit as selectors
from kith.touchpoints.services import audit as services

router = Router()
# OpenAPI component names are global across apps, so every schema here says whose it is.
ERRORS: dict[int, Any] = {**BASE_ERRORS, 403: ErrorOut, 422: ValidationErrorOut}
# A body that is not JSON at all is a 400 before any field is read.
BODY_ERRORS: dict[int, Any] = {**ERRORS, 400: ErrorOut}
MAX_ID = 2**63 - 1
# Something besides blanks (services.BLANK) and NUL, which are trimmed or dropped.
NAME = r"[^ \t\n\r\x0b\x0c\x00]"
Stage = Literal["recruit", "onboard", "perform", "engage", "develop", "resolve", "offboard"]


class AuditProcessIn(Schema):
    stage: Stage
    name: str = Field(..., min_length=1, max_length=160, pattern=NAME)
    description: str = Field("", max_length=2000)


class AuditStepIn(Schema):
    # A step that needs a human touch says why (the same rule as the service's).
    model_config = ConfigDict(
        json_schema_extra={
            "if": {
                "properties": {"needs_human_touch": {"const": True}},
                "required": ["needs_human_touch"],
            },
            "then": {"properties": {"why_human": {"pattern": NAME}}, "required": ["why_human"]},
        }
    )
    name: str = Field(..., min_length=1, max_length=160, pattern=NAME)
    mode: Literal["automated", "human", "hybrid"]
    description: str = Field("", max_length=2000)
    needs_human_touch: bool = Field(False, description="Emotional weight: reviews, layoffs …")
    why_human: str = Field("", max_length=300, description="Required when it needs one")
    asks_feedback: bool = Field(True, description="Ask colleagues whether it felt human")


class AuditMoveIn(Schema):
    direction: Literal["up", "down"]


class AuditAnswerIn(Schema):
    answer: Literal["yes", "partly", "no"] = Field(..., description="Did this step feel human?")


class AuditFigureOut(Schema):
    respondents: int
    felt_human: float = Field(..., description="Share who answered yes, 0 to 1")
    partly: float
    not_human: float = Field(..., description="Share who answered no, 0 to 1")
    published_on: dt.date = Field(
        ...,
        description="The day (UTC) the hourly job published it; never a time, which could "
        "mark when the answer that completed the batch came",
    )


class AuditStepOut(Schema):
    id: int
    process_id: int
    stage: str
    name: str
    description: str
    mode: str
    needs_human_touch: bool
    why_human: str
    asks_feedback: bool
    position: int
    risk: str = Field(..., description="high, medium or low")
    reasons: list[str]
    suggestions: list[str]
    figure: AuditFigureOut | None = Field(
        ..., description="The published feedback; null: not enough answers yet"
    )


class AuditProcessOut(Schema):
    id: int
    stage: str
    name: str
    description: str
    position: int
    steps: list[AuditStepOut]


class AuditStageOut(Schema):
    stage: str
    label: str
    counts: dict[str, int] = Field(..., description="Steps by risk")
    worst: str
    processes: list[AuditProcessOut]


class AuditMapOut(Schema):
    k: int = Field(..., description="The fewest answers ever shown together")
    counts: dict[str, int]
    stages: list[AuditStageOut]
    flagged: list[AuditStepOut] = Field(..., description="High risk first")


class AuditExampleOut(Schema):
    steps: int


class AuditFeedbackItemOut(Schema):
    step_id: int
    stage: str
    process: str
    name: str
    description: str
    answered: bool = Field(..., description="You answered (Kith cannot tell what)")


class AuditFigureRowOut(Schema):
    step_id: int
    stage: str
    process: str
    name: str
    figure: AuditFigureOut | None = Field(..., description="null: not enough answers yet")


def _figure(view: selectors.StepView) -> dict[str, Any] | None:
    f = view.figure
    if f is None:
        return None
    return {
        "respondents": f.respondents,
        "felt_human": round(f.felt_human, 4),
        "partly": round(f.partly, 4),
        "not_human": round(f.not_human, 4),
        "published_on": f.published_on,
    }


def _step(view: selectors.StepView) -> dict[str, Any]:
    s = view.step
    return {
        "id": s.pk,
        "process_id": s.process_id,
        "stage": view.process.stage,
        "name": s.name,
        "description": s.description,
        "mode": s.mode,
        "needs_human_touch": s.needs_human_touch,
        "why_human": s.why_human,
        "asks_feedback": s.asks_feedback,
        "position": s.position,
        "risk": view.risk,
        "reasons": view.reasons,
        "suggestions": view.suggestions,
        "figure": _figure(view),
    }


def _process(page: selectors.ProcessPage) -> dict[str, Any]:
    p = page.process
    return {
        "id": p.pk,
        "stage": p.stage,
        "name": p.name,
        "description": p.description,
        "position": p.position,
        "steps": [_step(s) for s in page.steps],
    }


def _card(card: selectors.ProcessCard) -> dict[str, Any]:
    return _process(selectors.ProcessPage(card.process, "", card.steps))


def _map(view: selectors.LifecycleMap) -> dict[str, Any]:
    return {
        "k": view.k,
        "counts": view.counts,
        "stages": [
            {
                "stage": c.key,
                "label": c.label,
                "counts": c.counts,
                "worst": c.worst,
                "processes": [_card(card) for card in c.processes],
            }
            for c in view.stages
        ],
        "flagged": [_step(s) for s in view.flagged],
    }


def _field_errors(exc: ValidationError) -> dict[str, Any]:
    by_field = exc.message_dict if hasattr(exc, "error_dict") else {"payload": exc.messages}
    return {
        "detail": [
            {"loc": ["body", "payload", field], "msg": message, "type": "value_error"}
            for field, messages in by_field.items()
            for message in messages
        ]
    }


def _hr_only(request: HttpRequest) -> None:
    """Permission first, whatever the body says (selectors ask kith.core.permissions)."""
    try:
        require(can_manage_touchpoints(_viewer(request)), str(services.ONLY_HR))
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from exc


def _process_page(request: HttpRequest, process_id: int) -> selectors.ProcessPage:
    _hr_only(request)
    page = (
        selectors.process_for_viewer(_viewer(request), process_id) if process_id <= MAX_ID else None
    )
    if page is None:
        raise HttpError(404, _("No such process."))
    return page


def _step_view(request: HttpRequest, step_id: int) -> selectors.StepView:
    _hr_only(request)
    view = selectors.step_for_viewer(_viewer(request), step_id) if step_id <= MAX_ID else None
    if view is None:
        raise HttpError(404, _("No such step."))
    return view


# --- HR: the map ----------------------------------------------------------------------------------


@router.get(
    "/map", response={200: AuditMapOut, **ERRORS}, summary="The journey map, coloured by risk"
)
def journey_map(request: HttpRequest) -> dict[str, Any]:
    _hr_only(request)
    return _map(selectors.lifecycle_map_for_viewer(_viewer(request)))


@router.get("/processes", response={200: list[AuditProcessOut], **ERRORS}, summary="Every process")
def list_processes(request: HttpRequest) -> list[dict[str, Any]]:
    _hr_only(request)
    view = selectors.lifecycle_map_for_viewer(_viewer(request))
    return [_card(card) for column in view.stages for card in column.processes]


@router.post(
    "/processes",
    response={201: AuditProcessOut, 409: ErrorOut, **BODY_ERRORS},
    summary="Add a process to a stage",
)
def create_process(request: HttpRequest, payload: AuditProcessIn) -> Status:
    _hr_only(request)
    try:
        process = services.process_create(
            viewer=_viewer(request), data=services.ProcessInput(**payload.dict())
        )
    except services.Conflict as exc:
        raise HttpError(409, error_text(exc)) from exc
    except ValidationError as exc:
        return Status(422, _field_errors(exc))
    return Status(201, _process(_process_page(request, process.pk)))


@router.get(
    "/processes/{process_id}", response={200: AuditProcessOut, **ERRORS}, summary="A process"
)
def get_process(request: HttpRequest, process_id: WholeNumber) -> dict[str, Any]:
    return _process(_process_page(request, process_id))


@router.put(
    "/processes/{process_id}",
    response={200: AuditProcessOut, 409: ErrorOut, **BODY_ERRORS},
    summary="Rename, describe or move a process to another stage",
)
def update_process(
    request: HttpRequest, process_id: WholeNumber, payload: AuditProcessIn
) -> Status:
    page = _process_page(request, process_id)
    try:
        services.process_update(
            viewer=_viewer(request),
            process_id=page.process.pk,
            data=services.ProcessInput(**payload.dict()),
        )
    except services.Conflict as exc:
        raise HttpError(409, error_text(exc)) from exc
    except ValidationError as exc:
        return Status(422, _field_errors(exc))
    return Status(200, _process(_process_page(request, process_id)))


@router.delete(
    "/processes/{process_id}",
    response={204: None, **ERRORS},
    summary="Delete a process, its steps and their feedback",
)
def delete_process(request: HttpRequest, process_id: WholeNumber) -> Status:
    page = _process_page(request, process_id)
    services.process_delete(viewer=_viewer(request), process_id=page.process.pk)
    return Status(204, None)


@router.post(
    "/processes/{process_id}/move",
    response={200: AuditProcessOut, **BODY_ERRORS},
    summary="Move a process one place up or down in its stage",
)
def move_process(
    request: HttpRequest, process_id: WholeNumber, payload: AuditMoveIn
) -> dict[str, Any]:
    page = _process_page(request, process_id)
    services.process_move(
        viewer=_viewer(request), process_id=page.process.pk, direction=payload.direction
    )
    return _process(_process_page(request, process_id))


@router.post(
    "/processes/{process_id}/steps",
    response={201: AuditStepOut, 409: ErrorOut, **BODY_ERRORS},
    summary="Add a step at the end of a process",
)
def create_step(request: HttpRequest, process_id: WholeNumber, payload: AuditStepIn) -> Status:
    page = _process_page(request, process_id)
    try:
        step = services.step_create(
            viewer=_viewer(request),
            process_id=page.process.pk,
            data=services.StepInput(**payload.dict()),
        )
    except services.Conflict as exc:
        raise HttpError(409, error_text(exc)) from exc
    except ValidationError as exc:
        return Status(422, _field_errors(exc))
    return Status(201, _step(_step_view(request, step.pk)))


@router.get(
    "/steps/{step_id}", response={200: AuditStepOut, **ERRORS}, summary="A step and its risk"
)
def get_step(request: HttpRequest, step_id: WholeNumber) -> dict[str, Any]:
    return _step(_step_view(request, step_id))


@router.put(
    "/steps/{step_id}",
    response={200: AuditStepOut, 409: ErrorOut, **BODY_ERRORS},
    summary="Change a step",
)
def update_step(request: HttpRequest, step_id: WholeNumber, payload: AuditStepIn) -> Status:
    view = _step_view(request, step_id)
    try:
        services.step_update(
            viewer=_viewer(request), step_id=view.step.pk, data=services.StepInput(**payload.dict())
        )
    except services.Conflict as exc:
        raise HttpError(409, error_text(exc)) from exc
    except ValidationError as exc:
        return Status(422, _field_errors(exc))
    return Status(200, _step(_step_view(request, step_id)))


@router.delete(
    "/steps/{step_id}", response={204: None, **ERRORS}, summary="Delete a step and its feedback"
)
def delete_step(request: HttpRequest, step_id: WholeNumber) -> Status:
    view = _step_view(request, step_id)
    services.step_delete(viewer=_viewer(request), step_id=view.step.pk)
    return Status(204, None)


@router.post(
    "/steps/{step_id}/move",
    response={200: AuditStepOut, **BODY_ERRORS},
    summary="Move a step one place up or down in its process",
)
def move_step(request: HttpRequest, step_id: WholeNumber, payload: AuditMoveIn) -> dict[str, Any]:
    view = _step_view(request, step_id)
    services.step_move(viewer=_viewer(request), step_id=view.step.pk, direction=payload.direction)
    return _step(_step_view(request, step_id))


@router.post(
    "/example",
    response={201: AuditExampleOut, 409: ErrorOut, **ERRORS},
    summary="Load Kith's example lifecycle into an empty map",
)
def load_example(request: HttpRequest) -> Status:
    _hr_only(request)
    try:
        steps = services.example_map_load(viewer=_viewer(request))
    except ValidationError as exc:
        raise HttpError(409, error_text(exc)) from exc
    return Status(201, {"steps": steps})


@router.get(
    "/figures",
    response={200: list[AuditFigureRowOut], **ERRORS},
    summary="Published feedback per step (null: not enough answers yet)",
)
def figures(request: HttpRequest) -> list[dict[str, Any]]:
    _hr_only(request)
    view = selectors.lifecycle_map_for_viewer(_viewer(request))
    return [
        {
            "step_id": s.step.pk,
            "stage": s.process.stage,
            "process": s.process.name,
            "name": s.step.name,
            "figure": _figure(s),
        }
        for s in view.steps
        if s.step.asks_feedback
    ]


# --- Every colleague: "Did this feel human?" -----------------------------------------------------


def _colleague_only(request: HttpRequest) -> None:
    if not can_give_step_feedback(_viewer(request)):
        raise HttpError(403, _("Only colleagues in the directory give feedback."))


def _item(item: selectors.FeedbackItem) -> dict[str, Any]:
    return {
        "step_id": item.step_id,
        "stage": item.stage,
        "process": item.process,
        "name": item.name,
        "description": item.description,
        "answered": item.answered,
    }


@router.get(
    "/feedback",
    response={200: list[AuditFeedbackItemOut], **ERRORS},
    summary="Steps that ask for my feedback, and which I answered",
)
def my_feedback(request: HttpRequest) -> list[dict[str, Any]]:
    _colleague_only(request)
    page = selectors.feedback_page_for_viewer(_viewer(request))
    return [_item(item) for stage in page.stages for item in stage.items]


@router.post(
    "/feedback/{step_id}",
    response={201: AuditFeedbackItemOut, 409: ErrorOut, **BODY_ERRORS},
    summary="Say whether a step felt human (once per step, stored without my name)",
)
def answer_step(request: HttpRequest, step_id: WholeNumber, payload: AuditAnswerIn) -> Status:
    _colleague_only(request)
    viewer = _viewer(request)
    try:
        if step_id > MAX_ID:
            raise ProcessStep.DoesNotExist
        services.step_feedback_submit(viewer=viewer, step_id=step_id, answer=payload.answer)
    except ProcessStep.DoesNotExist:
        raise HttpError(404, _("No such step asks for feedback.")) from None
    except services.AlreadyAnswered as exc:
        raise HttpError(409, error_text(exc)) from exc
    except ValidationError as exc:
        return Status(422, _field_errors(exc))
    item = selectors.feedback_item_for_viewer(viewer, step_id)
    assert item is not None
    return Status(201, _item(item))
