"""Focus groups in Pulse's JSON API (mounted on Pulse's router, so under /api/v1/pulse/): the
same services, selectors and permissions as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from kith.core.http import viewer_of as _viewer
from kith.core.permissions import can_invite_focus_group
from kith.directory.api import ERRORS as BASE_ERRORS
from kith.directory.api import WholeNumber
from kith.directory.schemas import ErrorOut, ValidationErrorOut
from kith.pulse import focus, snapshot
from kith.pulse.focus_models import MAX_THEME
from kith.pulse.models import Wave

router = Router()
# As Pulse's own API (kith/pulse/api.py), which mounts this router.
ERRORS: dict[int, Any] = {**BASE_ERRORS, 422: ValidationErrorOut}
WRITE_ERRORS: dict[int, Any] = {**ERRORS, 400: ErrorOut, 403: ErrorOut}
MAX_ID = 2**63 - 1
_LOCAL = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]$"


class CountsOut(Schema):
    invited: int
    going: int
    not_going: int
    no_answer: int


class ThemeOut(Schema):
    id: int
    item: str
    item_label: str
    text: str
    action_id: int | None
    action_status: str | None = Field(..., description='"planned", "held", "done" or null')


class FocusGroupOut(Schema):
    id: int
    wave_id: int
    unit: int = Field(..., description="Index into the wave's unit snapshot")
    attr: int = Field(..., description="-1: the whole unit")
    value: int
    group: str
    item: str
    item_label: str
    prompt: str
    event_id: int | None = Field(..., description="The session, an event: RSVP there")
    starts_at: dt.datetime | None = Field(..., description="UTC")
    ends_at: dt.datetime | None = Field(..., description="UTC")
    mode: str | None = Field(..., description='"in_person" or "virtual"')
    place: str
    link: str
    facilitator: str
    drawn_from: int = Field(..., description="How many people the sample was drawn from")
    counts: CountsOut
    going: list[str] | None = Field(
        ..., description="Names of those going: for the invitees and the facilitator only"
    )
    attended: int = Field(
        ...,
        description="How many of the people drawn came: checked in, when the session took "
        "check-ins; else going",
    )
    themes_open: bool = Field(
        ...,
        description="Whether at least k (the survey's minimum group) attended: themes are "
        "recorded and shown only then",
    )
    themes: list[ThemeOut]


class FocusGroupSummaryOut(Schema):
    id: int
    wave_id: int
    unit: int
    attr: int
    value: int
    group: str
    item: str
    item_label: str
    event_id: int | None
    starts_at: dt.datetime | None = Field(..., description="UTC")
    role: str = Field(..., description='Yours: "hr", "facilitator" or "invitee"')
    counts: CountsOut
    themes: int = Field(
        ..., description="How many themes are shown (none while fewer than k attended)"
    )


class FocusGroupIn(Schema):
    """A focus group from one published cell. Times are wall-clock in `timezone` (empty: the
    office's zone, or yours)."""

    unit: int = Field(..., ge=0, le=1_000_000, description="Index into the wave's snapshot")
    attr: int = Field(-1, ge=-1, le=1000, description="-1 for the whole unit")
    value: int = Field(-1, ge=-1, le=100_000)
    item: str = Field(..., min_length=1, max_length=40, description="A score or item key")
    prompt: str = Field("", max_length=300)
    size: int = Field(..., ge=1, le=10_000, description="k (the minimum group) or more")
    facilitator_id: int = Field(..., ge=1, le=MAX_ID, description="Someone outside the group")
    mode: Literal["in_person", "virtual"] = "in_person"
    starts_local: str = Field(..., pattern=_LOCAL, examples=["2026-06-04T15:00"])
    minutes: int = Field(60, ge=focus.MIN_MINUTES, le=focus.MAX_MINUTES)
    timezone: str = Field("", max_length=64, examples=["Europe/Lisbon"])
    office_id: int | None = Field(None, ge=1, le=MAX_ID)
    venue: str = Field("", max_length=200)
    city: str = Field("", max_length=200)
    country: str = Field("", max_length=2)
    link: str = Field("", max_length=500)


class NewActionIn(Schema):
    owner_id: int = Field(..., ge=1, le=MAX_ID)
    meeting_at: dt.datetime = Field(..., description="With its offset, e.g. 2026-06-04T15:00Z")
    minutes: int = Field(45, ge=15, le=240)
    location: str = Field("", max_length=200)


class ThemeIn(Schema):
    text: str = Field(..., min_length=1, max_length=MAX_THEME, description="No names")
    item: str = Field("", max_length=40, description="Empty: the focus group's item")
    action_id: int | None = Field(None, ge=1, le=MAX_ID, description="Link an existing action")
    new_action: NewActionIn | None = Field(None, description="…or create one")


def _wave_or_404(wave_id: int) -> Wave:
    waves = snapshot.without_units(Wave.objects.select_related("campaign"))
    wave = waves.filter(pk=wave_id).first() if 0 < wave_id <= MAX_ID else None
    if wave is None:
        raise HttpError(404, _("No such survey wave."))
    snapshot.fill_units([wave])
    return wave


def _bad_request(exc: ValidationError) -> HttpError:
    """A 400 naming each field and what is wrong with it."""
    if hasattr(exc, "error_dict"):
        text = " ".join(f"{name}: {' '.join(msgs)}" for name, msgs in exc.message_dict.items())
    else:
        text = " ".join(exc.messages)
    return HttpError(400, text)


def _out(page: focus.FocusPage) -> dict[str, Any]:
    group, event = page.group, page.group.event
    return {
        "id": group.pk,
        "wave_id": group.wave_id,
        "unit": group.unit,
        "attr": group.attr,
        "value": group.value,
        "group": page.label,
        "item": group.item,
        "item_label": page.item_label,
        "prompt": group.prompt,
        "event_id": group.event_id,
        "starts_at": event.starts_at if event else None,
        "ends_at": event.ends_at if event else None,
        "mode": event.mode if event else None,
        "place": event.place if event and event.has_place else "",
        "link": event.link if event and event.has_link else "",
        "facilitator": group.facilitator.display_name,
        "drawn_from": group.drawn_from,
        "counts": {**vars(page.counts), "no_answer": page.counts.no_answer},
        "going": [p.display_name for p in page.going] if page.going is not None else None,
        "attended": page.attendance.attended,
        "themes_open": page.themes_open,
        "themes": [
            {
                "id": t.pk,
                "item": t.item,
                "item_label": label,
                "text": t.text,
                "action_id": t.action_id,
                "action_status": t.action.status if t.action else None,
            }
            for t, label in page.themes
        ],
    }


def _page_or_404(request: HttpRequest, group_id: int) -> focus.FocusPage:
    page = focus.focus_group_for_viewer(_viewer(request), group_id)
    if page is None:
        raise HttpError(404, _("No such focus group."))
    return page


@router.get(
    "/waves/{wave_id}/focus-groups",
    response={200: list[FocusGroupSummaryOut], **ERRORS},
    summary="A wave's focus groups I may see (HR: all), with counts, never names",
)
def wave_focus_groups(request: HttpRequest, wave_id: WholeNumber) -> list[dict[str, Any]]:
    viewer = _viewer(request)
    wave = _wave_or_404(wave_id)
    return [
        {
            "id": row.group.pk,
            "wave_id": wave.pk,
            "unit": row.group.unit,
            "attr": row.group.attr,
            "value": row.group.value,
            "group": row.label,
            "item": row.group.item,
            "item_label": row.item_label,
            "event_id": row.group.event_id,
            "starts_at": row.group.event.starts_at if row.group.event else None,
            "role": row.role,
            "counts": {**vars(row.counts), "no_answer": row.counts.no_answer},
            "themes": len(row.themes),
        }
        for row in focus.focus_groups_of_wave_for_viewer(viewer, wave)
    ]


@router.post(
    "/waves/{wave_id}/focus-groups",
    response={201: FocusGroupOut, **WRITE_ERRORS},
    summary="HR: invite a random sample of a published group to a focus group",
    description="Kith draws `size` people at random from everyone the wave asked in the cell "
    "(never from who answered), creates the session as an event and invites them. One draw "
    "per request, never repeated. 400: the cell is withheld or unknown, the size is under k "
    "or over the people there are, the facilitator is in the group, is an HR admin or is you, "
    "or the session's time, place or link is wrong (each named by its field).",
)
def create_focus_group(request: HttpRequest, wave_id: WholeNumber, payload: FocusGroupIn) -> Status:
    viewer = _viewer(request)
    if not can_invite_focus_group(viewer):
        raise HttpError(403, _("Only HR admins invite focus groups."))
    wave = _wave_or_404(wave_id)
    data = payload.dict()
    try:
        starts = dt.datetime.strptime(data.pop("starts_local"), "%Y-%m-%dT%H:%M")  # noqa: DTZ007
    except ValueError:
        raise HttpError(400, _("starts_local: that day does not exist.")) from None
    try:
        group = focus.focus_group_create(
            viewer=viewer, wave=wave, data=focus.FocusInput(starts_local=starts, **data)
        )
    except ValidationError as exc:
        raise _bad_request(exc) from exc
    return Status(201, _out(_page_or_404(request, group.pk)))


@router.get(
    "/focus-groups/{group_id}",
    response={200: FocusGroupOut, **ERRORS},
    summary="A focus group: HR, its facilitator and the people invited",
)
def get_focus_group(request: HttpRequest, group_id: WholeNumber) -> dict[str, Any]:
    return _out(_page_or_404(request, group_id))


@router.post(
    "/focus-groups/{group_id}/themes",
    response={201: ThemeOut, **WRITE_ERRORS},
    summary="The facilitator or HR: record a theme (no names), optionally tied to an action",
    description="400: empty or too long, names someone in the group, before the session "
    "started, fewer than k people attended (checked in, or else going), an unknown item, an "
    "action you cannot see, or a new action without a future time or an active owner (each "
    "named by its field).",
)
def record_theme(request: HttpRequest, group_id: WholeNumber, payload: ThemeIn) -> Status:
    viewer = _viewer(request)
    page = _page_or_404(request, group_id)
    new = payload.new_action
    try:
        theme = focus.focus_theme_record(
            viewer=viewer,
            group=page.group,
            text=payload.text,
            item=payload.item,
            action_id=payload.action_id,
            new_action=focus.NewAction(
                owner_id=new.owner_id,
                meeting_at=new.meeting_at
                if timezone.is_aware(new.meeting_at)
                else timezone.make_aware(new.meeting_at, dt.UTC),
                minutes=new.minutes,
                location=new.location,
            )
            if new is not None
            else None,
        )
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from exc
    except ValidationError as exc:
        raise _bad_request(exc) from exc
    labels = dict(page.items)
    return Status(
        201,
        {
            "id": theme.pk,
            "item": theme.item,
            "item_label": labels.get(theme.item, theme.item),
            "text": theme.text,
            "action_id": theme.action_id,
            "action_status": theme.action.status if theme.action else None,
        },
    )
