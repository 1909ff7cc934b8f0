"""Connect's JSON API: the same selectors, services and permissions as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from kith.connect import previews, rounds, selectors, services
from kith.connect.models import Program
from kith.core import audit
from kith.core.http import viewer_of as _viewer
from kith.core.permissions import can_manage_programs, can_take_part
from kith.directory.api import ERRORS as BASE_ERRORS
from kith.directory.api import WholeNumber
from kith.directory.schemas import ErrorOut, ValidationErrorOut

router = Router()
# Every endpoint here takes an id or a body: a malformed one is a 422 with the field named.
ERRORS: dict[int, Any] = {**BASE_ERRORS, 422: ValidationErrorOut}


class StandingOut(Schema):
    status: str = Field(..., description="Plain words: Taking part, Paused until …, …")
    in_audience: bool
    taking_part: bool
    paused_until: dt.date | None
    needs_confirmation: bool
    role: str
    topics: list[str]


class ProgramOut(Schema):
    id: int
    name: str
    description: str
    kind: str
    cadence: str
    weekday: int = Field(..., description="ISO weekday, 1 = Monday")
    local_hour: int = Field(..., description="Intros arrive at this hour in each person's zone")
    group_size: int
    meeting_minutes: int
    repeat_window_weeks: int
    next_round: dt.date
    me: StandingOut


class PersonBrief(Schema):
    id: int
    name: str
    team: str
    city: str


class MatchOut(Schema):
    id: int
    program_id: int
    program: str
    kind: str
    date: dt.date
    people: list[PersonBrief] = Field(..., description="The others in the match, not you")
    explanation: str
    meet_in_person_city: str
    suggested_times: list[dt.datetime] = Field(..., description="UTC starts; show in your zone")
    my_role: str
    met: str = Field(..., description='"yes", "no" or "" (not answered)')
    confirmed: bool
    declined: bool


class JoinIn(Schema):
    role: Literal["", "mentor", "mentee"] = ""
    capacity: int = Field(0, ge=0, le=5)
    topics: list[str] = Field(default_factory=list, max_length=20)


class PauseIn(Schema):
    until: dt.date


class AnswerIn(Schema):
    answer: Literal["met", "not_met", "accept", "decline"]


class PlannedOut(Schema):
    people: list[PersonBrief]
    explanation: str


class UnmatchedOut(Schema):
    person: PersonBrief
    reason: str


class PreviewOut(Schema):
    date: dt.date
    taking_part: int
    sitting_out: int
    algorithm: str
    matches: list[PlannedOut]
    unmatched: list[UnmatchedOut]


class ProgramIn(Schema):
    """A program's settings (HR). PUT replaces them all: fields left out take their defaults."""

    name: str = Field(..., min_length=1, max_length=120)
    description: str = Field("", max_length=2000)
    kind: Literal["coffee", "cross_team", "mentoring", "buddy", "lunch"] = "coffee"
    audience: Literal["everyone", "org_units", "list"] = "everyone"
    org_units: list[int] = Field(default_factory=list, max_length=200)
    join_mode: Literal["opt_in", "opt_out"] = "opt_in"
    cadence: Literal["weekly", "biweekly", "monthly"] = "biweekly"
    weekday: int = Field(2, ge=1, le=7)
    local_hour: int = Field(10, ge=0, le=23)
    group_size: int = Field(2, ge=2, le=4)
    meeting_minutes: int = Field(30, ge=15, le=120)
    starts_on: dt.date
    repeat_window_weeks: int = Field(12, ge=1, le=104)
    follow_up_days: int = Field(7, ge=1, le=60)
    new_joiner_days: int = Field(90, ge=7, le=365)
    weight_different_team: float = Field(1.0, ge=0, le=5)
    weight_different_department: float = Field(0.5, ge=0, le=5)
    weight_shared_interests: float = Field(1.0, ge=0, le=5)
    weight_working_hours_overlap: float = Field(1.0, ge=0, le=5)
    weight_same_city: float = Field(1.0, ge=0, le=5)
    weight_seniority_mix: float = Field(0.5, ge=0, le=5)
    weight_new_joiners_first: float = Field(0.5, ge=0, le=5)
    is_active: bool = True


