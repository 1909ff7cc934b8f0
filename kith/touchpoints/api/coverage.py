"""/api/v1/touchpoints/coverage: HR's 1:1 and check-in coverage, the same selector and
service as the page. Only published cells carry figures; nothing is ever about one person."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from kith.core.http import error_text
from kith.core.http import viewer_of as _viewer
from kith.directory.api import ERRORS as BASE_ERRORS
from kith.directory.schemas import ErrorOut
from kith.touchpoints.models.coverage import CoverageCell, CoverageRun
from kith.touchpoints.selectors.coverage import coverage_for_viewer
from kith.touchpoints.services.coverage import FIGURES, coverage_compute

router = Router()
ERRORS: dict[int, Any] = {**BASE_ERRORS, 403: ErrorOut}
SHARE = "0 to 1; null when withheld (see `withheld`) or when nobody is counted"


class CellOut(Schema):
    unit: int = Field(..., description="Org unit id; 0 for the whole organisation")
    name: str
    depth: int
    parent: int | None = Field(..., description="The parent unit's id; null for the org")
    published: bool = Field(..., description="false: withheld to protect small groups")
    people: int | None = Field(..., description="Active people in the group; null if withheld")
    one_on_one_share: float | None = Field(
        ..., description=f"Of people with a manager, who had a held 1:1 with them. {SHARE}"
    )
    check_in_share: float | None = Field(..., description=f"Who wrote a check-in. {SHARE}")
    overdue_share: float | None = Field(
        ..., description=f"Of 1:1s between managers and their people, overdue ones. {SHARE}"
    )
    withheld: list[str] = Field(..., description=f"Figures withheld: {', '.join(FIGURES)}")


class RunOut(Schema):
    id: int
    computed_at: dt.datetime
    since: dt.date = Field(..., description="First day counted")
    until: dt.date = Field(..., description="Last day counted")
    k: int = Field(..., description="Minimum group size")
    published: int = Field(..., description="Groups shown")
    withheld: int = Field(..., description="Groups withheld to protect small groups")


class CoverageOut(Schema):
    run: RunOut | None = Field(..., description="The latest run; null before the first")
    units: list[CellOut] = Field(..., description="Every group of the run, depth first")


def _run(run: CoverageRun) -> dict[str, Any]:
    fields = ("computed_at", "since", "until", "k", "published", "withheld")
    return {"id": run.pk, **{name: getattr(run, name) for name in fields}}


def _cell(cell: CoverageCell) -> dict[str, Any]:
    fields = ("unit", "name", "depth", "parent", "published", "people", "withheld")
    return {
        **{name: getattr(cell, name) for name in fields},
        **{f"{name}_share": getattr(cell, f"{name}_share") for name in FIGURES},
    }


@router.get("", response={200: CoverageOut, **ERRORS}, summary="1:1 and check-in coverage")
def coverage(request: HttpRequest) -> dict[str, Any]:
    try:
        view = coverage_for_viewer(_viewer(request))
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from exc
    return {
        "run": _run(view.run) if view.run is not None else None,
        "units": [_cell(cell) for cell in view.cells],
    }


@router.post(
    "/recompute",
    response={200: RunOut, 409: ErrorOut, **ERRORS},
    summary="Work coverage out now (HR, at most once a day)",
)
def recompute(request: HttpRequest) -> dict[str, Any]:
    try:
        run = coverage_compute(viewer=_viewer(request))
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from exc
    except ValidationError as exc:
        raise HttpError(409, error_text(exc)) from exc
    return _run(run)
