"""/api/v1/touchpoints/span: the same selectors and services as the span pages.

HR: the organisation's distribution, trend and thresholds, every manager, notes. A manager:
their own span and the managers in their reporting line."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from kith.core.http import viewer_of as _viewer
from kith.core.permissions import can_manage_touchpoints
from kith.directory.api import ERRORS as BASE_ERRORS
from kith.directory.api import MAX_PAGE, WholeNumber
from kith.directory.models import Person
from kith.directory.schemas import ErrorOut, ValidationErrorOut
from kith.touchpoints.selectors import span as selectors
from kith.touchpoints.services import span as services

router = Router()
ERRORS: dict[int, Any] = {**BASE_ERRORS, 403: ErrorOut, 422: ValidationErrorOut}
BODY_ERRORS: dict[int, Any] = {**ERRORS, 400: ErrorOut}
ONLY_HR = gettext_lazy("Only HR admins manage span-of-control thresholds and notes.")


class ThresholdsOut(Schema):
    warn_at: int = Field(..., description="Direct reports from which a span is wide")
    alert_at: int = Field(..., description="Direct reports from which a span is too wide")
    one_on_one_minutes: int
    default_cadence_days: int


class ThresholdsIn(Schema):
    warn_at: int = Field(..., ge=services.WARN_RANGE[0], le=services.WARN_RANGE[1])
    alert_at: int = Field(..., ge=services.ALERT_RANGE[0], le=services.ALERT_RANGE[1])


class ArchetypeOut(Schema):
    key: str
    name: str
    direct_reports: str = Field(..., description='The range, e.g. "3–5" or "15+"')
    explanation: str
    managers: int | None = Field(None, description="Managers in this band (overview only)")


class DistributionOut(Schema):
    managers: int
    median: float
    mean: float
    wide: int = Field(..., description="At or above warn_at, below alert_at")
    too_wide: int = Field(..., description="At or above alert_at")
    flagged_share: float


class SnapshotOut(Schema):
    month: dt.date = Field(..., description="The first day of the month")
    managers: int
    median: float
    mean: float
    bands: dict[str, int]
    wide: int
    too_wide: int


class OverviewOut(Schema):
    thresholds: ThresholdsOut
    distribution: DistributionOut
    archetypes: list[ArchetypeOut]
    trend: list[SnapshotOut]


class ManagerOut(Schema):
    person_id: int
    name: str
    org_unit: str | None
    direct_reports: int
    reporting_line: int
    weekly_one_on_one_minutes: float
    coverage: float | None = Field(
        ...,
        description=(
            "Share of direct reports with a 1:1 in the last 90 days, 0 to 1. Your own span: "
            "exact. Anyone else's: rounded to 0.1, and null (withheld) under "
            "KITH_INSIGHTS_MIN_GROUP direct reports, so it never tells about one person"
        ),
    )
    coverage_exact: bool = Field(
        ..., description="true: your own span's exact figure; false: rounded or withheld"
    )
    flag: Literal["none", "wide", "too wide"]
    archetype: str | None
    note: str | None = Field(None, description="HR's note (HR only; null for others)")


class ManagerPage(Schema):
    count: int
    page: int
    pages: int
    results: list[ManagerOut]


class TeamScoreOut(Schema):
    """As Pulse and Insights published them; null: nothing published for this team."""

    unit_id: int
    name: str
    psychological_safety: float | None = Field(..., description="Pulse, mean from 1 to 5")
    someone_to_talk_to: float | None = Field(..., description="Pulse connection, % agreeing")
    met_in_person: float | None = Field(..., description="Pulse connection, % agreeing")
    recent_one_on_one: float | None = Field(..., description="Pulse connection, % agreeing")
    connection_index: float | None = Field(..., description="Insights, 0 to 100")


class SubTeamOut(Schema):
    team: str
    direct_reports: int


class DetailOut(ManagerOut):
    suggestions: list[str]
    sub_teams: list[SubTeamOut]
    team_scores: list[TeamScoreOut]


class ManagersParams(Schema):
    flagged_only: bool = False
    sort: Literal["direct", "line", "minutes", "coverage", "name"] = "direct"
    page: WholeNumber = Field(1, description="1-based; a page past the end gives the last page")


class NoteIn(Schema):
    text: str = Field(..., description="Empty removes the note")


class NoteOut(Schema):
    person_id: int
    note: str | None


def _invalid(exc: ValidationError, *, location: str) -> Status:
    """A service's validation error in the shape of Ninja's own 422: one entry per field."""
    if hasattr(exc, "error_dict"):
        errors = [
            {
                "loc": ["body", location, name],
                "msg": " ".join(str(m) for m in messages),
                "type": "value_error",
            }
            for name, messages in exc.message_dict.items()
        ]
    else:
        text = " ".join(str(m) for m in exc.messages)
        errors = [{"loc": ["body", location], "msg": text, "type": "value_error"}]
    return Status(422, {"detail": errors})


def _thresholds(rules: Any) -> dict[str, Any]:
    return {
        "warn_at": rules.span_warn_at,
        "alert_at": rules.span_alert_at,
        "one_on_one_minutes": rules.one_on_one_minutes,
        "default_cadence_days": rules.default_cadence_days,
    }


def _archetype(a: selectors.Archetype, managers: int | None = None) -> dict[str, Any]:
    return {
        "key": a.key,
        "name": str(a.name),
        "direct_reports": a.range_label,
        "explanation": str(a.explanation),
        "managers": managers,
    }


def _manager(row: selectors.SpanRow) -> dict[str, Any]:
    person = row.person
    return {
        "person_id": row.person_id,
        "name": person.display_name if person else "",
        "org_unit": person.org_unit.name if person and person.org_unit else None,
        "direct_reports": row.direct_reports,
        "reporting_line": row.reporting_line,
        "weekly_one_on_one_minutes": row.weekly_minutes,
        "coverage": row.coverage,
        "coverage_exact": row.coverage_exact,
        "flag": row.flag,
        "archetype": str(row.archetype.name) if row.archetype else None,
        "note": row.note.text if row.note else None,
    }


def _detail(detail: selectors.Detail) -> dict[str, Any]:
    return {
        **_manager(detail.row),
        "suggestions": detail.suggestions,
        "sub_teams": [{"team": t, "direct_reports": n} for t, n in detail.sub_teams],
        "team_scores": [
            {
                "unit_id": s.unit_id,
                "name": s.name,
                "psychological_safety": s.safety,
                "someone_to_talk_to": s.talk,
                "met_in_person": s.met,
                "recent_one_on_one": s.one_on_one,
                "connection_index": s.connection_index,
            }
            for s in detail.scores
        ],
    }


@router.get("", response={200: OverviewOut, **ERRORS}, summary="The organisation's spans (HR)")
def overview(request: HttpRequest) -> dict[str, Any]:
    viewer = _viewer(request)
    if not can_manage_touchpoints(viewer):
        raise HttpError(403, str(selectors.ONLY_HR))
    view = selectors.span_overview_for_viewer(viewer)
    d = view.distribution
    return {
        "thresholds": _thresholds(view.rules),
        "distribution": {
            "managers": d.managers,
            "median": d.median,
            "mean": d.mean,
            "wide": d.wide,
            "too_wide": d.too_wide,
            "flagged_share": round(d.flagged_share, 3),
        },
        "archetypes": [_archetype(c.archetype, c.managers) for c in view.bands],
        "trend": [
            {
                "month": s.taken_on,
                "managers": s.managers,
                "median": s.median,
                "mean": s.mean,
                "bands": s.bands,
                "wide": s.flagged_warn,
                "too_wide": s.flagged_alert,
            }
            for s in view.trend
        ],
    }


@router.get(
    "/managers",
    response={200: ManagerPage, **ERRORS},
    summary="The managers you may see (HR: all; a manager: their reporting line)",
)
def managers(request: HttpRequest, params: Query[ManagersParams]) -> dict[str, Any]:
    viewer = _viewer(request)
    if viewer.person is None and not can_manage_touchpoints(viewer):
        raise HttpError(404, _("Your span of control needs a directory entry."))
    try:
        page = selectors.managers_for_viewer(
            viewer,
            flagged_only=params.flagged_only,
            sort=params.sort,
            page=max(1, min(params.page, MAX_PAGE)),
        )
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from exc
    return {
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "results": [_manager(r) for r in page.object_list],
    }


@router.get("/mine", response={200: DetailOut, **ERRORS}, summary="My own span of control")
def mine(request: HttpRequest) -> dict[str, Any]:
    viewer = _viewer(request)
    if viewer.person is None or not viewer.person.is_active:
        raise HttpError(404, _("Your span of control needs an active directory entry."))
    view = selectors.my_span_for_viewer(viewer)
    if view.detail is None:
        raise HttpError(404, _("Nobody reports to you, so there is no span to show."))
    return _detail(view.detail)


@router.get(
    "/managers/{person_id}",
    response={200: DetailOut, **ERRORS},
    summary="One manager's span, suggestions and published team scores",
)
def detail(request: HttpRequest, person_id: int) -> dict[str, Any]:
    found = selectors.span_detail_for_viewer(_viewer(request), person_id)
    if found is None:
        raise HttpError(404, _("No span of control you may see for this person."))
    return _detail(found)


@router.put(
    "/managers/{person_id}/note",
    response={200: NoteOut, **BODY_ERRORS},
    summary="HR's note on a manager's span (empty removes it)",
)
def note(request: HttpRequest, person_id: int, payload: NoteIn) -> Any:
    viewer = _viewer(request)
    if not can_manage_touchpoints(viewer):
        raise HttpError(403, str(ONLY_HR))
    manager = Person.objects.filter(pk=person_id).first() if 0 < person_id < 2**63 else None
    if manager is None:
        raise HttpError(404, _("No such person."))
    try:
        saved = services.span_note_save(viewer=viewer, manager=manager, text=payload.text)
    except ValidationError as exc:
        return _invalid(exc, location="payload")
    return {"person_id": manager.pk, "note": saved.text if saved else None}


@router.put("/settings", response={200: ThresholdsOut, **BODY_ERRORS}, summary="HR's thresholds")
def thresholds(request: HttpRequest, payload: ThresholdsIn) -> Any:
    viewer = _viewer(request)
    if not can_manage_touchpoints(viewer):
        raise HttpError(403, str(ONLY_HR))
    try:
        rules = services.span_thresholds_set(
            viewer=viewer, warn_at=payload.warn_at, alert_at=payload.alert_at
        )
    except ValidationError as exc:
        return _invalid(exc, location="payload")
    return _thresholds(rules)
