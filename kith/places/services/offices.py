"""Every write to offices: HR's pages, the API and `kith import_offices` all come here.

The city comes from the directory's offline geocoder (the person types a city and a country,
Kith finds the coordinates and the time zone); an unknown city is an error naming close
matches, never a guess. Every write is one transaction with an audit row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from kith.core import audit
from kith.core.permissions import Viewer, require
from kith.directory.engine.geocoding import AmbiguousCityError, Geocoder, GeocodingError, Place
from kith.directory.importing.validate import parse_timezone
from kith.directory.models import Office
from kith.places.engine import offices as engine
from kith.places.selectors.offices import ONLY_HR, can_manage_offices

MAX_NAME = 200
MAX_ADDRESS = 300
MAX_REGION = 100
MAX_CAPACITY = 1_000_000
BLANK = " \t\n\r\x0b\x0c"
# The fields an update compares to say what changed (for the audit row and the import).
COMPARED = (
    "name",
    "city",
    "country",
    "latitude",
    "longitude",
    "timezone",
    "capacity",
    "address",
    "amenities",
)


@dataclass(frozen=True)
class OfficeInput:
    name: str
    city: str
    country: str
    capacity: int
    address: str = ""
    amenities: tuple[str, ...] = ()
    timezone: str = ""  # empty: the city's own zone
    region: str = ""  # only to choose between same-named cities (Portland, OR or ME)


@dataclass(frozen=True)
class PhotoChange:
    """Leave the photo (the default), replace it with `content`, or remove it."""

    content: bytes | None = None
    remove: bool = False


def geocoder() -> Geocoder:
    return Geocoder(settings.KITH_GEOCODER_MIN_POPULATION)


def _text(value: object) -> str:
    return " ".join(str(value or "").replace("\x00", "").split())


class _Errors:
    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, []).append(message)

    def raise_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def office_fields(
    data: OfficeInput,
    *,
    current: Office | None = None,
    places: Geocoder | None = None,
) -> dict[str, Any]:
    """The model fields of valid input; ValidationError naming every bad field otherwise.
    Used by the pages, the API and the import alike, so their rules never drift apart."""
    errors = _Errors()
    name = _text(data.name)
    if not name:
        errors.add("name", _("Give the office a name."))
    elif len(name) > MAX_NAME:
        errors.add(
            "name",
            _("Keep the name to %(limit)d characters (this is %(n)d).")
            % {"limit": MAX_NAME, "n": len(name)},
        )
    address = _text(data.address)
    if len(address) > MAX_ADDRESS:
        errors.add(
            "address",
            _("Keep the address line to %(limit)d characters.") % {"limit": MAX_ADDRESS},
        )
    capacity = data.capacity
    if isinstance(capacity, bool) or not isinstance(capacity, int):
        errors.add("capacity", _("Capacity is a whole number of desks or seats (0 = not set)."))
    elif not 0 <= capacity <= MAX_CAPACITY:
        errors.add(
            "capacity",
            _("Capacity is a whole number from 0 to %(limit)s.")
            % {"limit": number_format(MAX_CAPACITY, force_grouping=True)},
        )
    amenities = engine.clean_amenities(tuple(data.amenities))
    for problem in engine.amenity_problems(amenities):
        errors.add("amenities", problem[0].upper() + problem[1:] + ".")
    zone = ""
    if _text(data.timezone):
        try:
            zone = parse_timezone(_text(data.timezone))
        except ValueError:
            errors.add("timezone", _("Unknown time zone: use an IANA name such as Europe/Lisbon."))
    where = _where(data, current, places or geocoder(), errors)
    errors.raise_any()
    assert where is not None
    return {
        "name": name,
        "address": address,
        "capacity": capacity,
        "amenities": amenities,
        **where,
        "timezone": zone or where["timezone"],
    }


def _where(
    data: OfficeInput, current: Office | None, places: Geocoder, errors: _Errors
) -> dict[str, Any] | None:
    city, country, region = _text(data.city), _text(data.country), _text(data.region)
    if not city:
        errors.add("city", _("Say which city the office is in."))
    if not country:
        errors.add("country", _("Say which country the city is in (a name or a code such as PT)."))
    if len(region) > MAX_REGION:
        errors.add("region", _("Keep the region to %(limit)d characters.") % {"limit": MAX_REGION})
    if not city or not country or len(region) > MAX_REGION:
        return None
    try:
        code = places.country_code(country)
    except GeocodingError as exc:
        errors.add("country", _sentence(str(exc)))
        return None
    try:
        place = places.resolve(city, code, region)
    except GeocodingError as exc:
        if _unchanged(current, city, code, region):
            return _kept(current)  # an office made before the geocoder knew it keeps its place
        errors.add("city", _city_message(exc, city, code))
        return None
    return _placed(place)


def _unchanged(current: Office | None, city: str, code: str, region: str) -> bool:
    return (
        current is not None
        and not region
        and current.city.casefold() == city.casefold()
        and current.country == code
    )


def _kept(current: Office | None) -> dict[str, Any]:
    assert current is not None
    fields = ("city", "country", "latitude", "longitude", "timezone")
    return {name: getattr(current, name) for name in fields}


def _placed(place: Place) -> dict[str, Any]:
    return {
        "city": place.city,
        "country": place.country,
        "latitude": place.latitude,
        "longitude": place.longitude,
        "timezone": place.timezone,
    }


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "."


def _city_message(exc: GeocodingError, city: str, code: str) -> str:
    message = _sentence(str(exc))
    if isinstance(exc, AmbiguousCityError):
        return _("%(problem)s (fill in the region).") % {"problem": message.rstrip(".")}
    close = engine.close_cities(city, code, min_population=settings.KITH_GEOCODER_MIN_POPULATION)
    if close:
        return _("%(problem)s Did you mean %(cities)s?") % {
            "problem": message,
            "cities": _(" or ").join(close),
        }
    return _("%(problem)s Check the spelling, or use the nearest larger town.") % {
        "problem": message
    }


def photo_checked(content: bytes) -> str:
    """The photo's content type; ValidationError on "photo" when it is too big or no image."""
    if len(content) > engine.MAX_PHOTO_BYTES:
        size = len(content) / (1024 * 1024)
        raise ValidationError(
            {
                "photo": _("The photo is %(size).1f MB; the most is 2 MB. Use a smaller one.")
                % {"size": size}
            }
        )
    kind = engine.photo_type(content)
    if not kind:
        raise ValidationError({"photo": _("The photo must be a PNG, JPEG or WebP image.")})
    return kind


