"""Events' JSON API: the same selectors, services and permissions as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from kith.core.http import viewer_of as _viewer
from kith.core.permissions import can_rsvp
from kith.directory.api import ERRORS as BASE_ERRORS
from kith.directory.api import WholeNumber
from kith.directory.schemas import ErrorOut, PersonRef, ValidationErrorOut
from kith.events import messages, selectors, services
from kith.events.forms import LOCAL_FORMAT

router = Router()
ERRORS: dict[int, Any] = {**BASE_ERRORS, 422: ValidationErrorOut}
WRITE_ERRORS: dict[int, Any] = {**ERRORS, 400: ErrorOut, 403: ErrorOut, 409: ErrorOut}
MAX_ID = 2**63 - 1
_LOCAL = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]$"
_HOST = r"^(hr|city|community:[1-9][0-9]{0,17}|team:[1-9][0-9]{0,17})$"


class EventSummaryOut(Schema):
    id: int
    title: str
    kind: str
    host: str = Field(..., description="community, team, hr or city")
    host_name: str
    community_id: int | None
    team_id: int | None
    mode: str = Field(..., description="in_person, virtual or hybrid")
    place: str = Field(..., description="Office or venue, and city (in person and hybrid)")
    city: str
    country: str
    link: str = Field(
        ...,
        description="Where to join online (virtual and hybrid); empty for HR on an "
        "invitation-only event it is not invited to",
    )
    starts_at: dt.datetime = Field(..., description="UTC")
    ends_at: dt.datetime = Field(..., description="UTC")
    timezone: str = Field(..., description="The IANA zone where it happens")
    local_start: str = Field(..., description="Wall-clock start in the event's zone")
    capacity: int | None = Field(..., description="null: no limit")
    going: int
    waitlisted: int
    my_status: str = Field(..., description='"going", "waitlisted", "not_going" or ""')
    checked_in: bool
    organiser: bool
    invite_only: bool = Field(
        ..., description="Only the people invited and its organiser see it and answer it"
    )
    invited: int | None = Field(
        ..., description="How many are invited to an invitation-only event; null otherwise"
    )
    invited_me: bool = Field(..., description="You are on an invitation-only event's list")
    for_you: bool = Field(
        False,
        description="In the list: it suits your meeting preference (virtual and hybrid events "
        "for virtually; in-person and hybrid ones in or near your city for in person) and is "
        "listed first. Always false for 'either' and on a single event",
    )


class EventOut(EventSummaryOut):
    description: str
    attendees: list[PersonRef] | None = Field(
        ..., description="Who is going: null unless you are going or organise it"
    )


class EventIn(Schema):
    """A new event. Times are wall-clock times in `timezone` (empty: the office's, or yours)."""

    title: str = Field(..., min_length=1, max_length=160)
    kind: Literal["meetup", "listening", "town_hall", "introday", "other"] = "meetup"
    host: str = Field(..., pattern=_HOST, description="hr, city, community:<id> or team:<id>")
    mode: Literal["in_person", "virtual", "hybrid"] = "in_person"
    starts_local: str = Field(..., pattern=_LOCAL, examples=["2026-06-04T18:30"])
    ends_local: str = Field(..., pattern=_LOCAL, examples=["2026-06-04T20:00"])
    timezone: str = Field("", max_length=64, examples=["Europe/Lisbon"])
    description: str = Field("", max_length=4000)
    office_id: int | None = Field(None, ge=1, le=MAX_ID)
    venue: str = Field("", max_length=200)
    city: str = Field("", max_length=200)
    country: str = Field("", max_length=2)
    link: str = Field("", max_length=500)
    capacity: int | None = Field(None, ge=1, le=100000)
    invite_only: bool = Field(
        False,
        description="Only the people you invite (POST /events/{id}/invitations) see it and "
        "answer it; HR sees it as counts. It stays invitation-only.",
    )
    record_past: bool = Field(
        False,
        description="HR only: record an event that already happened (its start has passed). "
        "Without it a start before now is refused; the audit log notes a past event recorded.",
    )


class InviteeOut(Schema):
    id: int
    name: str
    answer: str = Field(..., description='"going", "waitlisted", "not_going" or "" (none yet)')


class InvitationsOut(Schema):
    event_id: int
    invited: int
    people: list[InviteeOut]


class InvitationsIn(Schema):
    person_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        ..., min_length=1, max_length=200, description="Active colleagues to invite"
    )


class FeedOut(Schema):
    url: str | None = Field(..., description="Your private feed address; null when off")
    created_at: dt.datetime | None


