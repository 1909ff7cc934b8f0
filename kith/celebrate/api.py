"""Celebrate's JSON API: the same selectors, services and permissions as the pages.

Every request that the schema calls valid is either carried out or refused for a reason the
schema cannot know (403 not allowed, 404 no such person / value / feed, 429 daily limit); a
malformed one is a 422 naming the field.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import BeforeValidator, StrictBool, StrictStr
from pydantic import Field as PydanticField

from kith.celebrate import selectors, services
from kith.celebrate.models import MAX_MESSAGE_LENGTH, MAX_RECIPIENTS, CompanyValue, Milestone
from kith.core.http import viewer_of
from kith.core.permissions import Viewer, can_give_kudos, can_view_celebrations
from kith.directory.api import ERRORS as BASE_ERRORS
from kith.directory.api import WholeNumber
from kith.directory.models import Person
from kith.directory.schemas import ErrorOut, ValidationErrorOut

router = Router()

MAX_ID = 2**63 - 1  # ids live in 64-bit integer columns
ERRORS: dict[int, Any] = {**BASE_ERRORS, 403: ErrorOut, 422: ValidationErrorOut}
# A body that is not JSON at all is a 400 before any field is read.
BODY_ERRORS: dict[int, Any] = {**ERRORS, 400: ErrorOut}
NO_ACCESS = gettext_lazy("Celebrations are for colleagues in the directory.")

# Exactly the days of a year ("MM-DD", 02-29 included), so a schema-valid birthday is valid.
BIRTHDAY_PATTERN = (
    r"^(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-9])"
    r"|(?:0[13-9]|1[0-2])-30|(?:0[13578]|1[02])-31)$"
)


def _json_integer(value: object) -> object:
    """JSON Schema's integer: 5 and 5.0, never "5", 5.5 or true."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError("must be a whole number")


# Bodies are strict: a string is not a number, 0 is not false.
Id = Annotated[int, PydanticField(ge=1, le=MAX_ID), BeforeValidator(_json_integer)]


class PersonBrief(Schema):
    id: int
    name: str
    team: str


class ValueOut(Schema):
    id: int
    name: str
    description: str


class KudosOut(Schema):
    id: int
    sender: PersonBrief
    recipients: list[PersonBrief]
    message: str
    value: ValueOut | None
    visibility: Literal["public", "team", "private"]
    created_at: dt.datetime


class MilestoneOut(Schema):
    id: int
    person: PersonBrief
    kind: Literal["anniversary", "welcome", "birthday"]
    date: dt.date = Field(..., description="The organisation's calendar day it is celebrated")
    years: int | None = Field(..., description="Whole years, for a work anniversary")
    summary: str


class FeedItemOut(Schema):
    type: Literal["kudos", "milestone"]
    at: dt.datetime
    kudos: KudosOut | None
    milestone: MilestoneOut | None


class FeedPage(Schema):
    title: str
    items: list[FeedItemOut]
    page: int
    pages: int
    total: int


class KudosPage(Schema):
    items: list[KudosOut]
    page: int
    pages: int
    total: int


class MilestonePage(Schema):
    items: list[MilestoneOut]
    page: int
    pages: int
    total: int


class PageParams(Schema):
    page: WholeNumber = Field(1, description="1-based; a page past the end gives the last page")

    @property
    def number(self) -> int:
        return min(max(self.page, 1), selectors.MAX_PAGE)


class MilestoneParams(PageParams):
    team: WholeNumber | None = Field(None, description="An org unit id: it and every unit below")


class MyKudosParams(PageParams):
    direction: Literal["received", "sent"] = "received"


class KudosIn(Schema):
    recipients: list[Id] = Field(
        ..., min_length=1, max_length=MAX_RECIPIENTS, description="Person ids, not your own"
    )
    message: StrictStr = Field(..., max_length=MAX_MESSAGE_LENGTH, pattern=r"\S")
    value: Id | None = Field(None, description="A company value id (GET /values), or null")
    visibility: Literal["public", "team", "private"] = "public"


class SettingsOut(Schema):
    celebrate_work_dates: bool = Field(..., description="Work anniversaries and the welcome")
    weekly_digest: bool
    birthday: str | None = Field(..., description='"MM-DD", or null when not shared')


