"""The channel guide and the advisor over JSON: the same selectors and services as the pages.

Everyone signed in reads the guide and asks the advisor; HR edits the guide. Errors are
{"detail": …} and name the field."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from pydantic import BeforeValidator

from kith.core.http import viewer_of as _viewer
from kith.core.jsonschema import Id, JsonBool, whole_number
from kith.directory.api import ERRORS as BASE_ERRORS
from kith.directory.schemas import ErrorOut, ValidationErrorOut
from kith.guidelines.engine.advisor import Option
from kith.guidelines.selectors import guide as selectors
from kith.guidelines.services import guide as services

router = Router()
ERRORS: dict[int, Any] = {**BASE_ERRORS, 403: ErrorOut, 422: ValidationErrorOut}
BODY_ERRORS: dict[int, Any] = {**ERRORS, 400: ErrorOut}

ChannelName = Literal["in_person", "video", "phone", "chat", "email"]
FitName = Literal["best", "good", "avoid"]
SensitivityName = Literal["low", "medium", "high"]


def _call(action: Any) -> Any:
    """A service's ValidationError (each message already naming its field, "Name: …") is
    answered 400 by the API's one handler (config/api.py)."""
    try:
        return action()
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or _("Not allowed.")) from exc


class CellOut(Schema):
    channel: ChannelName
    fit: FitName
    why: str


class KindOut(Schema):
    id: int
    slug: str
    name: str
    description: str
    sensitivity: SensitivityName
    position: int
    cells: list[CellOut]


def _kind(row: selectors.KindRow) -> dict[str, Any]:
    k = row.kind
    return {
        "id": k.pk,
        "slug": k.slug,
        "name": k.name,
        "description": k.description,
        "sensitivity": k.sensitivity,
        "position": k.position,
        "cells": [{"channel": c.channel, "fit": c.fit, "why": c.why} for c in row.cells],
    }


def _require_editor(request: HttpRequest) -> Any:
    viewer = _viewer(request)
    if not services.can_edit_guide(viewer):
        raise HttpError(403, _("Only HR admins edit the channel guide."))
    return viewer


@router.get("/guide", response={200: list[KindOut], **ERRORS}, summary="The channel guide")
def get_guide(request: HttpRequest) -> list[dict[str, Any]]:
    return [_kind(r) for r in _call(lambda: selectors.guide_for_viewer(_viewer(request)))]


class KindIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    description: str = Field("", max_length=300)
    sensitivity: SensitivityName = "medium"


@router.post(
    "/guide/kinds",
    response={201: KindOut, **BODY_ERRORS},
    summary="Add a kind of conversation (HR)",
    description="It starts with the default guide's cells for its sensitivity.",
)
def add_kind(request: HttpRequest, payload: KindIn) -> tuple[int, Any]:
    viewer = _require_editor(request)
    kind = _call(lambda: services.kind_create(viewer=viewer, **payload.dict()))
    return 201, _kind(selectors.kind_for_viewer(viewer, kind.pk))


# Bounds inside the Annotated, so they reach the OpenAPI document (kith/core/jsonschema.py).
Position = Annotated[int, Field(ge=0, le=1000), BeforeValidator(whole_number)]


class KindPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    description: str | None = Field(None, max_length=300)
    sensitivity: SensitivityName | None = None
    position: Position | None = Field(
        None, description="Move to this place in the guide (0 = first)"
    )


@router.patch(
    "/guide/kinds/{kind_id}",
    response={200: KindOut, **BODY_ERRORS},
    summary="Rename a kind, change its description, sensitivity or place (HR)",
)
def patch_kind(request: HttpRequest, kind_id: int, payload: KindPatch) -> dict[str, Any]:
    viewer = _require_editor(request)
    row = selectors.kind_for_viewer(viewer, kind_id)
    _call(
        lambda: services.kind_update(
            viewer=viewer,
            kind=row.kind,
            name=payload.name,
            description=payload.description,
            sensitivity=payload.sensitivity,
        )
    )
    if payload.position is not None:
        order = [r.kind.pk for r in selectors.guide_for_viewer(viewer) if r.kind.pk != kind_id]
        order.insert(min(payload.position, len(order)), kind_id)
        _call(lambda: services.kinds_reorder(viewer=viewer, kind_ids=order))
    return _kind(selectors.kind_for_viewer(viewer, kind_id))


@router.delete(
    "/guide/kinds/{kind_id}",
    response={204: None, **BODY_ERRORS},
    summary="Remove a kind and its cells (HR)",
)
def delete_kind(request: HttpRequest, kind_id: int) -> tuple[int, None]:
    viewer = _require_editor(request)
    row = selectors.kind_for_viewer(viewer, kind_id)
    _call(lambda: services.kind_delete(viewer=viewer, kind=row.kind))
    return 204, None


class CellIn(Schema):
    channel: ChannelName
    fit: FitName
    why: str = Field(..., min_length=1, max_length=300)


class CellsIn(Schema):
    cells: list[CellIn] = Field(..., min_length=1, max_length=5)


@router.put(
    "/guide/kinds/{kind_id}/cells",
    response={200: KindOut, **BODY_ERRORS},
    summary="Set a kind's fit and why per channel (HR)",
    description="Channels left out keep their cells; nothing is saved unless all are valid.",
)
def put_cells(request: HttpRequest, kind_id: int, payload: CellsIn) -> dict[str, Any]:
    viewer = _require_editor(request)
    row = selectors.kind_for_viewer(viewer, kind_id)
    channels = [c.channel for c in payload.cells]
    if len(channels) != len(set(channels)):
        raise HttpError(400, _("cells: name each channel once."))
    cells: dict[str, tuple[str, str]] = {c.channel: (c.fit, c.why) for c in payload.cells}
    _call(lambda: services.cells_update(viewer=viewer, kind=row.kind, cells=cells))
    return _kind(selectors.kind_for_viewer(viewer, kind_id))