class RoundStatsOut(Schema):
    date: dt.date
    participants: int
    matched: int
    unmatched: int
    groups: int
    meet_rate: float | None = Field(..., description="null until at least 5 answers")
    answers: int | None = Field(..., description="null when fewer than 5 (withheld)")
    cross_team_share: float
    repeats: int
    new_connections: int


def _brief(p: Any) -> dict[str, Any]:
    return {
        "id": p.pk,
        "name": p.display_name,
        "team": p.org_unit.name if p.org_unit else "",
        "city": p.city,
    }


def _program_dict(card: selectors.ProgramCard) -> dict[str, Any]:
    p, s = card.program, card.standing
    return {
        **{f: getattr(p, f) for f in ProgramOut.model_fields if hasattr(p, f) and f != "id"},
        "id": p.pk,
        "next_round": card.next_round,
        "me": {
            "status": s.label,
            "in_audience": s.in_audience,
            "taking_part": s.taking_part,
            "paused_until": s.paused_until,
            "needs_confirmation": s.needs_confirmation,
            "role": s.role,
            "topics": s.topics,
        },
    }


def _match_dict(view: selectors.MatchView) -> dict[str, Any]:
    m = view.match
    return {
        "id": m.pk,
        "program_id": m.program_id,
        "program": m.program.name,
        "kind": m.kind,
        "date": view.scheduled_for,
        "people": [_brief(p) for p in view.others],
        "explanation": m.explanation,
        "meet_in_person_city": m.meet_in_person_city,
        "suggested_times": view.suggested_times,
        "my_role": view.me.role,
        "met": view.me.met,
        "confirmed": view.me.confirmed_at is not None,
        "declined": view.me.declined_at is not None,
    }


# Ids live in 64-bit integer columns: anything outside is simply not there.
MAX_ID = 2**63 - 1


def _existing_id(value: int) -> int:
    if not 0 < value <= MAX_ID:
        raise HttpError(404, _("Not found."))
    return value


def _card_or_404(request: HttpRequest, program_id: int) -> selectors.ProgramCard:
    card = selectors.program_for_viewer(_viewer(request), _existing_id(program_id))
    if card is None:
        raise HttpError(404, _("No such program."))
    return card


def _manager_program(request: HttpRequest, program_id: int) -> Program:
    if not can_manage_programs(_viewer(request)):
        raise HttpError(403, _("Only HR admins manage matching programs."))
    program = Program.objects.filter(pk=_existing_id(program_id)).first()
    if program is None:
        raise HttpError(404, _("No such program."))
    return program


WRITE_ERRORS: dict[int, Any] = {**ERRORS, 400: ErrorOut, 403: ErrorOut}


@router.get("/programs", response={200: list[ProgramOut], **ERRORS}, summary="Programs open to me")
def list_programs(request: HttpRequest) -> list[dict[str, Any]]:
    return [_program_dict(c) for c in selectors.programs_for_viewer(_viewer(request))]


@router.get("/programs/{program_id}", response={200: ProgramOut, **ERRORS}, summary="A program")
def get_program(request: HttpRequest, program_id: WholeNumber) -> dict[str, Any]:
    return _program_dict(_card_or_404(request, program_id))


def _act(request: HttpRequest, program_id: int, action: Any) -> Status:
    viewer = _viewer(request)
    if not can_take_part(viewer):
        raise HttpError(403, _("Only colleagues in the directory can take part."))
    card = _card_or_404(request, program_id)
    action(card.program, viewer.person)  # a rule broken: 400 from config/api.py's handler
    return Status(200, _program_dict(_card_or_404(request, program_id)))


@router.post("/programs/{program_id}/join", response={200: ProgramOut, **WRITE_ERRORS})
def join_program(request: HttpRequest, program_id: WholeNumber, payload: JoinIn) -> Status:
    return _act(
        request,
        program_id,
        lambda program, person: services.participation_join(
            program=program,
            person=person,
            role=payload.role,
            capacity=payload.capacity,
            topics=payload.topics,
        ),
    )


