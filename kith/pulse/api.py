"""Pulse's JSON API: the same selectors, services and permissions as the pages, so the API
withholds exactly the cells the pages and the export withhold."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from kith.core.http import viewer_of as _viewer
from kith.core.permissions import can_manage_surveys
from kith.directory.api import ERRORS as BASE_ERRORS
from kith.directory.api import WholeNumber
from kith.directory.models import OrgUnit
from kith.directory.schemas import ErrorOut, ValidationErrorOut
from kith.pulse import ai, selectors, services, snapshot
from kith.pulse.focus_api import router as focus_router
from kith.pulse.models import Campaign, ResultCell, Wave

router = Router()
ERRORS: dict[int, Any] = {**BASE_ERRORS, 422: ValidationErrorOut}
WRITE_ERRORS: dict[int, Any] = {**ERRORS, 400: ErrorOut, 403: ErrorOut}
MAX_ID = 2**63 - 1


class SurveyOut(Schema):
    wave_id: int
    campaign: str
    closes_on: dt.date
    answered: bool
    token: str = Field(..., description="Your personal link's key: /pulse/s/{token}/")


class QuestionOut(Schema):
    key: str
    text: str
    kind: str = Field(..., description='"scale", "choice", "nps" or "text"')
    options: list[tuple[int, str]]


class SurveyDetailOut(Schema):
    campaign: str
    description: str
    opens_on: dt.date
    closes_on: dt.date
    state: str = Field(..., description='"open", "answered", "closed" or "not_yet"')
    min_group: int
    questions: list[QuestionOut]


class AnswersIn(Schema):
    answers: dict[str, float] = Field(default_factory=dict, description="{question key: value}")
    comments: dict[str, str] = Field(default_factory=dict, description="{free-text key: text}")


class MessageOut(Schema):
    detail: str


class StatOut(Schema):
    n: int
    mean: float | None
    favourable: float | None


class CellOut(Schema):
    unit: int = Field(..., description="Index into the wave's unit snapshot")
    group: str
    depth: int
    withheld: bool = Field(..., description="True: fewer than k people, or protects such a group")
    respondents: int | None
    invited: int | None
    scores: dict[str, dict[str, Any]]
    items: dict[str, dict[str, Any]]


class ResultsOut(Schema):
    wave_id: int
    campaign: str
    min_group: int
    filter: str
    rows: list[CellOut]


class AIFigureOut(Schema):
    key: str = Field(..., description='"burnout", "trust_ai_over_colleagues" or "connection"')
    label: str
    heavier: float | None = Field(..., description="% agreeing; null: fewer than k answered")
    lighter: float | None = Field(..., description="% agreeing; null: fewer than k answered")
    published: float | None = Field(..., description="The Upwork figure beside it, if any")


class AIGroupOut(Schema):
    unit: int = Field(..., description="Index into the wave's unit snapshot")
    group: str
    depth: int
    respondents: int
    usage_share: float | None = Field(..., description="% who use AI tools most days")
    cannot_relate: float | None = Field(
        ..., description="% who cannot relate their AI use to company goals (disagree 1-2)"
    )
    split_withheld: bool = Field(..., description="True: withheld to protect a small group")
    heavier_people: int | None
    lighter_people: int | None
    figures: list[AIFigureOut]


class AIReferenceOut(Schema):
    text: str
    percent: float
    source: str


class AIOut(Schema):
    wave_id: int
    campaign: str
    min_group: int
    cannot_relate_published: float | None
    groups: list[AIGroupOut]
    references: list[AIReferenceOut] = Field(..., description="Context, not targets")


class CampaignOut(Schema):
    id: int
    name: str
    instruments: list[str]
    attributes: list[str]
    opens_on: dt.date
    closes_on: dt.date
    cadence_weeks: int
    min_group: int
    min_comment_group: int
    waves: list[dict[str, Any]]


class QuestionIn(Schema):
    kind: str = Field(..., pattern="^(agree|choice|zero_to_ten|text)$")
    text: str = Field(..., min_length=1, max_length=300)
    choices: list[str] = Field(default_factory=list, max_length=10)


class CampaignIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=2000)
    instruments: list[str] = Field(default_factory=list, max_length=10)
    attributes: list[str] = Field(default_factory=list, max_length=3)
    audience_units: list[int] = Field(default_factory=list, max_length=200)
    opens_on: dt.date
    closes_on: dt.date
    cadence_weeks: int = Field(0, ge=0, le=52)
    min_group: int = Field(5, ge=3, le=10)
    min_comment_group: int = Field(10, ge=3, le=50)
    questions: list[QuestionIn] = Field(default_factory=list, max_length=30)


class ExportOut(Schema):
    header: list[str]
    rows: list[list[Any]]


def _wave_or_404(wave_id: int) -> Wave:
    waves = snapshot.without_units(Wave.objects.select_related("campaign"))
    wave = waves.filter(pk=wave_id).first() if 0 < wave_id <= MAX_ID else None
    if wave is None:
        raise HttpError(404, _("No such survey wave."))
    snapshot.fill_units([wave])
    return wave


@router.get("/surveys", response={200: list[SurveyOut], **ERRORS}, summary="My open surveys")
def my_surveys(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "wave_id": s.wave.pk,
            "campaign": s.wave.campaign.name,
            "closes_on": s.wave.closes_on,
            "answered": s.answered,
            "token": s.token,
        }
        for s in selectors.my_surveys_for_viewer(_viewer(request))
    ]


def _invitation_or_404(request: HttpRequest, token: str) -> Any:
    invitation = selectors.invitation_for_token(token)
    viewer = _viewer(request)
    # Through the API, a personal link answers only for its own person.
    if invitation is None or viewer.person is None or invitation.person_id != viewer.person.pk:
        raise HttpError(404, _("No such survey."))
    return invitation


@router.get("/surveys/{token}", response={200: SurveyDetailOut, **ERRORS}, summary="A survey")
def survey(request: HttpRequest, token: str) -> dict[str, Any]:
    invitation = _invitation_or_404(request, token)
    wave = invitation.wave
    state = selectors.survey_state(invitation)
    return {
        "campaign": wave.campaign.name,
        "description": wave.campaign.description,
        "opens_on": wave.opens_on,
        "closes_on": wave.closes_on,
        "state": state,
        "min_group": wave.campaign.min_group,
        "questions": [
            {"key": i["key"], "text": i["text"], "kind": i["kind"], "options": i["options"]}
            for i in wave.items
        ],
    }


@router.post(
    "/surveys/{token}/answers",
    response={201: MessageOut, **WRITE_ERRORS},
    summary="Send my answers (once; they are stored without my name)",
)
def answer(request: HttpRequest, token: str, payload: AnswersIn) -> Status:
    _invitation_or_404(request, token)
    # A refused answer is a 400 naming the question (config/api.py's ValidationError handler).
    services.answer_submit(token=token, answers=payload.answers, texts=payload.comments)
    return Status(201, {"detail": _("Thank you: your answers are in, without your name.")})


def _cell_out(
    wave: Wave, unit: int, depth: int, cell: ResultCell | None, attr: int, value: int
) -> dict[str, Any]:
    return {
        "unit": unit,
        "group": selectors.group_label(wave, unit, attr, value),
        "depth": depth,
        "withheld": cell is None,
        "respondents": cell.respondents if cell else None,
        "invited": cell.invited if cell else None,
        "scores": cell.scores if cell else {},
        "items": cell.items if cell else {},
    }


@router.get(
    "/waves/{wave_id}/results",
    response={200: ResultsOut, **WRITE_ERRORS},
    summary="Results I may see: the same cells as the results page",
)
def wave_results(
    request: HttpRequest,
    wave_id: WholeNumber,
    unit: WholeNumber | None = None,
    attr: WholeNumber | None = None,
    value: WholeNumber | None = None,
) -> dict[str, Any]:
    wave = _wave_or_404(wave_id)
    try:
        view = selectors.results_for_viewer(
            _viewer(request),
            wave,
            attr=attr if attr is not None else -1,
            value=value if value is not None else -1,
            parent=unit,
        )
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from exc
    if view is None:
        raise HttpError(404, _("No results you may see for this wave (yet)."))
    return {
        "wave_id": wave.pk,
        "campaign": wave.campaign.name,
        "min_group": wave.campaign.min_group,
        "filter": view.filter_label,
        "rows": [
            _cell_out(wave, r.unit, r.depth, r.cell, view.attr, view.value) for r in view.rows
        ],
    }


@router.get(
    "/waves/{wave_id}/ai",
    response={200: AIOut, **ERRORS},
    summary="AI use and connection: heavier vs lighter AI users, as the page shows them",
)
def wave_ai(request: HttpRequest, wave_id: WholeNumber) -> dict[str, Any]:
    wave = _wave_or_404(wave_id)
    view = ai.ai_for_viewer(_viewer(request), wave)
    if view is None:
        raise HttpError(404, _("No AI use figures you may see for this wave."))
    return {
        "wave_id": wave.pk,
        "campaign": wave.campaign.name,
        "min_group": view.k,
        "cannot_relate_published": view.cannot_relate_published,
        "groups": [
            {
                "unit": r.unit,
                "group": r.name,
                "depth": r.depth,
                "respondents": r.respondents,
                "usage_share": r.usage_share,
                "cannot_relate": r.cannot_relate,
                "split_withheld": r.split is None,
                "heavier_people": r.heavier_people,
                "lighter_people": r.lighter_people,
                "figures": [vars(line) for line in r.lines],
            }
            for r in view.rows
        ],
        "references": [
            {"text": ref.text, "percent": ref.percent, "source": ref.source}
            for ref in view.references
        ],
    }


@router.get(
    "/waves/{wave_id}/export",
    response={200: ExportOut, **WRITE_ERRORS},
    summary="HR: every published cell, as the CSV export has them",
)
def wave_export(request: HttpRequest, wave_id: WholeNumber) -> dict[str, Any]:
    wave = _wave_or_404(wave_id)
    try:
        header, rows = selectors.export_for_viewer(_viewer(request), wave, via="api")
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from exc
    return {"header": header, "rows": rows}


def _campaign_out(campaign: Campaign) -> dict[str, Any]:
    return {
        "id": campaign.pk,
        "name": campaign.name,
        "instruments": campaign.instruments,
        "attributes": campaign.attributes,
        "opens_on": campaign.opens_on,
        "closes_on": campaign.closes_on,
        "cadence_weeks": campaign.cadence_weeks,
        "min_group": campaign.min_group,
        "min_comment_group": campaign.min_comment_group,
        "waves": [
            {
                "id": w.pk,
                "number": w.number,
                "opens_on": w.opens_on,
                "closes_on": w.closes_on,
                "status": "closed" if w.results_at else "open" if w.sent_at else "scheduled",
            }
            for w in sorted(campaign.waves.all(), key=lambda w: w.number)
        ],
    }


@router.get(
    "/campaigns", response={200: list[CampaignOut], **WRITE_ERRORS}, summary="HR: campaigns"
)
def campaigns(request: HttpRequest) -> list[dict[str, Any]]:
    if not can_manage_surveys(_viewer(request)):
        raise HttpError(403, _("Only HR admins manage surveys."))
    return [_campaign_out(c) for c in selectors.campaigns_for_viewer(_viewer(request))]


@router.post(
    "/campaigns", response={201: CampaignOut, **WRITE_ERRORS}, summary="HR: a new campaign"
)
def create_campaign(request: HttpRequest, payload: CampaignIn) -> Status:
    viewer = _viewer(request)
    if not can_manage_surveys(viewer):
        raise HttpError(403, _("Only HR admins manage surveys."))
    data = payload.dict()
    unit_ids = [u for u in data.pop("audience_units") if 0 < u <= MAX_ID]
    units = list(OrgUnit.objects.filter(pk__in=unit_ids))
    if len(units) != len(set(data_units := unit_ids)):
        raise HttpError(
            400,
            _("audience_units: unknown org unit among %(ids)s.")
            % {"ids": ", ".join(str(u) for u in sorted(set(data_units)))},
        )
    questions = data.pop("questions")
    # A broken rule is a 400 naming the field (config/api.py's ValidationError handler).
    campaign = services.campaign_save(
        campaign=None,
        fields=data,
        org_units=units,
        questions=questions,
        actor=viewer.user,  # type: ignore[arg-type]
    )
    return Status(201, _campaign_out(campaign))


# Focus groups (kith/pulse/focus_api.py): /waves/{id}/focus-groups, /focus-groups/{id}/…
router.add_router("", focus_router)
