"""A town hall's questions in the JSON API, under /api/v1/events/{event_id}/questions: the
same selectors, services and permissions as the event page (docs/events.md, "Town halls").

Statuses: 404 when the viewer cannot see the event, it is not a town hall, or the question
is not theirs to see; 403 when they may not do this (moderate, withdraw someone else's);
409 when it does not fit the town hall's state (questions closed, the same question already
there, a vote on a question that is not shown, notes before the end); 422 naming the field
when the text is not usable, or `anonymous` when anonymous asking is not offered for so small
an audience; 400 for a body that is not JSON.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import StrictBool

from kith.core.http import field_errors
from kith.core.http import viewer_of as _viewer
from kith.directory.api import WholeNumber
from kith.directory.schemas import ErrorOut, PersonRef, ValidationErrorOut
from kith.events import town_hall_selectors as th_selectors
from kith.events import town_hall_services as th_services
from kith.events.engine.town_hall import (
    MAX_NOTES,
    MAX_QUESTION,
    MAX_REASON,
    MIN_ANONYMOUS_AUDIENCE,
)

router = Router()
MAX_ID = 2**63 - 1
READ_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
WRITE_ERRORS: dict[int, Any] = {**READ_ERRORS, 400: ErrorOut, 409: ErrorOut}
# At least one character that is neither white space nor a control character: a question of
# blanks is no question (the service would refuse it, so the schema says so first).
VISIBLE = r"[^\s\x00-\x1f\x7f-\x9f]"
ViewName = Literal["open", "answered", "waiting", "hidden"]


class TownHallQuestionOut(Schema):
    id: uuid.UUID
    text: str
    anonymous: bool
    author: PersonRef | None = Field(..., description="null for an anonymous question")
    asked_on: dt.date = Field(..., description="The day it was asked (UTC); never the time")
    state: str = Field(..., description='"shown", "waiting" (for approval) or "hidden"')
    answered: bool
    votes: int = Field(..., description="How many upvotes; who voted is never shown")
    voted: bool = Field(..., description="You upvoted it")
    mine: bool = Field(
        ...,
        description="A named question of yours. Always false for an anonymous question: "
        "nothing says whose it is, not even to you.",
    )
    hidden_reason: str | None = Field(
        ..., description="Why a moderator hid it: for moderators, null for everyone else"
    )


class TownHallQuestionsOut(Schema):
    event_id: int
    view: str = Field(
        ..., description="open, answered, waiting or hidden (the last two: moderators)"
    )
    questions: list[TownHallQuestionOut] = Field(..., description="Most votes first")
    counts: dict[str, int] = Field(..., description="How many questions each list holds")
    asking_open: bool
    closes_at: dt.datetime = Field(..., description="When questions and votes close (UTC)")
    approval_needed: bool = Field(..., description="New questions wait for a moderator")
    anonymous_offered: bool = Field(
        ...,
        description=f"You may ask anonymously: only where at least {MIN_ANONYMOUS_AUDIENCE} "
        "people besides the "
        "organisers and moderators can ask (an invitation-only event's invitees, a team's "
        "people, a confidential community's members; every open event)",
    )
    moderator: bool = Field(..., description="You moderate this town hall")
    organiser: bool = Field(..., description="You organise it (and write its notes)")
    notes: str | None = Field(
        ..., description="The organisers' notes afterwards; null until published"
    )
    notes_published_at: dt.datetime | None


class TownHallQuestionIn(Schema):
    text: str = Field(..., min_length=1, max_length=MAX_QUESTION, pattern=VISIBLE)
    anonymous: StrictBool = Field(
        False,
        description="Anonymous: nobody, not even HR or the organisers, can see that you asked "
        "it. Nothing records who asked, so it cannot be withdrawn later. Offered only where at "
        f"least {MIN_ANONYMOUS_AUDIENCE} people besides the organisers and moderators can ask "
        "(`anonymous_offered` on the list): otherwise 422 on this field.",
    )


class TownHallHideIn(Schema):
    reason: str = Field(
        ...,
        min_length=1,
        max_length=MAX_REASON,
        pattern=VISIBLE,
        description="Why: only the moderators see it",
    )


class TownHallAnsweredIn(Schema):
    answered: StrictBool


class TownHallSettingsIn(Schema):
    approval_needed: StrictBool = Field(..., description="New questions wait for a moderator")


class TownHallNotesIn(Schema):
    notes: str = Field(..., min_length=1, max_length=MAX_NOTES, pattern=VISIBLE)


def _event_id(event_id: int) -> int:
    if not 0 < event_id <= MAX_ID:
        raise HttpError(404, _("No such town hall."))
    return event_id


def _question_dict(row: th_selectors.QuestionRow) -> dict[str, Any]:
    q = row.question
    return {
        "id": q.pk,
        "text": q.text,
        "anonymous": q.is_anonymous,
        "author": None if q.author_id is None else {"id": q.author_id, "name": row.author_name},
        "asked_on": q.asked_on,
        "state": q.state,
        "answered": q.answered,
        "votes": row.votes,
        "voted": row.voted,
        "mine": row.mine,
        "hidden_reason": row.hidden_reason,
    }


def _page_dict(page: th_selectors.QuestionsPage) -> dict[str, Any]:
    access = page.access
    return {
        "event_id": access.event.pk,
        "view": page.view,
        "questions": [_question_dict(row) for row in page.rows],
        "counts": page.counts,
        "asking_open": access.is_open,
        "closes_at": access.closes_at,
        "approval_needed": access.settings.approval_needed,
        "anonymous_offered": access.anonymous_offered,
        "moderator": access.moderator,
        "organiser": access.organiser,
        "notes": access.settings.notes if access.notes_published else None,
        "notes_published_at": access.settings.notes_published_at,
    }


def _page(request: HttpRequest, event_id: int, view: str = th_selectors.OPEN) -> dict[str, Any]:
    page = th_selectors.questions_for_viewer(_viewer(request), _event_id(event_id), view=view)
    if page is None:
        raise HttpError(404, _("No such town hall."))
    if page.view != view:
        raise HttpError(403, _("Only the moderators see questions waiting or hidden."))
    return _page_dict(page)


def _question(request: HttpRequest, event_id: int, question_id: uuid.UUID) -> dict[str, Any]:
    found = th_selectors.question_for_viewer(_viewer(request), event_id, question_id)
    if found is None:
        raise HttpError(404, _("No such question."))
    return _question_dict(found[1])


def _run(action: Callable[[], Any]) -> Any:
    """A service's refusal as the API's status (see the module's note)."""
    try:
        return action()
    except th_services.NoSuchTownHall as exc:
        raise HttpError(404, str(exc)) from exc
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from exc
    except (th_services.QuestionsClosed, th_services.QuestionConflict) as exc:
        raise HttpError(409, " ".join(exc.messages)) from exc


def _field_errors(exc: ValidationError) -> dict[str, Any]:
    return {"detail": field_errors(exc)}


# Schema names are global in the OpenAPI document, hence the TownHall prefix on each.
# Fixed paths before `{question_id}`, so "settings" and "notes" are never taken for an id.


@router.put(
    "/{event_id}/questions/settings",
    response={200: TownHallQuestionsOut, **WRITE_ERRORS},
    summary="Whether new questions wait for approval (moderators)",
)
def update_settings(
    request: HttpRequest, event_id: WholeNumber, payload: TownHallSettingsIn
) -> Status:
    _run(
        lambda: th_services.town_hall_settings_update(
            viewer=_viewer(request),
            event_id=_event_id(event_id),
            approval_needed=payload.approval_needed,
        )
    )
    return Status(200, _page(request, event_id))


@router.put(
    "/{event_id}/questions/notes",
    response={200: TownHallQuestionsOut, **WRITE_ERRORS},
    summary="Publish or edit the notes after a town hall (organisers; closes questions)",
)
def publish_notes(request: HttpRequest, event_id: WholeNumber, payload: TownHallNotesIn) -> Status:
    try:
        _run(
            lambda: th_services.town_hall_notes_publish(
                viewer=_viewer(request), event_id=_event_id(event_id), notes=payload.notes
            )
        )
    except ValidationError as exc:
        return Status(422, _field_errors(exc))
    return Status(200, _page(request, event_id))


@router.get(
    "/{event_id}/questions",
    response={200: TownHallQuestionsOut, **READ_ERRORS},
    summary="A town hall's questions, most votes first",
)
def list_questions(request: HttpRequest, event_id: WholeNumber, view: ViewName = "open") -> Any:
    return _page(request, event_id, view)


@router.post(
    "/{event_id}/questions",
    response={201: TownHallQuestionOut, **WRITE_ERRORS},
    summary="Ask a question, with your name or anonymously",
)
def ask_question(
    request: HttpRequest, event_id: WholeNumber, payload: TownHallQuestionIn
) -> Status:
    try:
        question = _run(
            lambda: th_services.question_ask(
                viewer=_viewer(request),
                event_id=_event_id(event_id),
                text=payload.text,
                anonymous=payload.anonymous,
            )
        )
    except ValidationError as exc:
        return Status(422, _field_errors(exc))
    author = question.author
    row = th_selectors.QuestionRow(
        question=question,
        votes=0,
        voted=False,
        mine=author is not None,
        author_name=author.display_name if author is not None else "",
        hidden_reason=None,
    )
    return Status(201, _question_dict(row))


@router.delete(
    "/{event_id}/questions/{question_id}",
    response={204: None, **READ_ERRORS},
    summary="Withdraw my named question",
)
def withdraw_question(
    request: HttpRequest, event_id: WholeNumber, question_id: uuid.UUID
) -> Status:
    _run(
        lambda: th_services.question_withdraw(
            viewer=_viewer(request), event_id=_event_id(event_id), question_id=question_id
        )
    )
    return Status(204, None)


def _vote(request: HttpRequest, event_id: int, question_id: uuid.UUID, *, up: bool) -> Status:
    _run(
        lambda: th_services.question_vote(
            viewer=_viewer(request), event_id=_event_id(event_id), question_id=question_id, up=up
        )
    )
    return Status(200, _question(request, event_id, question_id))


@router.post(
    "/{event_id}/questions/{question_id}/vote",
    response={200: TownHallQuestionOut, **READ_ERRORS, 409: ErrorOut},
    summary="Upvote a question (once)",
)
def vote_question(request: HttpRequest, event_id: WholeNumber, question_id: uuid.UUID) -> Status:
    return _vote(request, event_id, question_id, up=True)


@router.delete(
    "/{event_id}/questions/{question_id}/vote",
    response={200: TownHallQuestionOut, **READ_ERRORS, 409: ErrorOut},
    summary="Take my vote back",
)
def unvote_question(request: HttpRequest, event_id: WholeNumber, question_id: uuid.UUID) -> Status:
    return _vote(request, event_id, question_id, up=False)


@router.post(
    "/{event_id}/questions/{question_id}/show",
    response={200: TownHallQuestionOut, **READ_ERRORS},
    summary="Approve a waiting question, or show a hidden one again (moderators)",
)
def show_question(request: HttpRequest, event_id: WholeNumber, question_id: uuid.UUID) -> Status:
    _run(
        lambda: th_services.question_approve(
            viewer=_viewer(request), event_id=_event_id(event_id), question_id=question_id
        )
    )
    return Status(200, _question(request, event_id, question_id))


@router.post(
    "/{event_id}/questions/{question_id}/hide",
    response={200: TownHallQuestionOut, **WRITE_ERRORS},
    summary="Hide a question, saying why (moderators)",
)
def hide_question(
    request: HttpRequest, event_id: WholeNumber, question_id: uuid.UUID, payload: TownHallHideIn
) -> Status:
    try:
        _run(
            lambda: th_services.question_hide(
                viewer=_viewer(request),
                event_id=_event_id(event_id),
                question_id=question_id,
                reason=payload.reason,
            )
        )
    except ValidationError as exc:
        return Status(422, _field_errors(exc))
    return Status(200, _question(request, event_id, question_id))


@router.put(
    "/{event_id}/questions/{question_id}/answered",
    response={200: TownHallQuestionOut, **WRITE_ERRORS},
    summary="Mark a question answered, or not (moderators)",
)
def mark_answered(
    request: HttpRequest, event_id: WholeNumber, question_id: uuid.UUID, payload: TownHallAnsweredIn
) -> Status:
    _run(
        lambda: th_services.question_mark_answered(
            viewer=_viewer(request),
            event_id=_event_id(event_id),
            question_id=question_id,
            answered=payload.answered,
        )
    )
    return Status(200, _question(request, event_id, question_id))
