from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import etag, require_GET, require_POST

from kith.bandmap import outlines as country_outlines
from kith.bandmap import selectors, services
from kith.bandmap.forms import NearForm
from kith.bandmap.tiles import DEFAULT_ATTRIBUTION, DEFAULT_TILES_URL
from kith.core.http import viewer_of as _viewer
from kith.core.permissions import can_set_map_preference, can_view_map, require


def home(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    require(can_view_map(viewer), _("The Band Map is for colleagues in the directory."))
    form = NearForm(request.GET or None)
    query = form.near_query() if form.is_valid() else selectors.NearQuery()
    near = None
    if not form.is_bound or form.is_valid():
        near = selectors.near_me_for_viewer(viewer, query, request.GET.get("page", 1))
    city_map = selectors.cities_for_viewer(viewer)
    hubs = selectors.hubs_for_viewer(viewer)
    offices = selectors.offices_for_map(viewer)
    me = viewer.person if can_set_map_preference(viewer) else None
    dead_end = near is not None and near.dead_end
    context = {
        "city_map": city_map,
        "near": near,
        "form": form,
        "hubs": hubs,
        "hub_min_people": selectors.hub_min_people(),
        "hub_office_km": int(selectors.hub_office_km()),
        "me": me,
        "hidden": me is not None and selectors.is_hidden(me),
        "interests": selectors.interest_names(),
        "offices": offices,
        "map_data": map_data(city_map, near, hubs, offices, focus_near=form.is_bound),
        "filters": _filters_query(form),
        "min_count": selectors.MIN_CITY_COUNT,
        "max_radius": selectors.MAX_RADIUS_KM,
        "programs": selectors.virtual_programs_for_viewer(viewer) if dead_end else [],
        "nav": "map",
    }
    return render(request, "bandmap/home.html", context)


def _filters_query(form: NearForm) -> str:
    """The near-me filters again, for the pagination links."""
    if not form.is_bound:
        return ""
    keep = {k: form.data.get(k, "") for k in ("radius", "interest", "team")}
    return urlencode({k: v for k, v in keep.items() if v})


def map_data(
    city_map: selectors.CityMap,
    near: selectors.NearMe | None,
    hubs: list[selectors.Hub] | None,
    offices: list[selectors.OfficeMarker] | None = None,
    *,
    focus_near: bool = False,
) -> dict[str, Any]:
    """What the map's script draws: cities (never people), offices, the near-me circle and
    which cities to highlight. Read by bandmap.js from a JSON script element."""
    return {
        "tiles": {
            # "" when tiles are switched off (KITH_MAP_TILES_URL=off): outlines only.
            "url": getattr(settings, "KITH_MAP_TILES_URL", DEFAULT_TILES_URL),
            "attribution": getattr(settings, "KITH_MAP_ATTRIBUTION", DEFAULT_ATTRIBUTION),
        },
        "outlines": {
            "url": reverse("bandmap:outlines"),
            "attribution": _("Made with Natural Earth"),
        },
        "cities": [
            {
                "key": c.key,
                "name": c.name,
                "country": c.country,
                "lat": round(c.latitude, 5),
                "lon": round(c.longitude, 5),
                "count": c.count,
            }
            for c in city_map.cities
        ],
        "near": _near_data(near, focus_near),
        "hubs": [h.city.key for h in hubs or []],
        "offices_url": reverse("places:offices"),
        "offices": [
            {
                "id": o.id,
                "name": o.name,
                "city": o.city,
                "country": o.country,
                "lat": round(o.latitude, 5),
                "lon": round(o.longitude, 5),
            }
            for o in offices or []
        ],
    }


def _near_data(near: selectors.NearMe | None, focus: bool) -> dict[str, Any] | None:
    """The near-me circle; `focus` zooms the map to it (after a search) rather than to every
    city (on arrival)."""
    if near is None or near.origin is None:
        return None
    return {
        "lat": round(near.origin.latitude, 5),
        "lon": round(near.origin.longitude, 5),
        "radius_km": near.query.radius_km,
        "total": near.total,
        "cities": {c.key: c.count for c in near.cities},
        # Nobody within the radius: the closest cities shown on the map, to bring into view.
        "nearest": [c.key for c in near.nearest],
        "focus": focus,
    }


@require_POST
def preference(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    require(can_set_map_preference(viewer), _("Only colleagues in the directory are on the map."))
    assert viewer.person is not None
    choice = request.POST.get("hidden", "")
    if choice not in ("0", "1"):
        flash.error(request, _("Choose whether to hide yourself from the map or show yourself."))
        return redirect("bandmap:home")
    try:
        services.map_preference_set(person=viewer.person, hidden=choice == "1")
    except ValidationError as exc:
        flash.error(request, " ".join(exc.messages))
        return redirect("bandmap:home")
    if choice == "1":
        flash.success(
            request,
            _(
                "You are hidden from the map: you are in no list or count, and near-me "
                "searches by colleagues do not find you."
            ),
        )
    else:
        flash.success(request, _("You are on the map again, counted in your city."))
    return redirect("bandmap:home")


@require_GET
@cache_control(private=True, max_age=86400)
@etag(lambda request: country_outlines.outlines_etag())
def outlines(request: HttpRequest) -> HttpResponse:
    """Country outlines (GeoJSON) that the map draws when its tiles cannot load or are off.
    Public-domain shapes, the same for everyone; read from an installed package, never
    fetched from elsewhere."""
    require(can_view_map(_viewer(request)), _("The Band Map is for colleagues in the directory."))
    return HttpResponse(country_outlines.outlines_document(), content_type="application/json")