@router.post("/programs/{program_id}/leave", response={200: ProgramOut, **WRITE_ERRORS})
def leave_program(request: HttpRequest, program_id: WholeNumber) -> Status:
    return _act(
        request,
        program_id,
        lambda program, person: services.participation_leave(program=program, person=person),
    )


@router.post("/programs/{program_id}/pause", response={200: ProgramOut, **WRITE_ERRORS})
def pause_program(request: HttpRequest, program_id: WholeNumber, payload: PauseIn) -> Status:
    return _act(
        request,
        program_id,
        lambda program, person: services.participation_pause(
            program=program, person=person, until=payload.until
        ),
    )


@router.post("/programs/{program_id}/resume", response={200: ProgramOut, **WRITE_ERRORS})
def resume_program(request: HttpRequest, program_id: WholeNumber) -> Status:
    return _act(
        request,
        program_id,
        lambda program, person: services.participation_resume(program=program, person=person),
    )


@router.get("/matches", response={200: list[MatchOut], **ERRORS}, summary="My matches")
def list_matches(request: HttpRequest) -> list[dict[str, Any]]:
    return [_match_dict(v) for v in selectors.matches_for_viewer(_viewer(request))]


def _match_or_404(request: HttpRequest, match_id: int) -> selectors.MatchView:
    view = selectors.match_for_viewer(_viewer(request), _existing_id(match_id))
    if view is None:
        raise HttpError(404, _("No such match."))
    return view


@router.get("/matches/{match_id}", response={200: MatchOut, **ERRORS}, summary="One of my matches")
def get_match(request: HttpRequest, match_id: WholeNumber) -> dict[str, Any]:
    return _match_dict(_match_or_404(request, match_id))


@router.post(
    "/matches/{match_id}/answer",
    response={200: MatchOut, **WRITE_ERRORS},
    summary='Answer "did you meet?", or confirm / decline a mentoring or buddy match',
)
def answer_match(request: HttpRequest, match_id: WholeNumber, payload: AnswerIn) -> Status:
    view = _match_or_404(request, match_id)
    if payload.answer in ("met", "not_met"):  # a rule broken: 400 from config/api.py
        services.match_answer_follow_up(member=view.me, met=payload.answer == "met")
    else:
        services.match_confirm(member=view.me, accept=payload.answer == "accept")
    return Status(200, _match_dict(_match_or_404(request, match_id)))


def _save_program(request: HttpRequest, program: Program | None, payload: ProgramIn) -> Status:
    from kith.directory.models import OrgUnit

    data = payload.dict()
    unit_ids = [i for i in data.pop("org_units") if 0 < i <= MAX_ID]
    units = list(OrgUnit.objects.filter(pk__in=unit_ids))
    if len(units) != len(set(unit_ids)):
        missing = sorted(set(unit_ids) - {u.pk for u in units})
        return Status(
            422,
            _field_errors({"org_units": [_("No org units with ids %(ids)s.") % {"ids": missing}]}),
        )
    try:
        saved = services.program_save(
            program=program,
            fields=data,
            org_units=units,
            actor=_viewer(request).user,  # type: ignore[arg-type]
        )
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"payload": exc.messages}
        return Status(422, _field_errors(errors))
    card = selectors.program_for_viewer(_viewer(request), saved.pk)
    assert card is not None
    return Status(201 if program is None else 200, _program_dict(card))


def _field_errors(errors: dict[str, list[str]]) -> dict[str, Any]:
    return {
        "detail": [
            {"loc": ["body", "payload", field], "msg": message, "type": "value_error"}
            for field, messages in errors.items()
            for message in messages
        ]
    }


@router.post(
    "/programs",
    response={201: ProgramOut, **WRITE_ERRORS},
    summary="HR: create a program",
)
def create_program(request: HttpRequest, payload: ProgramIn) -> Status:
    if not can_manage_programs(_viewer(request)):
        raise HttpError(403, _("Only HR admins manage matching programs."))
    return _save_program(request, None, payload)


