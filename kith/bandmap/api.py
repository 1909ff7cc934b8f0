"""bandmap's JSON API: the same selectors and permissions as the pages. Coordinates are
city centres only; a city with fewer than 3 colleagues on the map is never in an answer."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from pydantic import StrictBool

from kith.bandmap import selectors, services
from kith.core.http import viewer_of as _viewer
from kith.core.permissions import Viewer, can_set_map_preference, can_view_hubs, can_view_map
from kith.directory.api import ERRORS as BASE_ERRORS
from kith.directory.api import MAX_PAGE, WholeNumber
from kith.directory.schemas import ErrorOut, ValidationErrorOut

router = Router()
ERRORS: dict[int, Any] = {**BASE_ERRORS, 403: ErrorOut}
NOT_ON_MAP = gettext_lazy("The Band Map is for colleagues in the directory.")


class CityOut(Schema):
    name: str
    country: str = Field(..., description="ISO 3166-1 alpha-2, or empty")
    latitude: float = Field(..., description="The city's centre, never an address")
    longitude: float
    count: int = Field(..., description="Colleagues on the map there; always 3 or more")


class CitiesOut(Schema):
    min_count: int = Field(..., description="Cities with fewer colleagues are left out")
    people_shown: int = Field(..., description="The sum of the counts below")
    cities: list[CityOut]


class NearParams(Schema):
    radius_km: int = Field(
        selectors.DEFAULT_RADIUS_KM, ge=selectors.MIN_RADIUS_KM, le=selectors.MAX_RADIUS_KM
    )
    interest: str = Field("", max_length=80, description="An interest's name, e.g. Jazz")
    team: WholeNumber | None = Field(
        None, description="An org unit id: the unit and all below (an unknown one finds nobody)"
    )
    page: WholeNumber = Field(1, ge=1, le=MAX_PAGE, description="1-based; past the end: last")


class OriginOut(Schema):
    city: str
    country: str
    latitude: float = Field(..., description="Your city's centre")
    longitude: float


class NearPersonOut(Schema):
    id: int
    name: str
    title: str
    team: str
    city: str
    country: str
    distance_km: float = Field(..., description="Between the two cities' centres")


class NearCityOut(Schema):
    name: str
    country: str
    count: int | None = Field(..., description="Matches there; null when fewer than 3")
    distance_km: float


class NearestCityOut(Schema):
    name: str
    country: str
    count: int = Field(..., description="Colleagues on the map there, as /map/cities says")
    distance_km: float = Field(..., description="From your city's centre")


class NearOut(Schema):
    problem: str = Field(..., description='"", "no_person" or "no_city" (see message)')
    message: str
    origin: OriginOut | None
    radius_km: int
    interest: str
    team: int | None
    count: int = Field(..., description="Colleagues within the radius, over all pages")
    page: int
    pages: int
    people: list[NearPersonOut]
    cities: list[NearCityOut]
    nearest: list[NearestCityOut] = Field(
        ...,
        description="When nobody is within the radius and no filter is set: the closest "
        "cities beyond it that the map shows (3 or more colleagues), nearest first; else empty",
    )
    wider: bool = Field(
        ...,
        description="Nobody within the radius, but someone within the largest radius (500 km)",
    )


class HubOut(Schema):
    name: str
    country: str
    latitude: float
    longitude: float
    count: int
    nearest_office: str = Field(..., description="Empty when there are no offices at all")
    nearest_office_km: float | None


class HubsOut(Schema):
    min_people: int
    office_km: float
    hubs: list[HubOut]


class PreferenceOut(Schema):
    hidden: bool = Field(..., description="Hidden people are in no list or count of the map")


class PreferenceIn(Schema):
    hidden: StrictBool


def _map_viewer(request: HttpRequest) -> Viewer:
    viewer = _viewer(request)
    if not can_view_map(viewer):
        raise HttpError(403, str(NOT_ON_MAP))
    return viewer


@router.get("/cities", response={200: CitiesOut, **ERRORS}, summary="Colleagues per city")
def cities(request: HttpRequest) -> dict[str, Any]:
    city_map = selectors.cities_for_viewer(_map_viewer(request))
    return {
        "min_count": selectors.MIN_CITY_COUNT,
        "people_shown": city_map.people_shown,
        "cities": [
            {
                "name": c.name,
                "country": c.country,
                "latitude": round(c.latitude, 5),
                "longitude": round(c.longitude, 5),
                "count": c.count,
            }
            for c in city_map.cities
        ],
    }


PROBLEMS = {
    "": "",
    selectors.NO_PERSON: gettext_lazy(
        "Your login has no directory entry, so there is no city to search from."
    ),
    selectors.NO_CITY: gettext_lazy(
        "Kith does not know your city yet: HR's records give it. Ask your People team to add "
        "it (the city only, never an address)."
    ),
}


@router.get(
    "/near",
    response={200: NearOut, 422: ValidationErrorOut, **ERRORS},
    summary="Colleagues near my city",
)
def near_me(request: HttpRequest, params: Query[NearParams]) -> dict[str, Any]:
    viewer = _map_viewer(request)
    query = selectors.NearQuery.build(
        radius_km=params.radius_km, interest=params.interest, team=params.team
    )
    near = selectors.near_me_for_viewer(viewer, query, params.page)
    page = near.page
    origin = near.origin
    return {
        "problem": near.problem,
        "message": str(PROBLEMS[near.problem]),
        "origin": None
        if origin is None
        else {
            "city": origin.name,
            "country": origin.country,
            "latitude": round(origin.latitude, 5),
            "longitude": round(origin.longitude, 5),
        },
        "radius_km": query.radius_km,
        "interest": query.interest,
        "team": query.team,
        "count": near.total,
        "page": page.number if page else 1,
        "pages": page.paginator.num_pages if page else 0,
        "people": [_near_person(n) for n in (page.object_list if page else [])],
        "cities": [
            {
                "name": c.name,
                "country": c.country,
                "count": c.count,
                "distance_km": round(c.distance_km, 1),
            }
            for c in near.cities
        ],
        "nearest": [
            {
                "name": c.name,
                "country": c.country,
                "count": c.count,
                "distance_km": round(c.distance_km, 1),
            }
            for c in near.nearest
        ],
        "wider": near.wider,
    }


def _near_person(n: selectors.Nearby) -> dict[str, Any]:
    p = n.person
    return {
        "id": p.pk,
        "name": p.display_name,
        "title": p.title,
        "team": p.org_unit.name if p.org_unit else "",
        "city": p.city,
        "country": p.country,
        "distance_km": round(n.distance_km, 1),
    }


@router.get(
    "/hubs",
    response={200: HubsOut, **ERRORS},
    summary="Cities with many colleagues and no office nearby (HR, ambassadors)",
)
def hubs(request: HttpRequest) -> dict[str, Any]:
    viewer = _viewer(request)
    found = selectors.hubs_for_viewer(viewer)
    if found is None or not can_view_hubs(viewer):
        raise HttpError(403, _("Hubs are for HR admins and community ambassadors."))
    return {
        "min_people": selectors.hub_min_people(),
        "office_km": selectors.hub_office_km(),
        "hubs": [
            {
                "name": h.city.name,
                "country": h.city.country,
                "latitude": round(h.city.latitude, 5),
                "longitude": round(h.city.longitude, 5),
                "count": h.city.count,
                "nearest_office": h.nearest_office,
                "nearest_office_km": None
                if h.nearest_office_km is None
                else round(h.nearest_office_km, 1),
            }
            for h in found
        ],
    }


def _me(request: HttpRequest) -> Any:
    viewer = _viewer(request)
    if not can_set_map_preference(viewer):
        raise HttpError(403, _("Only colleagues in the directory are on the map."))
    return viewer.person


@router.get("/preference", response={200: PreferenceOut, **ERRORS}, summary="Am I on the map?")
def get_preference(request: HttpRequest) -> dict[str, bool]:
    return {"hidden": selectors.is_hidden(_me(request))}


@router.put(
    "/preference",
    response={200: PreferenceOut, 400: ErrorOut, 422: ValidationErrorOut, **ERRORS},
    summary="Hide me from the map, or show me again",
)
def set_preference(request: HttpRequest, payload: PreferenceIn) -> dict[str, bool]:
    # A rule the service refuses is a 400 with its message (config/api.py's handler).
    preference = services.map_preference_set(person=_me(request), hidden=payload.hidden)
    return {"hidden": preference.hidden}