def _summary(card: selectors.EventCard) -> dict[str, Any]:
    e = card.event
    from zoneinfo import ZoneInfo

    if e.community_id and e.community:
        host_name = e.community.name
    elif e.org_unit_id and e.org_unit:
        host_name = e.org_unit.name
    else:
        host_name = "People team" if e.host == "hr" else e.city
    return {
        "id": e.pk,
        "title": e.title,
        "kind": e.kind,
        "host": e.host,
        "host_name": host_name,
        "community_id": e.community_id,
        "team_id": e.org_unit_id,
        "mode": e.mode,
        "place": e.place if e.has_place else "",
        "city": e.city,
        "country": e.country,
        "link": e.link if card.takes_part else "",
        "starts_at": e.starts_at,
        "ends_at": e.ends_at,
        "timezone": e.timezone,
        "local_start": e.starts_at.astimezone(ZoneInfo(e.timezone)).strftime(LOCAL_FORMAT),
        "capacity": e.capacity,
        "going": card.going,
        "waitlisted": card.waiting,
        "my_status": card.my_status,
        "checked_in": card.checked_in,
        "organiser": card.organiser,
        "invite_only": e.invite_only,
        "invited": card.invited if e.invite_only else None,
        "invited_me": card.invitee,
        "for_you": card.for_you,
    }


def _detail(request: HttpRequest, event_id: int) -> dict[str, Any]:
    if not 0 < event_id <= MAX_ID:
        raise HttpError(404, _("No such event."))
    page = selectors.event_page_for_viewer(_viewer(request), event_id)
    if page is None:
        raise HttpError(404, _("No such event."))
    people = page.attendees
    return {
        **_summary(page.card),
        "description": page.card.event.description,
        "attendees": None
        if people is None
        else [{"id": p.pk, "name": p.display_name} for p in people],
    }


@router.get(
    "",
    response={200: list[EventSummaryOut], **ERRORS},
    summary="Upcoming events I can see, those suiting my meeting preference first",
)
def list_events(request: HttpRequest) -> list[dict[str, Any]]:
    return [_summary(c) for c in selectors.upcoming_for_viewer(_viewer(request))]


@router.get("/feed", response={200: FeedOut, **ERRORS}, summary="My calendar feed address")
def get_feed(request: HttpRequest) -> dict[str, Any]:
    return _feed_dict(selectors.active_feed_token(_viewer(request).person))


@router.post(
    "/feed",
    response={201: FeedOut, 403: ErrorOut, **ERRORS},
    summary="A new calendar feed address (the old one stops working)",
)
def regenerate_feed(request: HttpRequest) -> Status:
    person = _person_or_403(request)
    return Status(201, _feed_dict(services.feed_token_regenerate(person=person)))


@router.delete(
    "/feed",
    response={200: FeedOut, 403: ErrorOut, **ERRORS},
    summary="Switch my calendar feed address off",
)
def revoke_feed(request: HttpRequest) -> Status:
    services.feed_token_revoke(person=_person_or_403(request))
    return Status(200, _feed_dict(None))


def _feed_dict(token: Any) -> dict[str, Any]:
    if token is None:
        return {"url": None, "created_at": None}
    path = reverse("events:feed_ics", args=[token.token])
    return {"url": messages.absolute(path), "created_at": token.created_at}


def _person_or_403(request: HttpRequest) -> Any:
    viewer = _viewer(request)
    if not can_rsvp(viewer):
        raise HttpError(403, _("Only colleagues in the directory take part in events."))
    return viewer.person


@router.get("/{event_id}", response={200: EventOut, **ERRORS}, summary="An event")
def get_event(request: HttpRequest, event_id: WholeNumber) -> dict[str, Any]:
    return _detail(request, event_id)


@router.post(
    "",
    response={201: EventOut, **WRITE_ERRORS},
    summary="Create an event (community leaders, managers, ambassadors, HR)",
)
def create_event(request: HttpRequest, payload: EventIn) -> Status:
    viewer = _viewer(request)
    if not selectors.viewer_may_host(viewer, selectors.facts_for(viewer)):
        raise HttpError(403, _("Community leaders, managers, ambassadors and HR create events."))
    data = payload.dict()
    walls, bad = _wall_times(data.pop("starts_local"), data.pop("ends_local"))
    if bad:
        return Status(422, _field_errors(bad))
    starts, ends = walls
    try:
        event = services.event_save(
            viewer=viewer,
            event=None,
            data=services.EventInput(starts_local=starts, ends_local=ends, **data),
        )
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"payload": exc.messages}
        if set(errors) == {"host"}:
            raise HttpError(403, " ".join(errors["host"])) from exc
        return Status(422, _field_errors(errors))
    return Status(201, _detail(request, event.pk))


def _wall_times(
    starts_local: str, ends_local: str
) -> tuple[list[dt.datetime], dict[str, list[str]]]:
    """Both times parsed, or a message under each one that is not a real date (2031-02-30)."""
    walls, bad = [], {}
    for name, text in (("starts_local", starts_local), ("ends_local", ends_local)):
        try:
            walls.append(dt.datetime.strptime(text, LOCAL_FORMAT))  # noqa: DTZ007
        except ValueError:
            bad[name] = [f"{text} is not a real date and time."]
    return walls, bad


def _field_errors(errors: dict[str, list[str]]) -> dict[str, Any]:
    return {
        "detail": [
            {"loc": ["body", "payload", field], "msg": message, "type": "value_error"}
            for field, messages_ in errors.items()
            for message in messages_
        ]
    }


