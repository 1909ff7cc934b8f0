"""HR's 1:1 and check-in coverage: its own page (drill down through the groups) and the
recompute button. The section on HR's 1:1 rules page is the same partial
(touchpoints/coverage/_coverage.html), so both always agree."""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from kith.core.http import error_text
from kith.core.http import viewer_of as _viewer
from kith.touchpoints.selectors.coverage import coverage_for_viewer
from kith.touchpoints.services.coverage import coverage_compute

PARTIAL = "touchpoints/coverage/_coverage.html"


def _unit(raw: str | None) -> int | None:
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None  # a unit that does not parse shows the organisation, like one gone


@require_GET
@vary_on_headers("HX-Request")
def coverage(request: HttpRequest) -> HttpResponse:
    view = coverage_for_viewer(_viewer(request), unit=_unit(request.GET.get("unit")))
    template = PARTIAL if request.htmx else "touchpoints/coverage/page.html"  # type: ignore[attr-defined]
    return render(request, template, {"coverage": view, "nav": "touchpoints"})


@require_POST
@vary_on_headers("HX-Request")
def coverage_recompute(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    try:
        run = coverage_compute(viewer=viewer)
    except ValidationError as exc:
        done = error_text(exc)
        if request.htmx:  # type: ignore[attr-defined]
            context = {"coverage": coverage_for_viewer(viewer), "message": done}
            return render(request, PARTIAL, context)
        flash.error(request, done)
        return redirect(reverse("touchpoints:coverage"))
    done = _(
        "Worked out again: %(published)s groups shown, %(withheld)s withheld to protect "
        "small groups."
    ) % {"published": run.published, "withheld": run.withheld}
    if request.htmx:  # type: ignore[attr-defined]
        context = {"coverage": coverage_for_viewer(viewer), "message": done}
        return render(request, PARTIAL, context)
    flash.success(request, done)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("touchpoints:coverage")
    return redirect(back)


urlpatterns: list[URLPattern] = [
    path("manage/coverage/", coverage, name="coverage"),
    path("manage/coverage/recompute/", coverage_recompute, name="coverage_recompute"),
]