def _name_taken(name: str, *, except_id: int | None = None) -> None:
    taken = Office.objects.filter(name__iexact=name)
    if except_id is not None:
        taken = taken.exclude(pk=except_id)
    other = taken.values_list("name", flat=True).first()
    if other is not None:
        raise ValidationError(
            {
                "name": _("There is already an office called “%(name)s”: choose another name.")
                % {"name": other}
            }
        )


def _apply_photo(office: Office, photo: PhotoChange) -> list[str]:
    if photo.content is not None:
        office.photo_type = photo_checked(photo.content)
        office.photo = photo.content
        return ["photo"]
    if photo.remove and office.photo_type:
        office.photo, office.photo_type = None, ""
        return ["photo"]
    return []


def office_create(*, viewer: Viewer, data: OfficeInput, photo: PhotoChange | None = None) -> Office:
    require(can_manage_offices(viewer), _(ONLY_HR))
    fields = office_fields(data)
    photo = photo or PhotoChange()
    if photo.content is not None:
        photo_checked(photo.content)
    try:
        with transaction.atomic():
            _name_taken(fields["name"])
            office = Office(**fields)
            _apply_photo(office, photo)
            office.save()
            _record(viewer, "places.office_created", office, changed=["created"])
    except IntegrityError:  # the same name saved at the same moment elsewhere
        _name_taken(fields["name"])
        raise
    return office


def _changed(office: Office, fields: dict[str, Any]) -> list[str]:
    return [name for name in COMPARED if getattr(office, name) != fields[name]]


def office_update(
    *,
    viewer: Viewer,
    office_id: int,
    data: OfficeInput,
    photo: PhotoChange | None = None,
) -> Office:
    require(can_manage_offices(viewer), _(ONLY_HR))
    photo = photo or PhotoChange()
    if photo.content is not None:
        photo_checked(photo.content)
    with transaction.atomic():
        office = _locked(office_id)
        fields = office_fields(data, current=office)
        _name_taken(fields["name"], except_id=office.pk)
        changed = _changed(office, fields)
        for name, value in fields.items():
            setattr(office, name, value)
        changed += _apply_photo(office, photo)
        office.save()
        _record(viewer, "places.office_updated", office, changed=changed)
    return office


def _locked(office_id: int) -> Office:
    office = Office.objects.select_for_update().filter(pk=office_id).first()
    if office is None:
        raise ValidationError({"office": _("There is no such office (anymore).")})
    return office


def office_delete(*, viewer: Viewer, office_id: int) -> str:
    """Deletes the office; events that named it keep their city and lose only the office
    (events.Event.office is SET_NULL). Returns the office's name."""
    require(can_manage_offices(viewer), _(ONLY_HR))
    with transaction.atomic():
        office = _locked(office_id)
        events = office.events.count()
        name = office.name
        _record(viewer, "places.office_deleted", office, events=events)
        office.delete()
    return name


def _record(viewer: Viewer, action: str, office: Office, **detail: Any) -> None:
    audit.record(
        actor=viewer.user,
        action=action,
        target=f"office:{office.pk}",
        name=office.name,
        city=office.city,
        country=office.country,
        **detail,
    )


# --- The CSV import (kith import_offices) ----------------------------------------------------


@dataclass
class ImportOutcome:
    """What `offices_import` found: problems (nothing written), or the names per change."""

    filename: str
    problems: list[Any] = field(default_factory=list)  # importing.offices.Problem
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def offices_import(
    *, content: bytes, filename: str, dry_run: bool = False, actor: Any = None
) -> ImportOutcome:
    """Checks the whole file first; writes nothing when any row has a problem. An office
    whose name is already in Kith (ignoring case) is updated, any other is created."""
    from kith.places.importing import offices as importing

    outcome = ImportOutcome(filename=filename)
    rows = importing.read(content, places=geocoder())
    outcome.problems = rows.problems
    if rows.problems:
        return outcome
    with transaction.atomic():
        existing = {o.name.casefold(): o for o in Office.objects.select_for_update()}
        for row in rows.offices:
            office = existing.get(row.fields["name"].casefold())
            if office is None:
                outcome.created.append(row.fields["name"])
                if not dry_run:
                    Office.objects.create(**row.fields)
            elif _changed(office, row.fields):
                outcome.updated.append(row.fields["name"])
                if not dry_run:
                    for name, value in row.fields.items():
                        setattr(office, name, value)
                    office.save()
            else:
                outcome.unchanged.append(row.fields["name"])
        if not dry_run:
            audit.record(
                actor=actor,
                action="places.offices_imported",
                target=filename,
                created=len(outcome.created),
                updated=len(outcome.updated),
                unchanged=len(outcome.unchanged),
            )
    outcome.applied = not dry_run
    return outcome
