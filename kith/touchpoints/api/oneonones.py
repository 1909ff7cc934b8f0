"""1:1s and check-ins over JSON: the same selectors, services and permissions as the pages.

A pair, meeting, talking point, action item or check-in the caller is not part of answers
404, exactly like one that does not exist."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from pydantic import BeforeValidator
from pydantic import Field as PydanticField

from kith.core.http import error_text
from kith.core.http import viewer_of as _viewer
from kith.core.jsonschema import Id, JsonBool, WholeInt, whole_number
from kith.directory.api import ERRORS as BASE_ERRORS
from kith.directory.schemas import ErrorOut, ValidationErrorOut
from kith.touchpoints.models import ActionItem, AgendaItem, Meeting
from kith.touchpoints.selectors import oneonones as selectors
from kith.touchpoints.services import checkins as checkin_services
from kith.touchpoints.services import oneonones as services

router = Router()
Minutes = Annotated[int, PydanticField(ge=15, le=180), BeforeValidator(whole_number)]
Days = Annotated[int, PydanticField(ge=1, le=400), BeforeValidator(whole_number)]
ERRORS: dict[int, Any] = {**BASE_ERRORS, 403: ErrorOut, 422: ValidationErrorOut}
BODY_ERRORS: dict[int, Any] = {**ERRORS, 400: ErrorOut}


def _call(action: Any) -> Any:
    try:
        return action()
    except ValidationError as exc:
        raise HttpError(422, error_text(exc)) from exc
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or _("Not allowed.")) from exc


class MeetingBrief(Schema):
    id: int
    starts_at: dt.datetime
    minutes: int
    status: str


class PairOut(Schema):
    id: int
    kind: str
    with_person: str = Field(..., description="The other participant's name")
    with_person_id: int
    my_role: Literal["manager", "report"]
    cadence_days: int
    proposed_cadence_days: int | None
    last_held: dt.date | None
    due: dt.date
    overdue: bool
    next_meeting: MeetingBrief | None
    open_talking_points: int


class AgendaOut(Schema):
    id: int
    text: str
    added_by: str
    carried_over: bool
    done: bool


class ActionOut(Schema):
    id: int
    text: str
    owner_id: int
    owner: str
    due_on: dt.date | None
    done: bool


class CheckInOut(Schema):
    id: int
    written_on: dt.date
    author: str
    mine: bool
    shared_with: str = Field("", description="The other participant, when shared with a 1:1")
    how: int
    energy: int
    support: str
    note: str


class PairDetailOut(PairOut):
    agenda: list[AgendaOut]
    actions: list[ActionOut]
    meetings: list[MeetingBrief]
    check_ins: list[CheckInOut]


class MeetingOut(MeetingBrief):
    one_on_one: int
    agenda: list[AgendaOut]
    talked_about: list[AgendaOut]
    shared_notes: str
    my_private_note: str = Field(..., description="Yours alone; nobody else can read it")
    actions: list[ActionOut]


def _brief(m: Meeting | None) -> dict[str, Any] | None:
    if m is None:
        return None
    return {"id": m.pk, "starts_at": m.starts_at, "minutes": m.minutes, "status": m.status}


def _pair(s: selectors.PairSummary) -> dict[str, Any]:
    return {
        "id": s.pair.pk,
        "kind": s.pair.kind,
        "with_person": s.other_name,
        "with_person_id": s.other_id,
        "my_role": "manager" if s.viewer_is_manager else "report",
        "cadence_days": s.pair.cadence_days,
        "proposed_cadence_days": s.pair.proposed_cadence_days,
        "last_held": s.last_held,
        "due": s.due,
        "overdue": s.overdue,
        "next_meeting": _brief(s.next_meeting),
        "open_talking_points": s.open_points,
    }


def _agenda(line: selectors.AgendaLine) -> dict[str, Any]:
    item = line.item
    return {
        "id": item.pk,
        "text": item.text,
        "added_by": item.added_by.display_name,
        "carried_over": line.carried_over,
        "done": item.done_at is not None,
    }


def _action(a: ActionItem) -> dict[str, Any]:
    return {
        "id": a.pk,
        "text": a.text,
        "owner_id": a.owner_id,
        "owner": a.owner.display_name,
        "due_on": a.due_on,
        "done": a.done_at is not None,
    }


def _check_in(c: selectors.CheckInView) -> dict[str, Any]:
    return {
        "id": c.check_in.pk,
        "written_on": c.check_in.written_on,
        "author": c.check_in.author.display_name,
        "mine": c.mine,
        "shared_with": c.shared_with,
        "how": c.content.how,
        "energy": c.content.energy,
        "support": c.content.support,
        "note": c.content.note,
    }


@router.get("/one-on-ones", response={200: list[PairOut], **ERRORS}, summary="My 1:1s")
def list_pairs(request: HttpRequest) -> list[dict[str, Any]]:
    mine = selectors.my_one_on_ones_for_viewer(_viewer(request))
    return [_pair(s) for s in mine.as_manager + mine.as_report]


@router.get("/one-on-ones/{pair_id}", response={200: PairDetailOut, **ERRORS}, summary="One 1:1")
def get_pair(request: HttpRequest, pair_id: int) -> dict[str, Any]:
    page = selectors.pair_page_for_viewer(_viewer(request), pair_id)
    return {
        **_pair(page.summary),
        "agenda": [_agenda(line) for line in page.agenda],
        "actions": [_action(a) for a in page.actions],
        "meetings": [_brief(m) for m in page.meetings],
        "check_ins": [_check_in(c) for c in page.check_ins],
    }


class ScheduleIn(Schema):
    starts_at: dt.datetime | None = Field(
        None, description="With its offset; leave out to take Kith's first proposal"
    )
    minutes: Minutes | None = None


@router.post(
    "/one-on-ones/{pair_id}/meetings",
    response={201: MeetingBrief, **BODY_ERRORS},
    summary="Plan the next 1:1 (both get an .ics invite)",
)
def schedule(request: HttpRequest, pair_id: int, payload: ScheduleIn) -> tuple[int, Any]:
    viewer = _viewer(request)
    pair = selectors.pair_for_viewer(viewer, pair_id)
    if payload.starts_at is not None and payload.starts_at.tzinfo is None:
        raise HttpError(
            422, _("starts_at: give the time with its offset, e.g. 2026-12-08T10:30+01:00.")
        )
    meeting = _call(
        lambda: services.meeting_schedule(
            one_on_one=pair, actor=viewer, starts_at=payload.starts_at, minutes=payload.minutes
        )
    )
    return 201, _brief(meeting)


@router.post(
    "/one-on-ones/{pair_id}/request",
    response={200: PairOut, **ERRORS},
    summary="Ask my manager for a 1:1",
)
def ask(request: HttpRequest, pair_id: int) -> dict[str, Any]:
    viewer = _viewer(request)
    pair = selectors.pair_for_viewer(viewer, pair_id)
    _call(lambda: services.one_on_one_request(viewer=viewer, pair=pair))
    return _pair(selectors.pair_page_for_viewer(viewer, pair_id).summary)


class CadenceIn(Schema):
    propose_days: Days | None = None
    answer: Literal["accept", "decline", "withdraw"] | None = None


@router.post(
    "/one-on-ones/{pair_id}/cadence",
    response={200: PairOut, **BODY_ERRORS},
    summary="Propose a cadence, or answer the other side's proposal",
)
def cadence(request: HttpRequest, pair_id: int, payload: CadenceIn) -> dict[str, Any]:
    viewer = _viewer(request)
    pair = selectors.pair_for_viewer(viewer, pair_id)
    if payload.answer in ("accept", "decline"):
        _call(
            lambda: services.cadence_answer(
                viewer=viewer, pair=pair, accept=payload.answer == "accept"
            )
        )
    elif payload.answer == "withdraw":
        _call(lambda: services.cadence_withdraw(viewer=viewer, pair=pair))
    elif payload.propose_days is not None:
        days = payload.propose_days
        _call(lambda: services.cadence_propose(viewer=viewer, pair=pair, days=days))
    else:
        raise HttpError(422, _("Send propose_days, or an answer."))
    return _pair(selectors.pair_page_for_viewer(viewer, pair_id).summary)


@router.get(
    "/meetings/{meeting_id}", response={200: MeetingOut, **ERRORS}, summary="One 1:1 meeting"
)
def get_meeting(request: HttpRequest, meeting_id: int) -> dict[str, Any]:
    page = selectors.meeting_page_for_viewer(_viewer(request), meeting_id)
    m = page.meeting
    return {
        **(_brief(m) or {}),
        "one_on_one": page.pair.pk,
        "agenda": [_agenda(line) for line in page.agenda],
        "talked_about": [
            _agenda(selectors.AgendaLine(item=i, carried_over=False, added_by_me=False))
            for i in page.done_here
        ],
        "shared_notes": m.shared_notes,
        "my_private_note": page.private_note,
        "actions": [_action(a) for a in page.actions],
    }


class TextIn(Schema):
    text: str = Field(..., max_length=500)


class NotesIn(Schema):
    shared_notes: str | None = Field(None, max_length=20000)
    my_private_note: str | None = Field(None, max_length=20000)


class MeetingStateIn(Schema):
    state: Literal["held", "cancelled", "moved"]
    starts_at: dt.datetime | None = Field(None, description="The new time, for 'moved'")


def _meeting(request: HttpRequest, meeting_id: int) -> Meeting:
    return selectors.meeting_page_for_viewer(_viewer(request), meeting_id).meeting


@router.post(
    "/meetings/{meeting_id}/agenda",
    response={201: AgendaOut, **BODY_ERRORS},
    summary="Add a talking point",
)
def add_agenda(request: HttpRequest, meeting_id: int, payload: TextIn) -> tuple[int, Any]:
    viewer = _viewer(request)
    meeting = _meeting(request, meeting_id)
    item = _call(
        lambda: services.agenda_add(
            viewer=viewer, pair=meeting.one_on_one, text=payload.text, meeting=meeting
        )
    )
    return 201, _agenda(selectors.AgendaLine(item=item, carried_over=False, added_by_me=True))


class DoneIn(Schema):
    done: JsonBool = True
    meeting: Id | None = Field(None, description="The meeting it was talked about in")


def _own(model: Any, request: HttpRequest, pk: int) -> Any:
    item = model.objects.select_related("one_on_one").filter(pk=pk).first()
    if item is None:
        raise Http404("Not found.")
    selectors.pair_for_viewer(_viewer(request), item.one_on_one_id)
    return item


@router.post(
    "/agenda/{item_id}", response={200: AgendaOut, **BODY_ERRORS}, summary="Tick a talking point"
)
def mark_agenda(request: HttpRequest, item_id: int, payload: DoneIn) -> dict[str, Any]:
    viewer = _viewer(request)
    item = _own(AgendaItem, request, item_id)
    meeting = _meeting(request, payload.meeting) if payload.meeting else None
    item = _call(
        lambda: services.agenda_mark(viewer=viewer, item=item, done=payload.done, meeting=meeting)
    )
    return _agenda(selectors.AgendaLine(item=item, carried_over=False, added_by_me=False))


@router.put(
    "/meetings/{meeting_id}/notes",
    response={200: MeetingOut, **BODY_ERRORS},
    summary="Save shared notes and/or my private note",
)
def save_notes(request: HttpRequest, meeting_id: int, payload: NotesIn) -> dict[str, Any]:
    viewer = _viewer(request)
    meeting = _meeting(request, meeting_id)
    if payload.shared_notes is not None:
        text = payload.shared_notes
        _call(lambda: services.shared_notes_save(viewer=viewer, meeting=meeting, text=text))
    if payload.my_private_note is not None:
        note = payload.my_private_note
        _call(lambda: services.private_note_save(viewer=viewer, meeting=meeting, text=note))
    return get_meeting(request, meeting_id)


class ActionIn(Schema):
    text: str = Field(..., max_length=500)
    owner_id: Id
    due_on: dt.date | None = None


@router.post(
    "/meetings/{meeting_id}/actions",
    response={201: ActionOut, **BODY_ERRORS},
    summary="Add an action item",
)
def add_action(request: HttpRequest, meeting_id: int, payload: ActionIn) -> tuple[int, Any]:
    viewer = _viewer(request)
    meeting = _meeting(request, meeting_id)
    item = _call(
        lambda: services.action_add(
            viewer=viewer,
            pair=meeting.one_on_one,
            text=payload.text,
            owner_id=payload.owner_id,
            due_on=payload.due_on,
            meeting=meeting,
        )
    )
    return 201, _action(item)


@router.post(
    "/actions/{item_id}", response={200: ActionOut, **BODY_ERRORS}, summary="Tick an action item"
)
def mark_action(request: HttpRequest, item_id: int, payload: DoneIn) -> dict[str, Any]:
    viewer = _viewer(request)
    item = _own(ActionItem, request, item_id)
    item = _call(lambda: services.action_mark(viewer=viewer, item=item, done=payload.done))
    return _action(item)


@router.post(
    "/meetings/{meeting_id}/state",
    response={200: MeetingBrief, **BODY_ERRORS},
    summary="Mark a 1:1 as held, cancel it or move it",
)
def meeting_state(request: HttpRequest, meeting_id: int, payload: MeetingStateIn) -> Any:
    viewer = _viewer(request)
    meeting = _meeting(request, meeting_id)
    if payload.state == "held":
        meeting = _call(lambda: services.meeting_hold(viewer=viewer, meeting=meeting))
    elif payload.state == "cancelled":
        meeting = _call(lambda: services.meeting_cancel(viewer=viewer, meeting=meeting))
    else:
        when = payload.starts_at
        if when is None or when.tzinfo is None:
            raise HttpError(422, _("starts_at: give the new time with its offset."))
        meeting = _call(
            lambda: services.meeting_move(viewer=viewer, meeting=meeting, starts_at=when)
        )
    return _brief(meeting)


@router.get("/check-ins", response={200: list[CheckInOut], **ERRORS}, summary="My check-ins")
def list_check_ins(request: HttpRequest) -> list[dict[str, Any]]:
    return [_check_in(c) for c in selectors.my_check_ins_for_viewer(_viewer(request))]


class CheckInIn(Schema):
    how: WholeInt = Field(..., ge=1, le=5, description="1 struggling … 5 great")
    energy: WholeInt = Field(..., ge=1, le=5, description="1 empty … 5 full")
    support: str = Field("", max_length=2000)
    note: str = Field("", max_length=2000)
    one_on_one: Id | None = Field(None, description="Share with this 1:1; leave out: only me")


@router.post(
    "/check-ins",
    response={201: CheckInOut, **BODY_ERRORS},
    summary="Write a check-in (not a performance record: only you, and the 1:1 you share it "
    "with, can read it)",
)
def write_check_in(request: HttpRequest, payload: CheckInIn) -> tuple[int, Any]:
    viewer = _viewer(request)
    if viewer.person is None:
        raise HttpError(404, _("Your login is not linked to a person in the directory."))
    pair = selectors.pair_for_viewer(viewer, payload.one_on_one) if payload.one_on_one else None
    check_in = _call(
        lambda: checkin_services.check_in_write(
            viewer=viewer,
            how=payload.how,
            energy=payload.energy,
            support=payload.support,
            note=payload.note,
            one_on_one=pair,
        )
    )
    views = [c for c in selectors.my_check_ins_for_viewer(viewer) if c.check_in.pk == check_in.pk]
    return 201, _check_in(views[0])


@router.delete(
    "/check-ins/{check_in_id}", response={204: None, **ERRORS}, summary="Delete my check-in"
)
def delete_check_in(request: HttpRequest, check_in_id: int) -> tuple[int, None]:
    viewer = _viewer(request)
    check_in = selectors.check_in_for_viewer(viewer, check_in_id)
    _call(lambda: checkin_services.check_in_delete(viewer=viewer, check_in=check_in))
    return 204, None


class RulesOut(Schema):
    default_cadence_days: int
    floor_cadence_days: int = Field(..., description="The longest gap any pair may agree on")
    one_on_one_minutes: int
    skip_level_enabled: bool
    skip_level_cadence_days: int


class RulesIn(Schema):
    default_cadence_days: WholeInt = Field(..., ge=7, le=91)
    floor_cadence_days: WholeInt = Field(..., ge=7, le=91)
    one_on_one_minutes: WholeInt = Field(..., ge=15, le=120)
    skip_level_enabled: JsonBool
    skip_level_cadence_days: WholeInt = Field(..., ge=14, le=182)


def _rules(rules: Any) -> dict[str, Any]:
    return {name: getattr(rules, name) for name in RulesOut.model_fields}


@router.get("/settings", response={200: RulesOut, **ERRORS}, summary="The 1:1 cadence rules")
def get_rules(request: HttpRequest) -> dict[str, Any]:
    from kith.touchpoints.models import TouchpointSettings

    return _rules(TouchpointSettings.current())


@router.put(
    "/settings",
    response={200: RulesOut, **BODY_ERRORS},
    summary="Set the 1:1 cadence rules (HR)",
    description="Pairs that agreed a longer gap than the new floor are brought within it.",
)
def put_rules(request: HttpRequest, payload: RulesIn) -> dict[str, Any]:
    viewer = _viewer(request)
    rules = _call(lambda: services.settings_update(viewer=viewer, **payload.dict()))
    return _rules(rules)
