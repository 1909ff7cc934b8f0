"""Focus group pages: inviting one from a published results cell (HR), the group's own page
(HR: counts; the facilitator and those invited: who is going) and recording themes."""

from __future__ import annotations

import re

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kith.core.http import viewer_of as _viewer
from kith.core.permissions import can_invite_focus_group, require
from kith.pulse import focus, selectors
from kith.pulse.focus_forms import FocusGroupForm, ThemeForm
from kith.pulse.views import _add_errors, _int, _wave


def _cell_from(request: HttpRequest) -> tuple[int, int, int]:
    source = request.POST if request.method == "POST" else request.GET
    raw_unit = str(source.get("unit", "0"))
    unit = int(raw_unit) if re.fullmatch(r"[0-9]{1,6}", raw_unit) else -1
    chosen = re.fullmatch(r"([0-9]{1,3}):([0-9]{1,4})", str(source.get("filter", "")))
    attr, value = (int(chosen.group(1)), int(chosen.group(2))) if chosen else (-1, -1)
    return unit, attr, value


@require_http_methods(["GET", "POST"])
def focus_new(request: HttpRequest, wave_id: int) -> HttpResponse:
    """HR: invite a random sample of one published group."""
    viewer = _viewer(request)
    require(can_invite_focus_group(viewer), _("Only HR admins invite focus groups."))
    wave = _wave(wave_id)
    unit, attr, value = _cell_from(request)
    choice = focus.draw_choice_for_viewer(viewer, wave, unit, attr, value)
    if choice is None:
        raise Http404(_("Focus groups start from a published group of a closed survey."))
    form = FocusGroupForm(
        request.POST or None,
        items=choice.items,
        smallest=choice.limits.smallest,
        largest=choice.limits.largest,
        initial={"item": request.GET.get("item", "")},
    )
    if request.method == "POST" and choice.limits.possible and form.is_valid():
        try:
            group = focus.focus_group_create(
                viewer=viewer, wave=wave, data=form.to_input(unit=unit, attr=attr, value=value)
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            flash.success(
                request,
                f"Kith drew {group.size} people at random and sent them the invitation.",
            )
            return redirect("pulse:focus_group", group.pk)
    context = {
        "wave": wave,
        "choice": choice,
        "form": form,
        "unit": unit,
        "filter": f"{attr}:{value}" if attr >= 0 else "",
        "nav": "pulse",
    }
    return render(request, "pulse/focus_new.html", context)


def focus_group(request: HttpRequest, group_id: int) -> HttpResponse:
    page = focus.focus_group_for_viewer(_viewer(request), group_id)
    if page is None:
        raise Http404(_("No such focus group"))
    return render(request, "pulse/focus_group.html", _page_context(page, _theme_form(page)))


def _theme_form(page: focus.FocusPage, data: object = None) -> ThemeForm:
    statuses = {"planned": "planned", "held": "held", "done": "done"}
    actions = [
        (str(a.pk), f"{a.owner.display_name} · {a.item} · {statuses.get(a.status, a.status)}")
        for a in page.actions
    ]
    return ThemeForm(
        data,
        items=page.items,
        actions=actions,
        initial={"item": page.group.item},
    )


def _page_context(page: focus.FocusPage, form: ThemeForm) -> dict[str, object]:
    return {"page": page, "group": page.group, "form": form, "nav": "pulse"}


@require_POST
def focus_theme(request: HttpRequest, group_id: int) -> HttpResponse:
    viewer = _viewer(request)
    page = focus.focus_group_for_viewer(viewer, group_id)
    if page is None:
        raise Http404(_("No such focus group"))
    form = _theme_form(page, request.POST)
    if form.is_valid():
        try:
            focus.focus_theme_record(
                viewer=viewer,
                group=page.group,
                text=form.cleaned_data["text"],
                item=form.cleaned_data["item"],
                action_id=form.action_id(),
                new_action=form.new_action(),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            flash.success(request, _("Theme recorded."))
            return redirect("pulse:focus_group", page.group.pk)
    return render(request, "pulse/focus_group.html", _page_context(page, form))


def focus_list(request: HttpRequest, wave_id: int) -> HttpResponse:
    viewer = _viewer(request)
    wave = _wave(wave_id)
    rows = focus.focus_groups_of_wave_for_viewer(viewer, wave)
    if not rows and not can_invite_focus_group(viewer):
        raise Http404(_("No focus groups for you on this survey"))
    context = {"wave": wave, "rows": rows, "is_hr": viewer.is_hr, "nav": "pulse"}
    return render(request, "pulse/focus_list.html", context)


def focus_themes(request: HttpRequest, wave_id: int) -> HttpResponse:
    """What focus groups said, beside a wave's results and its trend (for the unit `unit`, as
    on the results page). The results page loads it after itself (htmx), so its own query
    count stays as it was; without JavaScript, a link opens it as a page."""
    viewer = _viewer(request)
    wave = _wave(wave_id)
    if selectors.scope_for_viewer(viewer, wave) is None:
        raise Http404(_("No results to show yet"))
    parent = _int(request, "unit", -1)
    trend_unit = wave.units[parent][0] if 0 < parent < len(wave.units) else None
    points = selectors.trend_for_viewer(viewer, wave.campaign, trend_unit)
    here, trend = focus.themes_for_results(viewer, wave, [p["wave"] for p in points], trend_unit)
    context = {"wave": wave, "focus_here": here, "focus_trend": trend, "nav": "pulse"}
    partial = bool(getattr(request, "htmx", False))
    template = "pulse/_focus_themes.html" if partial else "pulse/focus_themes.html"
    return render(request, template, context)
