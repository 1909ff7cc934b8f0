"""Insights' JSON API: the same selectors, services and permissions as the pages.

Relational health (HR: the organisation; managers: their reporting line), my insights (the
caller's own figures only), HR's switch, compute, targets, imports and export."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from kith.core import audit
from kith.core.db import read_replica
from kith.core.http import error_text
from kith.core.http import viewer_of as _viewer
from kith.core.permissions import can_manage_insights, can_view_relational_health
from kith.directory.api import ERRORS as BASE_ERRORS
from kith.directory.schemas import ErrorOut, ValidationErrorOut
from kith.insights import selectors, services
from kith.insights.metrics import METRICS
from kith.insights.models import ImportRun

router = Router()
ERRORS: dict[int, Any] = {**BASE_ERRORS, 403: ErrorOut, 422: ValidationErrorOut}
# A body that is not JSON at all is a 400 before any field is read.
BODY_ERRORS: dict[int, Any] = {**ERRORS, 400: ErrorOut}
ONLY_HR = gettext_lazy("Only HR admins manage collaboration analytics.")


class UnitOut(Schema):
    unit: int = Field(..., description="Org unit id; 0 for the whole organisation")
    name: str
    people: int
    figures: dict[str, float | int | None] = Field(
        ..., description="null: withheld or nothing to count"
    )
    off_target: list[str]
    pulse: dict[str, float | None]


class HealthOut(Schema):
    enabled: bool
    week: dt.date | None = Field(None, description="Monday of the window's last ISO week")
    k: int | None
    organisation: dict[str, Any]
    units: list[UnitOut]
    formula: str


class HealthParams(Schema):
    week: dt.date | None = None


class TrendPoint(Schema):
    week: dt.date
    figures: dict[str, float | int | None]


class MyWeekOut(Schema):
    week: dt.date
    network_size: int
    strong_ties: int | None = Field(..., description="null below 5 ties")
    diverse_ties: int | None
    cross_team_share: float | None
    after_hours_share: float | None
    meeting_hours: float | None
    manager_minutes: float | None
    outside_team: int


class MineOut(Schema):
    enabled: bool
    opted_out: bool
    has_data: bool
    current: MyWeekOut | None
    trend: list[MyWeekOut]
    met_through_kith: int
    next_steps: list[str]


class SwitchIn(Schema):
    enabled: bool


class SwitchOut(Schema):
    enabled: bool
    changed_at: dt.datetime | None


class ComputeIn(Schema):
    week: dt.date | None = Field(None, description="Any day of the window's last ISO week")


class ComputeOut(Schema):
    week: dt.date
    published: int
    withheld: int


class TargetIn(Schema):
    metric: Literal[tuple(METRICS)]  # type: ignore[valid-type]
    minimum: float | None = None
    maximum: float | None = None


class ImportOut(Schema):
    id: int
    status: str
    filename: str
    format: str
    summary: dict[str, Any]
    problems: list[dict[str, str]]


def _unit_out(row: selectors.Row) -> dict[str, Any]:
    return {
        "unit": row.cell.unit,
        "name": row.cell.name,
        "people": row.cell.people,
        "figures": row.values,
        "off_target": sorted(row.off),
        "pulse": row.pulse,
    }


@router.get("/health", response={200: HealthOut, **ERRORS}, summary="Relational health per group")
def health(request: HttpRequest, params: Query[HealthParams]) -> dict[str, Any]:
    viewer = _viewer(request)
    if not can_view_relational_health(viewer):
        raise HttpError(403, _("Relational health is for managers and HR; see /insights/me."))
    if not selectors.is_enabled():
        return {
            "enabled": False,
            "week": None,
            "k": None,
            "organisation": {},
            "units": [],
            "formula": "",
        }
    with read_replica():  # published figures: a replica's copy is as good (kith/core/db.py)
        view = selectors.health_for_viewer(viewer, week=params.week)
    c = view.computation
    return {
        "enabled": True,
        "week": c.week if c else None,
        "k": c.k if c else None,
        "organisation": (c.organisation if c and view.role == "hr" else {}),
        "units": [_unit_out(r) for r in view.rows],
        "formula": str(view.formula),
    }


@router.get(
    "/health/units/{unit_id}/trend",
    response={200: list[TrendPoint], **ERRORS},
    summary="A group's published figures, window by window",
)
def trend(request: HttpRequest, unit_id: int) -> list[dict[str, Any]]:
    viewer = _viewer(request)
    if not can_view_relational_health(viewer):
        raise HttpError(403, _("Relational health is for managers and HR."))
    if not 0 <= unit_id < 2**63:
        raise HttpError(404, _("No such group."))
    with read_replica():
        points = selectors.trend_of(unit_id, selectors.visible_units(viewer))
    audit.record(actor=request.user, action="insights.trend_viewed", target=f"unit:{unit_id}")
    return [{"week": p["week"], "figures": p["values"]} for p in points]


@router.get("/me", response={200: MineOut, **ERRORS}, summary="My own insights (only mine)")
def mine(request: HttpRequest) -> Any:
    viewer = _viewer(request)
    if viewer.person is None:
        raise HttpError(404, _("Your insights need a directory entry."))
    view = selectors.my_insights_for_viewer(viewer)
    return view


@router.post(
    "/me/opt-out", response={200: MineOut, **ERRORS}, summary="Delete my interaction data and leave"
)
def opt_out(request: HttpRequest) -> Any:
    viewer = _viewer(request)
    if viewer.person is None:
        raise HttpError(404, _("You need a directory entry."))
    services.opt_out(person=viewer.person)
    return selectors.my_insights_for_viewer(viewer)


@router.post("/me/opt-in", response={200: MineOut, **ERRORS}, summary="Take part again")
def opt_in(request: HttpRequest) -> Any:
    viewer = _viewer(request)
    if viewer.person is None:
        raise HttpError(404, _("You need a directory entry."))
    services.opt_in(person=viewer.person)
    return selectors.my_insights_for_viewer(viewer)


@router.put("/settings", response={200: SwitchOut, **BODY_ERRORS}, summary="HR's switch")
def switch(request: HttpRequest, payload: SwitchIn) -> dict[str, Any]:
    viewer = _viewer(request)
    if not can_manage_insights(viewer):
        raise HttpError(403, str(ONLY_HR))
    row = services.insights_enable(actor=request.user, enabled=payload.enabled)
    return {"enabled": row.enabled, "changed_at": row.changed_at}


@router.post(
    "/compute", response={200: ComputeOut, 409: ErrorOut, **BODY_ERRORS}, summary="Compute a window"
)
def compute(request: HttpRequest, payload: ComputeIn) -> Any:
    viewer = _viewer(request)
    if not can_manage_insights(viewer):
        raise HttpError(403, str(ONLY_HR))
    week = payload.week or services.latest_data_week()
    if week is None:
        raise HttpError(409, _("There is no interaction data yet: import some first."))
    try:
        result = services.insights_compute_week(week=week, actor=request.user)
    except ValidationError as exc:
        raise HttpError(409, error_text(exc)) from exc
    return {
        "week": result.computation.week,
        "published": result.published,
        "withheld": result.withheld,
    }


@router.put(
    "/targets", response={200: dict[str, Any], **BODY_ERRORS}, summary="Set or clear a target"
)
def target(request: HttpRequest, payload: TargetIn) -> dict[str, Any]:
    try:
        services.target_set(viewer=_viewer(request), **payload.dict())
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from exc
    except ValidationError as exc:
        raise HttpError(422, error_text(exc)) from exc
    return payload.dict()


def _import_out(run: ImportRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "status": run.status,
        "filename": run.filename,
        "format": run.fmt,
        "summary": run.summary,
        "problems": run.errors,
    }


IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["fmt", "file"],
                    "properties": {
                        "fmt": {"type": "string", "enum": list(services.FORMATS)},
                        "file": {"type": "string", "format": "binary"},
                        "mapping": {
                            "type": "string",
                            "format": "binary",
                            "description": "Viva only: the person-id mapping, person_id,email",
                        },
                        "apply": {"type": "boolean", "default": False},
                    },
                }
            }
        },
    }
}


@router.post(
    "/imports",
    response={200: ImportOut, 409: ErrorOut, **BODY_ERRORS},
    summary="Check a metadata file (dry run), and import it with apply=true",
    openapi_extra=IMPORT_BODY,
)
def import_check(request: HttpRequest) -> Any:
    """The multipart body is read here rather than declared as parameters: permission comes
    first, and an empty file part is still a file (nothing is written from it)."""
    viewer = _viewer(request)
    if not can_manage_insights(viewer):
        raise HttpError(403, str(ONLY_HR))
    fmt = request.POST.get("fmt", "")
    upload = request.FILES.get("file")
    if fmt not in services.FORMATS:
        raise HttpError(
            422, _("fmt: use one of %(formats)s.") % {"formats": ", ".join(services.FORMATS)}
        )
    if upload is None:
        raise HttpError(422, _("file: attach the metadata file as a multipart file part."))
    mapping = request.FILES.get("mapping")
    apply = request.POST.get("apply", "").lower() in ("true", "1", "on")
    try:
        run = services.import_check(
            source=io.BytesIO(upload.read()),
            fmt=fmt,
            filename=upload.name or "upload",
            actor=request.user,
            mapping=io.BytesIO(mapping.read()) if mapping is not None else None,
        )
        if apply and run.status == ImportRun.Status.PREVIEWED:
            run = services.import_apply(run=run, actor=request.user)
    except ValidationError as exc:
        raise HttpError(409, error_text(exc)) from exc
    return _import_out(run)


@router.post(
    "/imports/{run_id}/apply",
    response={200: ImportOut, 409: ErrorOut, **ERRORS},
    summary="Import a checked file",
)
def import_apply(request: HttpRequest, run_id: int) -> Any:
    viewer = _viewer(request)
    if not can_manage_insights(viewer):
        raise HttpError(403, str(ONLY_HR))
    run = ImportRun.objects.filter(pk=run_id).first() if 0 < run_id < 2**63 else None
    if run is None:
        raise HttpError(404, _("No such import."))
    try:
        run = services.import_apply(run=run, actor=request.user)
    except ValidationError as exc:
        raise HttpError(409, error_text(exc)) from exc
    return _import_out(run)


@router.get(
    "/export", response={200: dict[str, Any], **ERRORS}, summary="One window's published groups"
)
def export(request: HttpRequest, params: Query[HealthParams]) -> dict[str, Any]:
    viewer = _viewer(request)
    if not can_manage_insights(viewer):
        raise HttpError(403, _("Only HR admins export relational health."))
    week = params.week or services.latest_data_week()
    if week is None:
        return {"header": [], "rows": []}
    with read_replica():
        header, rows = selectors.export_rows(viewer, week)
    return {"header": header, "rows": rows}