def _answer(request: HttpRequest, event_id: int, *, going: bool) -> Status:
    if not 0 < event_id <= MAX_ID:
        raise HttpError(404, _("No such event."))
    viewer = _viewer(request)
    card = selectors.card_for_viewer(viewer, event_id)
    if card is None:
        raise HttpError(404, _("No such event."))
    try:
        services.rsvp_for_viewer_act(viewer=viewer, event=card.event, going=going)
    except services.EventOver as exc:
        raise HttpError(409, " ".join(exc.messages)) from exc
    except ValidationError as exc:
        raise HttpError(403, " ".join(exc.messages)) from exc
    return Status(200, _detail(request, event_id))


@router.post(
    "/{event_id}/rsvp",
    response={200: EventOut, **WRITE_ERRORS},
    summary="I'm going (on the waitlist when it is full)",
)
def rsvp_event(request: HttpRequest, event_id: WholeNumber) -> Status:
    return _answer(request, event_id, going=True)


@router.post(
    "/{event_id}/cancel",
    response={200: EventOut, **WRITE_ERRORS},
    summary="Not going (frees my place for the waitlist)",
)
def cancel_rsvp(request: HttpRequest, event_id: WholeNumber) -> Status:
    return _answer(request, event_id, going=False)


# --- invitation-only events: the organiser's list ----------------------------------------------


def _list_or_error(request: HttpRequest, event_id: int) -> selectors.InvitationsPage:
    """404 for an event the viewer cannot see, 409 for an open one, 403 for anyone but the
    organiser of a list nobody fixed."""
    if not 0 < event_id <= MAX_ID:
        raise HttpError(404, _("No such event."))
    viewer = _viewer(request)
    page = selectors.invitations_for_viewer(viewer, event_id)
    if page is not None:
        return page
    card = selectors.card_for_viewer(viewer, event_id)
    if card is None:
        raise HttpError(404, _("No such event."))
    if not card.event.invite_only:
        raise HttpError(409, _("This event is open to everyone: it has no list of invitees."))
    if card.organiser and card.event.invitees_fixed:
        raise HttpError(
            403,
            _(
                "The people invited to this event were drawn at random when it was made: nobody "
                "adds or removes anyone."
            ),
        )
    raise HttpError(403, _("Only the event's organiser sees and changes who is invited."))


def _invitations_dict(page: selectors.InvitationsPage) -> dict[str, Any]:
    return {
        "event_id": page.card.event.pk,
        "invited": len(page.rows),
        "people": [
            {"id": r.person.pk, "name": r.person.display_name, "answer": r.answer}
            for r in page.rows
        ],
    }


def _change_list(request: HttpRequest, event_id: int, change: Any) -> Status:
    page = _list_or_error(request, event_id)
    try:
        change(page.card.event)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from exc
    except services.EventOver as exc:
        raise HttpError(409, " ".join(exc.messages)) from exc
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"person_ids": exc.messages}
        errors = {("person_ids" if k == "people" else k): v for k, v in errors.items()}
        return Status(422, _field_errors(errors))
    return Status(200, _invitations_dict(_list_or_error(request, event_id)))


@router.get(
    "/{event_id}/invitations",
    response={200: InvitationsOut, 403: ErrorOut, 409: ErrorOut, **ERRORS},
    summary="Who is invited to my invitation-only event (its organiser)",
)
def list_invitations(request: HttpRequest, event_id: WholeNumber) -> dict[str, Any]:
    return _invitations_dict(_list_or_error(request, event_id))


@router.post(
    "/{event_id}/invitations",
    response={200: InvitationsOut, **WRITE_ERRORS},
    summary="Invite colleagues to my invitation-only event (each is told)",
)
def invite_people(request: HttpRequest, event_id: WholeNumber, payload: InvitationsIn) -> Status:
    viewer = _viewer(request)
    ids = set(payload.person_ids)
    return _change_list(
        request,
        event_id,
        lambda event: services.event_invite(viewer=viewer, event=event, person_ids=ids),
    )


@router.delete(
    "/{event_id}/invitations/{person_id}",
    response={200: InvitationsOut, **WRITE_ERRORS},
    summary="Take someone off my invitation-only event's list (their place is freed)",
)
def uninvite_person(request: HttpRequest, event_id: WholeNumber, person_id: WholeNumber) -> Status:
    viewer = _viewer(request)
    if not 0 < person_id <= MAX_ID:
        _list_or_error(request, event_id)  # the event's own 404, 403 or 409 first
        raise HttpError(404, _("That person is not on this event's list."))

    def remove(event: Any) -> None:
        if not services.event_uninvite(viewer=viewer, event=event, person_id=person_id):
            raise HttpError(404, _("That person is not on this event's list."))

    return _change_list(request, event_id, remove)


# A town hall's questions: /api/v1/events/{event_id}/questions… (kith/events/town_hall_api.py)
from kith.events.town_hall_api import router as town_hall_router  # noqa: E402

router.add_router("", town_hall_router)