class SettingsIn(Schema):
    celebrate_work_dates: StrictBool
    weekly_digest: StrictBool
    birthday: StrictStr | None = Field(
        ..., pattern=BIRTHDAY_PATTERN, description='"MM-DD" (no year), or null to stop sharing'
    )


def _viewer(request: HttpRequest) -> Viewer:
    viewer = viewer_of(request)
    if not can_view_celebrations(viewer):
        raise HttpError(403, str(NO_ACCESS))
    return viewer


def _me(request: HttpRequest) -> Person:
    viewer = _viewer(request)
    if not can_give_kudos(viewer):
        raise HttpError(403, _("Only colleagues in the directory give kudos and have settings."))
    assert viewer.person is not None
    return viewer.person


def _brief(p: Person) -> dict[str, Any]:
    return {"id": p.pk, "name": p.display_name, "team": p.org_unit.name if p.org_unit else ""}


def _kudos_dict(view: selectors.KudosView) -> dict[str, Any]:
    k, v = view.kudos, view.value
    return {
        "id": k.pk,
        "sender": _brief(view.sender),
        "recipients": [_brief(p) for p in view.recipients],
        "message": k.message,
        "value": {"id": v.pk, "name": v.name, "description": v.description} if v else None,
        "visibility": k.visibility,
        "created_at": k.created_at,
    }


def _milestone_dict(m: Milestone) -> dict[str, Any]:
    return {
        "id": m.pk,
        "person": _brief(m.person),
        "kind": m.kind,
        "date": m.date,
        "years": m.years,
        "summary": f"{m.person.display_name} {m.summary}",
    }


def _page_meta(page: Any) -> dict[str, int]:
    return {"page": page.number, "pages": page.paginator.num_pages, "total": page.paginator.count}


def _feed(request: HttpRequest, scope: selectors.Scope | None, page: int) -> dict[str, Any]:
    if scope is None:
        raise HttpError(404, _("No such feed."))
    current = selectors.feed_page_for_viewer(_viewer(request), scope, page=page)
    items = [
        {
            "type": item.kind,
            "at": item.at,
            "kudos": _kudos_dict(item.kudos) if item.kudos else None,
            "milestone": _milestone_dict(item.milestone) if item.milestone else None,
        }
        for item in current.object_list
    ]
    return {"title": scope.title, "items": items, **_page_meta(current)}


@router.get("/feed", response={200: FeedPage, **ERRORS}, summary="The organisation's feed")
def organisation_feed(request: HttpRequest, params: Query[PageParams]) -> dict[str, Any]:
    return _feed(request, selectors.ORGANISATION, params.number)


@router.get(
    "/teams/{unit_id}/feed",
    response={200: FeedPage, **ERRORS},
    summary="A team's feed: the unit and every unit below it",
)
def team_feed(request: HttpRequest, unit_id: WholeNumber, params: Query[PageParams]) -> Any:
    viewer = _viewer(request)
    scope = selectors.team_scope_for_viewer(viewer, unit_id) if 0 < unit_id <= MAX_ID else None
    return _feed(request, scope, params.number)


@router.get(
    "/communities/{community_id}/feed",
    response={200: FeedPage, **ERRORS},
    summary="A community's feed (404 unless you may see its members)",
)
def community_feed(
    request: HttpRequest, community_id: WholeNumber, params: Query[PageParams]
) -> Any:
    viewer = _viewer(request)
    in_range = 0 < community_id <= MAX_ID
    scope = selectors.community_scope_for_viewer(viewer, community_id) if in_range else None
    return _feed(request, scope, params.number)


@router.get("/values", response={200: list[ValueOut], **ERRORS}, summary="Values to tag kudos")
def list_values(request: HttpRequest) -> list[dict[str, Any]]:
    _viewer(request)
    return [
        {"id": v.pk, "name": v.name, "description": v.description}
        for v in selectors.active_values()
    ]