@router.put(
    "/programs/{program_id}",
    response={200: ProgramOut, **WRITE_ERRORS},
    summary="HR: change a program's settings (send them all)",
)
def update_program(request: HttpRequest, program_id: WholeNumber, payload: ProgramIn) -> Status:
    return _save_program(request, _manager_program(request, program_id), payload)


@router.get(
    "/programs/{program_id}/preview",
    response={200: PreviewOut, 403: ErrorOut, **ERRORS},
    summary="HR: the next round, drawn but not sent",
)
def preview_round(request: HttpRequest, program_id: WholeNumber) -> dict[str, Any]:
    program = _manager_program(request, program_id)
    entry = previews.preview_entry(program, selectors.next_round_date(program), wait=True)
    page = previews.page_of(entry, every_match=True)
    audit.record(
        actor=_viewer(request).user,
        action="connect.round_previewed",
        target=f"program:{program.pk}",
    )
    return {
        "date": page.round_date,
        "taking_part": page.eligible,
        "sitting_out": page.excluded,
        "algorithm": page.algorithm,
        "matches": [
            {"people": [_brief(p) for p in m.people], "explanation": m.explanation}
            for m in page.matches
        ],
        "unmatched": [{"person": _brief(p), "reason": d} for p, _c, d in page.unmatched],
    }


@router.post(
    "/programs/{program_id}/rounds",
    response={
        200: RoundStatsOut,
        201: RoundStatsOut,
        400: ErrorOut,
        403: ErrorOut,
        409: ErrorOut,
        **ERRORS,
    },
    summary="HR: draw the next round now and send its intros (idempotent per date)",
)
def draw_round(
    request: HttpRequest,
    program_id: WholeNumber,
    date: dt.date | None = None,
) -> Status:
    """`?date=` names the round to draw (the preview's `date`): a round already drawn for it
    is answered again (200), never drawn twice, and the round after it is never drawn instead."""
    program = _manager_program(request, program_id)
    if date is None:  # after the permission check: a colleague learns nothing here
        detail = _("date: name the round to draw (the preview's date), so a retry never draws two.")
        return Status(400, {"detail": detail})
    existing = program.rounds.filter(scheduled_for=date).first()
    if existing is not None:  # a retry, or a second client: the round as it was drawn
        return Status(200, _round_stats(request, program, existing.pk))
    upcoming = selectors.next_round_date(program)
    if date != upcoming:
        detail = _("date: the next round of this program is on %(date)s.") % {
            "date": upcoming.isoformat()
        }
        return Status(409, {"detail": detail})
    try:
        drawn = rounds.round_run(program=program, round_date=date)
    except rounds.RoundAlreadyDrawn as exc:
        return Status(200, _round_stats(request, program, exc.existing.pk))
    except rounds.RoundPaused as exc:
        return Status(409, {"detail": str(exc)})
    return Status(201, _round_stats(request, program, drawn.pk))


def _round_stats(request: HttpRequest, program: Program, round_id: int) -> dict[str, Any]:
    rows = selectors.program_stats_for_viewer(_viewer(request), program, limit=1000)
    return _stats_dict(next(r for r in rows if r.round.pk == round_id))


def _stats_dict(r: selectors.RoundStats) -> dict[str, Any]:
    return {
        "date": r.round.scheduled_for,
        "participants": r.participants,
        "matched": r.matched,
        "unmatched": r.unmatched,
        "groups": r.groups,
        "meet_rate": r.meet_rate,
        "answers": r.answered,
        "cross_team_share": r.cross_team_share,
        "repeats": r.repeats,
        "new_connections": r.new_connections,
    }


@router.get(
    "/programs/{program_id}/stats",
    response={200: list[RoundStatsOut], 403: ErrorOut, **ERRORS},
    summary="HR: statistics per round (counts only)",
)
def program_stats(request: HttpRequest, program_id: WholeNumber) -> list[dict[str, Any]]:
    program = _manager_program(request, program_id)
    rows = selectors.program_stats_for_viewer(_viewer(request), program)
    audit.record(
        actor=_viewer(request).user, action="connect.stats_viewed", target=f"program:{program.pk}"
    )
    return [_stats_dict(r) for r in rows]
