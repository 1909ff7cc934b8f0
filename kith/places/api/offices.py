"""/api/v1/places/offices: every colleague lists and reads offices; HR adds, changes (PUT for
the whole office, PATCH for some fields) and removes them. The same selectors and services as
the pages. Photos are uploaded on the page only; the API gives their address."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import BeforeValidator

from kith.core.http import viewer_of as _viewer
from kith.core.jsonschema import whole_number
from kith.core.permissions import require
from kith.directory.api import ERRORS as BASE_ERRORS
from kith.directory.api import WholeNumber
from kith.directory.models import Office
from kith.directory.schemas import ErrorOut, ValidationErrorOut
from kith.places.engine import offices as engine
from kith.places.selectors import offices as selectors
from kith.places.services import offices as services

router = Router()
# 422 from the schema (an id that is no number, a missing field, a string for a number).
ERRORS: dict[int, Any] = {**BASE_ERRORS, 403: ErrorOut, 422: ValidationErrorOut}
# A body that breaks a rule names the field: 400 (a city the geocoder does not know, a name
# taken).
BODY_ERRORS: dict[int, Any] = {**ERRORS, 400: ErrorOut}

# Bounds inside the Annotated reach the OpenAPI document for the optional (PATCH) field too.
CapacityValue = Annotated[int, Field(ge=0, le=services.MAX_CAPACITY), BeforeValidator(whole_number)]
AMENITIES_HELP = (
    f"Short labels, at most {engine.MAX_AMENITIES} of {engine.MAX_AMENITY_LENGTH} characters each"
)


class OfficeOut(Schema):
    id: int
    name: str
    city: str
    country: str = Field(..., description="ISO 3166-1 alpha-2")
    latitude: float = Field(..., description="The city's centre (from the offline geocoder)")
    longitude: float
    timezone: str = Field(..., description="IANA name")
    capacity: int = Field(..., description="Desks or seats; 0 = not set")
    address: str
    amenities: list[str]
    photo_url: str | None = Field(..., description="The photo (any signed-in user); null if none")
    updated_at: dt.datetime | None


class OfficeIn(Schema):
    name: str = Field(..., min_length=1, max_length=services.MAX_NAME)
    city: str = Field(..., min_length=1, max_length=200)
    country: str = Field(
        ..., min_length=1, max_length=100, description="A name or an ISO code, e.g. PT"
    )
    capacity: CapacityValue = Field(..., description="Desks or seats; 0 = not set")
    address: str = Field("", max_length=services.MAX_ADDRESS)
    amenities: list[str] = Field(
        [], max_length=engine.MAX_AMENITIES * 4, description=AMENITIES_HELP
    )
    timezone: str = Field("", max_length=64, description="Empty: the city's own zone")
    region: str = Field(
        "",
        max_length=services.MAX_REGION,
        description="Only to choose between same-named cities of a country (e.g. OR)",
    )


class OfficePatchIn(Schema):
    """The fields to change; those left out keep their value."""

    name: str | None = Field(None, min_length=1, max_length=services.MAX_NAME)
    city: str | None = Field(None, min_length=1, max_length=200)
    country: str | None = Field(None, min_length=1, max_length=100)
    capacity: CapacityValue | None = None
    address: str | None = Field(None, max_length=services.MAX_ADDRESS)
    amenities: list[str] | None = Field(None, max_length=engine.MAX_AMENITIES * 4)
    timezone: str | None = Field(None, max_length=64)
    region: str | None = Field(None, max_length=services.MAX_REGION)


def _out(office: Office) -> dict[str, Any]:
    has_photo = getattr(office, "has_photo", bool(office.photo_type))
    return {
        "id": office.pk,
        "name": office.name,
        "city": office.city,
        "country": office.country,
        "latitude": round(office.latitude, 5),
        "longitude": round(office.longitude, 5),
        "timezone": office.timezone,
        "capacity": office.capacity,
        "address": office.address,
        "amenities": list(office.amenities or []),
        "photo_url": reverse("places:office_photo", args=[office.pk]) if has_photo else None,
        "updated_at": office.updated_at,
    }


def _detail(exc: ValidationError) -> str:
    """One sentence naming each bad field: "city: No city called 'Lisbn' is known in PT…"."""
    if not hasattr(exc, "error_dict"):
        return " ".join(exc.messages)
    return " ".join(
        f"{name}: {message}" for name, messages in exc.message_dict.items() for message in messages
    )


def _hr(request: HttpRequest) -> None:
    """Permission first, whatever the body says."""
    try:
        require(selectors.can_manage_offices(_viewer(request)), _(selectors.ONLY_HR))
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from exc


def _office(request: HttpRequest, office_id: int) -> Office:
    office = selectors.office_for_viewer(_viewer(request), office_id)
    if office is None:
        raise HttpError(404, _("There is no such office."))
    return office


def _input(payload: OfficeIn | OfficePatchIn, office: Office | None = None) -> services.OfficeInput:
    given = payload.dict(exclude_unset=office is not None)
    given = {name: value for name, value in given.items() if value is not None}
    base: dict[str, Any] = {}
    if office is not None:
        base = {
            "name": office.name,
            "city": office.city,
            "country": office.country,
            "capacity": office.capacity,
            "address": office.address,
            "amenities": list(office.amenities or []),
            "timezone": office.timezone,
        }
        if {"city", "country", "region"} & given.keys() and "timezone" not in given:
            base["timezone"] = ""  # a new city brings its own zone
    merged = {**base, **given}
    merged["amenities"] = tuple(merged.get("amenities") or ())
    return services.OfficeInput(**merged)


@router.get("", response={200: list[OfficeOut], **ERRORS}, summary="Every office, by name")
def list_offices(request: HttpRequest) -> list[dict[str, Any]]:
    return [_out(office) for office in selectors.offices_for_viewer(_viewer(request))]


@router.get("/{office_id}", response={200: OfficeOut, **ERRORS}, summary="An office")
def get_office(request: HttpRequest, office_id: WholeNumber) -> dict[str, Any]:
    return _out(_office(request, office_id))


@router.post("", response={201: OfficeOut, **BODY_ERRORS}, summary="Add an office (HR)")
def create_office(request: HttpRequest, payload: OfficeIn) -> Status:
    _hr(request)
    try:
        office = services.office_create(viewer=_viewer(request), data=_input(payload))
    except ValidationError as exc:
        raise HttpError(400, _detail(exc)) from exc
    return Status(201, _out(_office(request, office.pk)))


def _update(request: HttpRequest, office_id: int, payload: OfficeIn | OfficePatchIn) -> Status:
    _hr(request)
    office = _office(request, office_id)
    data = _input(payload, office if isinstance(payload, OfficePatchIn) else None)
    try:
        services.office_update(viewer=_viewer(request), office_id=office.pk, data=data)
    except ValidationError as exc:
        raise HttpError(400, _detail(exc)) from exc
    return Status(200, _out(_office(request, office.pk)))


@router.put(
    "/{office_id}", response={200: OfficeOut, **BODY_ERRORS}, summary="Change an office (HR)"
)
def put_office(request: HttpRequest, office_id: WholeNumber, payload: OfficeIn) -> Status:
    return _update(request, office_id, payload)


@router.patch(
    "/{office_id}",
    response={200: OfficeOut, **BODY_ERRORS},
    summary="Change some fields of an office (HR)",
)
def patch_office(request: HttpRequest, office_id: WholeNumber, payload: OfficePatchIn) -> Status:
    return _update(request, office_id, payload)


@router.delete(
    "/{office_id}",
    response={204: None, **ERRORS},
    summary="Remove an office (HR); its events keep their city",
)
def delete_office(request: HttpRequest, office_id: WholeNumber) -> Status:
    _hr(request)
    office = _office(request, office_id)
    services.office_delete(viewer=_viewer(request), office_id=office.pk)
    return Status(204, None)