@router.post(
    "/kudos",
    response={201: KudosOut, 429: ErrorOut, **BODY_ERRORS},
    summary="Give kudos to one or several colleagues",
)
def give_kudos(request: HttpRequest, payload: KudosIn) -> Status:
    viewer = _viewer(request)
    sender = _me(request)
    ids = list(dict.fromkeys(payload.recipients))
    if sender.pk in ids:
        raise HttpError(403, _("You cannot give kudos to yourself: remove your own id."))
    people = list(Person.objects.filter(pk__in=ids, is_active=True).select_related("org_unit"))
    if missing := sorted(set(ids) - {p.pk for p in people}):
        raise HttpError(
            404,
            _("No current colleague with id %(ids)s.") % {"ids": ", ".join(map(str, missing))},
        )
    value = None
    if payload.value is not None:
        value = CompanyValue.objects.filter(pk=payload.value, is_active=True).first()
        if value is None:
            raise HttpError(
                404, _("No company value in use with id %(id)d.") % {"id": payload.value}
            )
    if services.kudos_given_today(sender) >= services.kudos_daily_limit():
        limit = services.kudos_daily_limit()
        return Status(
            429, {"detail": _("You have given %(n)d kudos today, the daily limit.") % {"n": limit}}
        )
    try:
        kudos = services.kudos_give(
            sender=sender,
            recipients=people,
            message=payload.message,
            visibility=payload.visibility,
            value=value,
            actor=viewer.user,
        )
    except ValidationError as exc:  # the limit, reached by a request running at the same time
        return Status(429, {"detail": " ".join(exc.messages)})
    view = selectors.kudos_for_viewer(viewer, kudos.pk)
    assert view is not None
    return Status(201, _kudos_dict(view))


@router.get("/kudos/{kudos_id}", response={200: KudosOut, **ERRORS}, summary="One kudos")
def get_kudos(request: HttpRequest, kudos_id: WholeNumber) -> dict[str, Any]:
    viewer = _viewer(request)
    view = selectors.kudos_for_viewer(viewer, kudos_id) if 0 < kudos_id <= MAX_ID else None
    if view is None:
        raise HttpError(404, _("No such kudos."))
    return _kudos_dict(view)


@router.get("/me/kudos", response={200: KudosPage, **ERRORS}, summary="Kudos I received, or gave")
def my_kudos(request: HttpRequest, params: Query[MyKudosParams]) -> dict[str, Any]:
    page = selectors.my_kudos_page(_me(request), direction=params.direction, page=params.number)
    return {"items": [_kudos_dict(v) for v in page.object_list], **_page_meta(page)}


@router.get(
    "/milestones",
    response={200: MilestonePage, **ERRORS},
    summary="Milestones up to today, newest first; optionally of one team",
)
def milestones(request: HttpRequest, params: Query[MilestoneParams]) -> dict[str, Any]:
    viewer = _viewer(request)
    scope = selectors.ORGANISATION
    if params.team is not None:
        in_range = 0 < params.team <= MAX_ID
        team = selectors.team_scope_for_viewer(viewer, params.team) if in_range else None
        if team is None:
            raise HttpError(404, _("No such team."))
        scope = team
    page = selectors.milestones_page_for_viewer(viewer, scope, page=params.number)
    return {"items": [_milestone_dict(m) for m in page.object_list], **_page_meta(page)}


def _settings_dict(person: Person) -> dict[str, Any]:
    mine = selectors.settings_for(person)
    birthday = f"{mine.birthday[0]:02d}-{mine.birthday[1]:02d}" if mine.birthday else None
    return {
        "celebrate_work_dates": mine.celebrate_work_dates,
        "weekly_digest": mine.weekly_digest,
        "birthday": birthday,
    }


@router.get("/me/settings", response={200: SettingsOut, **ERRORS}, summary="My choices")
def get_settings(request: HttpRequest) -> dict[str, Any]:
    return _settings_dict(_me(request))


@router.put(
    "/me/settings",
    response={200: SettingsOut, **BODY_ERRORS},
    summary="Change my choices (send them all)",
)
def put_settings(request: HttpRequest, payload: SettingsIn) -> dict[str, Any]:
    person = _me(request)
    birthday = None
    if payload.birthday is not None:
        month, day = payload.birthday.split("-")
        birthday = (int(month), int(day))
    services.settings_update(
        person=person,
        celebrate_work_dates=payload.celebrate_work_dates,
        weekly_digest=payload.weekly_digest,
        birthday=birthday,
    )
    return _settings_dict(person)
