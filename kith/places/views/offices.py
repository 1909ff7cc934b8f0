"""Offices under /places/offices/: every colleague sees the cards (and photos); HR adds,
changes and removes offices. The same selectors and services as /api/v1/places/offices."""

from __future__ import annotations

import hashlib

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils.cache import patch_cache_control
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kith.core.http import errors_onto
from kith.core.http import viewer_of as _viewer
from kith.core.permissions import require
from kith.directory.models import Office
from kith.places.forms.offices import OfficeForm, initial_for
from kith.places.selectors import offices as selectors
from kith.places.services import offices as services

NAV = "places"
PHOTO_MAX_AGE = 60 * 60  # an hour; a changed photo gets a new ETag and a new URL anyway


@require_GET
def office_list(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    context = {
        "offices": selectors.offices_for_viewer(viewer),
        "can_manage": selectors.can_manage_offices(viewer),
        "nav": NAV,
    }
    return render(request, "places/offices/list.html", context)


@require_http_methods(["GET", "POST"])
def office_new(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    require(selectors.can_manage_offices(viewer), _(selectors.ONLY_HR))
    form = OfficeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            office = services.office_create(
                viewer=viewer, data=form.to_input(), photo=form.photo_change()
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            flash.success(
                request,
                _("%(name)s is added, in %(city)s.") % {"name": office.name, "city": office.city},
            )
            return redirect(f"{_list_url()}#office-{office.pk}")
    return render(request, "places/offices/form.html", {"form": form, "office": None, "nav": NAV})


def _office(request: HttpRequest, office_id: int) -> Office:
    office = selectors.office_for_viewer(_viewer(request), office_id)
    if office is None:
        raise Http404(_("There is no such office."))
    return office


@require_http_methods(["GET", "POST"])
def office_edit(request: HttpRequest, office_id: int) -> HttpResponse:
    viewer = _viewer(request)
    require(selectors.can_manage_offices(viewer), _(selectors.ONLY_HR))
    office = _office(request, office_id)
    form = OfficeForm(request.POST or None, request.FILES or None, initial=initial_for(office))
    if request.method == "POST" and form.is_valid():
        try:
            office = services.office_update(
                viewer=viewer, office_id=office.pk, data=form.to_input(), photo=form.photo_change()
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            flash.success(request, _("%(name)s is saved.") % {"name": office.name})
            return redirect(f"{_list_url()}#office-{office.pk}")
    context = {"form": form, "office": office, "nav": NAV}
    return render(request, "places/offices/form.html", context)


@require_http_methods(["GET", "POST"])
def office_delete(request: HttpRequest, office_id: int) -> HttpResponse:
    viewer = _viewer(request)
    preview = selectors.office_delete_preview_for_viewer(viewer, office_id)
    if preview is None:
        raise Http404(_("There is no such office."))
    if request.method == "POST":
        name = services.office_delete(viewer=viewer, office_id=preview.office.pk)
        flash.success(request, _("%(name)s is removed.") % {"name": name})
        return redirect("places:offices")
    return render(request, "places/offices/delete.html", {"preview": preview, "nav": NAV})


@require_GET
def office_photo(request: HttpRequest, office_id: int) -> HttpResponse:
    """Not secret (every colleague sees the offices), so browsers may keep it a while; the
    ETag changes with the photo."""
    photo = selectors.office_photo_for_viewer(_viewer(request), office_id)
    if photo is None:
        raise Http404(_("This office has no photo."))
    etag = '"' + hashlib.sha256(photo.content).hexdigest()[:32] + '"'
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(photo.content, content_type=photo.content_type)
        response["Content-Length"] = str(len(photo.content))
        response["Content-Disposition"] = "inline"
    response["ETag"] = etag
    if photo.updated_at is not None:
        response["Last-Modified"] = http_date(photo.updated_at.timestamp())
    # Private: the page is behind sign-in, so no shared cache should keep a copy.
    patch_cache_control(response, private=True, max_age=PHOTO_MAX_AGE)
    return response


def _list_url() -> str:
    return reverse("places:offices")


urlpatterns: list[URLPattern | URLResolver] = [
    path("offices/", office_list, name="offices"),
    path("offices/new/", office_new, name="office_new"),
    path("offices/<int:office_id>/edit/", office_edit, name="office_edit"),
    path("offices/<int:office_id>/delete/", office_delete, name="office_delete"),
    path("offices/<int:office_id>/photo", office_photo, name="office_photo"),
]