@router.post(
    "/guide/reset",
    response={200: list[KindOut], **BODY_ERRORS},
    summary="Reset to the default guide (HR)",
)
def reset_guide(request: HttpRequest) -> list[dict[str, Any]]:
    viewer = _require_editor(request)
    _call(lambda: services.guide_reset(viewer=viewer))
    return [_kind(r) for r in selectors.guide_for_viewer(viewer)]


# --- The advisor ------------------------------------------------------------------------------


class AdviceIn(Schema):
    kind: str = Field(..., min_length=1, max_length=60, description="The kind's slug")
    sensitivity: SensitivityName | None = Field(None, description="Leave out: the kind's own")
    urgency: Literal["today", "this_week", "no_rush"] = "this_week"
    distance: Literal["same_place", "same_zone", "few_hours", "far_apart"] | None = Field(
        None, description="Leave out with a colleague: Kith works it out from the directory"
    )
    colleague: Id | None = Field(None, description="A person's id")


class OptionOut(Schema):
    channel: ChannelName
    label: str
    fit: FitName
    why: str
    notes: list[str]
    excluded: str = Field("", description="Why it is not offered at all")


class NextStepOut(Schema):
    kind: Literal["one_on_one", "call", "message"]
    label: str
    channel: str
    one_on_one: int | None = Field(None, description="The shared 1:1 (touchpoints API)")
    my_role: str
    suggested_times: list[dt.datetime] = Field(
        ..., description="For a call: free times inside both people's working hours"
    )


class AdviceOut(Schema):
    kind: str
    sensitivity: SensitivityName
    urgency: str
    distance: str
    distance_worked_out: bool
    zone_gap_hours: float | None
    recommended: OptionOut
    reason: str
    alternatives: list[OptionOut]
    not_advised: list[OptionOut]
    next_step: NextStepOut | None


def _option(o: Option) -> dict[str, Any]:
    return {
        "channel": o.channel,
        "label": o.label,
        "fit": o.fit,
        "why": o.why,
        "notes": o.notes,
        "excluded": o.excluded,
    }


def _step(step: selectors.NextStep | None) -> dict[str, Any] | None:
    if step is None:
        return None
    return {
        "kind": step.kind,
        "label": step.label,
        "channel": step.channel,
        "one_on_one": step.one_on_one_id,
        "my_role": step.my_role,
        "suggested_times": step.times,
    }


@router.post(
    "/advice",
    response={200: AdviceOut, **BODY_ERRORS},
    summary="How should I have this conversation?",
    description="Nothing is stored. With a colleague, the next step is a 1:1 (manager or "
    "report) or a call at a time inside both people's working hours.",
)
def advice(request: HttpRequest, payload: AdviceIn) -> dict[str, Any]:
    viewer = _viewer(request)

    def ask() -> selectors.AdvicePage:
        colleague = selectors.colleague_for_viewer(viewer, person_id=payload.colleague)
        return selectors.advice_for_viewer(
            viewer,
            kind_key=payload.kind,
            sensitivity=payload.sensitivity or "",
            urgency=payload.urgency,
            distance=payload.distance or "",
            colleague=colleague,
        )

    page: selectors.AdvicePage = _call(ask)
    s = page.situation
    return {
        "kind": page.kind.slug,
        "sensitivity": s.sensitivity,
        "urgency": s.urgency,
        "distance": s.distance,
        "distance_worked_out": page.distance_worked_out,
        "zone_gap_hours": page.zone_gap_hours,
        "recommended": _option(page.advice.recommended),
        "reason": page.advice.reason,
        "alternatives": [_option(o) for o in page.advice.alternatives],
        "not_advised": [_option(o) for o in page.advice.not_advised],
        "next_step": _step(page.next_step),
    }


class ProposeIn(Schema):
    colleague: Id
    starts_at: dt.datetime = Field(..., description="With its offset")
    channel: Literal["in_person", "video", "phone"] = "video"
    minutes: Literal[15, 30, 45, 60] = 30
    kind: str | None = Field(None, max_length=60, description="The kind's slug")
    include_kind: JsonBool = Field(
        False, description="Name the kind in the proposal (otherwise: 'a conversation')"
    )


class ProposeOut(Schema):
    sent_to: str
    starts_at: dt.datetime


@router.post(
    "/propose-call",
    response={201: ProposeOut, 429: ErrorOut, **BODY_ERRORS},
    summary="Propose a call: the colleague gets a notification with an .ics invitation",
    description="Nothing is stored but the two notifications (the colleague's and your copy).",
)
def propose_call(request: HttpRequest, payload: ProposeIn) -> tuple[int, Any]:
    viewer = _viewer(request)
    if payload.starts_at.tzinfo is None:
        raise HttpError(400, _("starts_at: give the time with its offset, e.g. 2026-12-08T10:30Z."))

    def act() -> dict[str, Any]:
        colleague = selectors.colleague_for_viewer(viewer, person_id=payload.colleague)
        assert colleague is not None
        kind = selectors.kind_for_viewer(viewer, payload.kind).kind if payload.kind else None
        when = services.call_propose(
            viewer=viewer,
            colleague=colleague,
            starts_at=payload.starts_at,
            channel=payload.channel,
            minutes=payload.minutes,
            kind=kind,
            include_kind=payload.include_kind,
        )
        return {"sent_to": colleague.display_name, "starts_at": when}

    return 201, _call(act)
