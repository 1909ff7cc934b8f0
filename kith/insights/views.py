"""Insights pages: relational health (HR, managers), my insights (everyone, about
themselves only), the notice, and HR's switch, imports, targets and export."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from kith.core import csvsafe
from kith.core.db import read_replica
from kith.core.http import error_text
from kith.core.http import viewer_of as _viewer
from kith.core.permissions import can_manage_insights, can_view_relational_health, require
from kith.directory.models import Person
from kith.insights import charts, selectors, services
from kith.insights.forms import TargetForm, UploadForm
from kith.insights.metrics import METRICS, display
from kith.insights.models import ImportRun

ONLY_HR = gettext_lazy("Only HR admins manage collaboration analytics.")
INLINE_APPLY_MAX_ROWS = 20_000


def _week(request: HttpRequest) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        return None


def _unit(request: HttpRequest) -> int | None:
    raw = request.GET.get("unit", "")
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


def _person(viewer: Any) -> Person:
    require(viewer.person is not None, _("You need a directory entry."))
    person: Person = viewer.person
    return person


def health(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    if not can_view_relational_health(viewer):
        return redirect("insights:me")
    enabled = selectors.is_enabled()
    view: selectors.HealthView | None = None
    if enabled:
        with read_replica():  # published figures: a replica's copy is as good (kith/core/db.py)
            view = selectors.health_for_viewer(viewer, week=_week(request), unit=_unit(request))
    context: dict[str, Any] = {
        "nav": "insights",
        "enabled": enabled,
        "view": view,
        "can_manage": can_manage_insights(viewer),
        "chart": charts.trend_chart(view.trend) if view and view.trend else None,
        "table": _table(view) if view else [],
        "trend_rows": _trend_rows(view) if view else [],
    }
    return render(request, "insights/health.html", context)


def _table(view: selectors.HealthView) -> list[tuple[Any, list[tuple[str, bool]], list[str]]]:
    out = []
    for row in view.rows:
        values = [(display(c, row.values.get(c.key)), c.key in row.off) for c in view.columns]
        pulse = [_score(row.pulse.get(key), key) for key, _ in view.pulse_columns]
        out.append((row, values, pulse))
    return out


def _score(value: float | None, key: str = "") -> str:
    if value is None:
        return "–"
    if key == "connection":
        return f"{value:.0f} %"  # a share agreeing, as Pulse publishes it
    return f"{value:.1f}" if key == "cbi_work" else f"{value:.2f}"


def _trend_rows(view: selectors.HealthView) -> list[tuple[dt.date, list[str]]]:
    keys = [
        METRICS[k]
        for k in ("connection_index", "isolated_share", "cross_team_share", "after_hours_share")
    ]
    return [(p["week"], [display(m, p["values"].get(m.key)) for m in keys]) for p in view.trend]


def me(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    if viewer.person is None:
        raise Http404(_("Your insights need a directory entry."))
    view = selectors.my_insights_for_viewer(viewer)
    context = {
        "nav": "insights",
        "view": view,
        "chart": charts.my_chart(view.trend) if view.trend else None,
        "can_view_health": can_view_relational_health(viewer),
    }
    return render(request, "insights/me.html", context)


@require_POST
def opt_out(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    require(viewer.person is not None, _("You need a directory entry."))
    services.opt_out(person=_person(viewer))
    flash.success(
        request, _("Done: your interaction data is deleted and Kith leaves you out from now on.")
    )
    return redirect("insights:me")


@require_POST
def opt_in(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    require(viewer.person is not None, _("You need a directory entry."))
    services.opt_in(person=_person(viewer))
    flash.success(
        request, _("You are back in: interactions from the next import on count for you.")
    )
    return redirect("insights:me")


def notice(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    if request.method == "POST" and viewer.person is not None:
        services.notice_seen(person=viewer.person)
        target = request.POST.get("next", "")
        safe = url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
        return redirect(target if safe and target else "insights:me")
    return render(
        request, "insights/notice.html", {"nav": "insights", "enabled": selectors.is_enabled()}
    )


def manage(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    context = {
        "nav": "insights",
        "settings": selectors.settings_for_viewer(viewer),
        "runs": selectors.import_runs_for_viewer(viewer),
        "form": UploadForm(),
        "target_form": TargetForm(),
        "targets": selectors.targets_for_viewer(viewer),
        "latest_week": services.latest_data_week(),
    }
    return render(request, "insights/manage.html", context)


@require_POST
def switch(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    require(can_manage_insights(viewer), str(ONLY_HR))
    enabled = request.POST.get("enabled") == "on"
    services.insights_enable(actor=request.user, enabled=enabled)
    flash.success(
        request,
        _("Collaboration analytics is on. Everyone sees the notice on their next visit.")
        if enabled
        else _("Collaboration analytics is off: nothing is imported or computed until it is on."),
    )
    return redirect("insights:manage")


@require_POST
def compute(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    require(can_manage_insights(viewer), str(ONLY_HR))
    week = services.latest_data_week()
    if week is None:
        flash.error(request, _("There is no interaction data yet: import some first."))
        return redirect("insights:manage")
    try:
        results = services.compute_all_new(actor=request.user)
    except ValidationError as exc:
        flash.error(request, error_text(exc))
        return redirect("insights:manage")
    latest = results[-1]
    values = {"n": len(results), "week": date_format(week, "j M Y"), "published": latest.published}
    flash.success(
        request,
        ngettext(
            "Computed the latest window, up to the week of %(week)s: %(published)d groups "
            "published, the others withheld to protect small groups.",
            "Computed %(n)d windows, up to the week of %(week)s: %(published)d groups "
            "published, the others withheld to protect small groups.",
            len(results),
        )
        % values,
    )
    return redirect("insights:health")


@require_POST
def targets(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    form = TargetForm(request.POST)
    if form.is_valid():
        try:
            services.target_set(viewer=viewer, **form.cleaned_data)
            flash.success(request, _("Target saved."))
        except ValidationError as exc:
            flash.error(request, error_text(exc))
    else:
        flash.error(
            request,
            _("Check the target: %(problems)s")
            % {
                "problems": "; ".join(
                    f"{form.fields[k].label if k in form.fields else k}: "
                    + " ".join(str(e) for e in v)
                    for k, v in form.errors.items()
                )
            },
        )
    return redirect("insights:manage")


@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    require(can_manage_insights(viewer), str(ONLY_HR))
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(
            request,
            "insights/manage.html",
            {
                "nav": "insights",
                "settings": selectors.settings_for_viewer(viewer),
                "runs": selectors.import_runs_for_viewer(viewer),
                "form": form,
                "target_form": TargetForm(),
                "targets": selectors.targets_for_viewer(viewer),
                "latest_week": services.latest_data_week(),
            },
            status=400,
        )
    data = form.cleaned_data
    try:
        run = services.import_check(
            source=data["file"].file,
            fmt=data["fmt"],
            filename=data["file"].name or "upload",
            actor=request.user,
            mapping=data["mapping"].file if data.get("mapping") else None,
        )
    except ValidationError as exc:
        flash.error(request, error_text(exc))
        return redirect("insights:manage")
    return redirect("insights:import_run", run.pk)


def import_run(request: HttpRequest, run_id: int) -> HttpResponse:
    viewer = _viewer(request)
    run = selectors.import_run_for_viewer(viewer, run_id)
    if run is None:
        raise Http404(_("No such import"))
    template = "insights/import_run.html"
    if getattr(request, "htmx", False):
        template += "#status"
    polling = run.status in (ImportRun.Status.QUEUED, ImportRun.Status.RUNNING)
    return render(request, template, {"nav": "insights", "run": run, "polling": polling})


@require_POST
def import_apply(request: HttpRequest, run_id: int) -> HttpResponse:
    from kith.insights.tasks import apply_import

    viewer = _viewer(request)
    run = selectors.import_run_for_viewer(viewer, run_id)
    if run is None:
        raise Http404(_("No such import"))
    if run.status != ImportRun.Status.PREVIEWED:
        flash.info(request, _("This import is already applied or on its way."))
        return redirect("insights:import_run", run.pk)
    if run.progress_total <= INLINE_APPLY_MAX_ROWS:
        full = ImportRun.objects.get(pk=run.pk)
        try:
            services.import_apply(run=full, actor=request.user)
            flash.success(request, _("Imported %(file)s.") % {"file": run.filename})
        except ValidationError as exc:
            flash.error(request, error_text(exc))
        return redirect("insights:import_run", run.pk)
    updated = ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.PREVIEWED).update(
        status=ImportRun.Status.QUEUED
    )
    if updated:
        apply_import.enqueue(run_id=run.pk, actor_id=request.user.pk)
        flash.success(
            request, _("Importing %(file)s: you can leave this page.") % {"file": run.filename}
        )
    return redirect("insights:import_run", run.pk)


def export(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    require(can_manage_insights(viewer), _("Only HR admins export relational health."))
    week = _week(request) or services.latest_data_week()
    if week is None:
        raise Http404(_("Nothing computed yet."))
    with read_replica():
        header, rows = selectors.export_rows(viewer, week)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kith-relational-health-{week}.csv"'
    write_csv(response, header, rows)
    return response


def write_csv(stream: Any, header: list[str], rows: list[list[Any]]) -> None:
    out = csvsafe.writer(stream)
    out.writerow(header)
    out.writerows(rows)
