"""Span of control pages: HR's overview (distribution, trend, thresholds, managers with
notes, CSV), a manager's own span with the managers in their reporting line, and one
manager's span. Thin: the selectors decide who sees what, the services write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kith.core import csvsafe
from kith.core.http import error_text
from kith.core.http import viewer_of as _viewer
from kith.core.permissions import can_manage_touchpoints, require
from kith.directory.models import Person
from kith.touchpoints.models import SpanSnapshot, TouchpointSettings
from kith.touchpoints.selectors import span as selectors
from kith.touchpoints.services import span as services

ONLY_HR = gettext_lazy("Only HR admins manage span-of-control thresholds and notes.")


class ThresholdsForm(forms.Form):
    warn_at = forms.IntegerField(
        label=gettext_lazy("Wide from (direct reports)"),
        min_value=services.WARN_RANGE[0],
        max_value=services.WARN_RANGE[1],
    )
    alert_at = forms.IntegerField(
        label=gettext_lazy("Too wide from (direct reports)"),
        min_value=services.ALERT_RANGE[0],
        max_value=services.ALERT_RANGE[1],
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label="HR's note", required=False, max_length=services.NOTE_MAX, widget=forms.Textarea
    )


COLUMNS = [
    ("name", gettext_lazy("Manager"), False),
    ("direct", gettext_lazy("Direct reports"), True),
    ("line", gettext_lazy("Reporting line"), True),
    ("minutes", gettext_lazy("1:1 time a week"), True),
    ("coverage", gettext_lazy("1:1 in the last 90 days"), True),
]


def _params(request: HttpRequest) -> dict[str, str]:
    return {key: request.GET.get(key, "") for key in ("show", "sort", "page")}


def _partial(request: HttpRequest, template: str, name: str) -> str:
    return f"{template}#{name}" if getattr(request, "htmx", False) else template


def overview(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    if not can_manage_touchpoints(viewer):
        return redirect("touchpoints:span_mine")
    params = _params(request)
    view = selectors.span_overview_for_viewer(
        viewer, show=params["show"], sort=params["sort"], page=params["page"] or 1
    )
    context: dict[str, Any] = {
        "nav": "touchpoints",
        "view": view,
        "page": view.page,
        "sort": view.sort,
        "query": f"show={view.show}",
        # A line needs two months; one month is the table alone.
        "span_chart": _span_chart(view.trend, view.rules) if len(view.trend) > 1 else None,
        "flag_chart": _flag_chart(view.trend) if len(view.trend) > 1 else None,
        "with_notes": True,
        "columns": COLUMNS,
        "coverage_help": selectors.coverage_help(),
    }
    template = _partial(request, "touchpoints/span/overview.html", "table")
    return render(request, template, context)


def _month(snapshot: SpanSnapshot) -> str:
    return f"{snapshot.taken_on:%b %Y}"


def _span_chart(trend: list[SpanSnapshot], rules: TouchpointSettings) -> SafeString:
    from kith.insights.charts import Series, line_chart

    top = max([s.mean for s in trend] + [s.median for s in trend] + [rules.span_warn_at])
    return line_chart(
        _("Direct reports per manager, month by month"),
        [_month(s) for s in trend],
        [
            Series(_("Median"), [s.median for s in trend]),
            Series(_("Mean"), [s.mean for s in trend]),
        ],
        float(top),
    )


def _flag_chart(trend: list[SpanSnapshot]) -> SafeString:
    from kith.insights.charts import Series, line_chart

    def share(count: int, total: int) -> float | None:
        return round(100 * count / total, 1) if total else None

    return line_chart(
        _("Managers flagged, share of all managers, month by month"),
        [_month(s) for s in trend],
        [
            Series(_("Wide"), [share(s.flagged_warn, s.managers) for s in trend], " %"),
            Series(_("Too wide"), [share(s.flagged_alert, s.managers) for s in trend], " %"),
        ],
        float(max([share(s.flagged_warn, s.managers) or 0 for s in trend] + [10])),
    )


def mine(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    if viewer.person is None:
        raise Http404(_("Your span of control needs a directory entry."))
    params = _params(request)
    view = selectors.my_span_for_viewer(viewer, sort=params["sort"], page=params["page"] or 1)
    context = {
        "nav": "touchpoints",
        "view": view,
        "detail": view.detail,
        "page": view.page,
        "sort": view.sort,
        "query": "",
        "archetypes": selectors.ARCHETYPES.values(),
        "with_notes": can_manage_touchpoints(viewer),
        "columns": COLUMNS,
        "is_self": True,
        "coverage_help": selectors.coverage_help(),
        "coverage_withheld": selectors.coverage_withheld(),
    }
    return render(request, _partial(request, "touchpoints/span/mine.html", "table"), context)


def detail(request: HttpRequest, person_id: int) -> HttpResponse:
    viewer = _viewer(request)
    found = selectors.span_detail_for_viewer(viewer, person_id)
    if found is None:
        raise Http404(_("No span of control to show for this person."))
    context = {
        "nav": "touchpoints",
        "detail": found,
        "archetypes": selectors.ARCHETYPES.values(),
        "is_self": viewer.person is not None and viewer.person.pk == person_id,
        "coverage_help": selectors.coverage_help(),
        "coverage_withheld": selectors.coverage_withheld(),
    }
    return render(request, "touchpoints/span/detail.html", context)


@require_POST
def note(request: HttpRequest, person_id: int) -> HttpResponse:
    viewer = _viewer(request)
    require(can_manage_touchpoints(viewer), str(ONLY_HR))
    manager = Person.objects.filter(pk=person_id).first() if 0 < person_id < 2**63 else None
    if manager is None:
        raise Http404(_("No such person."))
    form = NoteForm(request.POST)
    if not form.is_valid():
        flash.error(
            request, _("The note is too long: keep it to %d characters.") % services.NOTE_MAX
        )
        return redirect("touchpoints:span_detail", person_id)
    try:
        saved = services.span_note_save(
            viewer=viewer, manager=manager, text=form.cleaned_data["text"]
        )
    except ValidationError as exc:
        flash.error(request, error_text(exc))
        return redirect("touchpoints:span_detail", person_id)
    flash.success(request, _("Note saved.") if saved else _("Note removed."))
    return redirect("touchpoints:span_detail", person_id)


def settings_page(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    require(can_manage_touchpoints(viewer), str(ONLY_HR))
    rules = TouchpointSettings.current()
    form = ThresholdsForm(
        request.POST or None,
        initial={"warn_at": rules.span_warn_at, "alert_at": rules.span_alert_at},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.span_thresholds_set(viewer=viewer, **form.cleaned_data)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            flash.success(request, _("Thresholds saved: every span is flagged by them now."))
            return redirect("touchpoints:span_overview")
    context = {
        "nav": "touchpoints",
        "form": form,
        "rules": rules,
        "archetypes": selectors.ARCHETYPES.values(),
    }
    return render(request, "touchpoints/span/settings.html", context)


def export(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    flagged_only = request.GET.get("flagged") in ("1", "true", "on")
    rows = selectors.span_export_for_viewer(viewer, flagged_only=flagged_only)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = "kith-span-of-control-flagged.csv" if flagged_only else "kith-span-of-control.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    out = csvsafe.writer(response)
    out.writerow(selectors.REPORT_HEADER)
    out.writerows(rows)
    return response


urlpatterns: list[URLPattern] = [
    path("span/", overview, name="span_overview"),
    path("span/mine/", mine, name="span_mine"),
    path("span/managers/<int:person_id>/", detail, name="span_detail"),
    path("span/managers/<int:person_id>/note/", note, name="span_note"),
    path("span/settings/", settings_page, name="span_settings"),
    path("span/export.csv", export, name="span_export"),
]
