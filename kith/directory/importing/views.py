"""The HRIS upload page: upload -> check (a big file in the background) -> preview (or the
problems) -> apply in the background."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from kith.core.permissions import can_import_people, require
from kith.directory.importing import selectors
from kith.directory.importing.forms import ImportUploadForm, max_upload_bytes
from kith.directory.importing.report import change_lines, has_changes
from kith.directory.importing.runs import (
    STAGE_PREVIEW,
    TIMED_OUT,
    TIMED_OUT_MINUTES,
    TIMED_OUT_TEXT,
    import_run_enqueue,
    import_run_upload,
    import_runs_expire_stale,
)
from kith.directory.models import ImportRun

ONLY_HR = gettext_noop("Only HR admins can import people.")


@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer  # type: ignore[attr-defined]
    require(can_import_people(viewer), _(ONLY_HR))
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        run = import_run_upload(
            content=upload.read(),
            filename=upload.name or "upload.csv",
            deactivate_missing=form.cleaned_data["deactivate_missing"],
            uploaded_by=request.user,
        )
        return redirect("directory:import_run", run.pk)
    import_runs_expire_stale()
    runs = selectors.import_runs_for_viewer(viewer)
    context = {
        "form": form,
        "runs": [(run, status_label(run)) for run in runs],
        "max_upload_bytes": max_upload_bytes(),
        "nav": "import",
    }
    return render(request, "directory/import_upload.html", context)


@vary_on_headers("HX-Request")
def import_run(request: HttpRequest, run_id: int) -> HttpResponse:
    viewer = request.viewer  # type: ignore[attr-defined]
    require(can_import_people(viewer), _(ONLY_HR))
    import_runs_expire_stale(run_id=run_id)  # a run whose worker died stops polling
    run = selectors.import_run_for_viewer(viewer, run_id)
    if run is None:
        raise Http404("No such import")
    template = "directory/import_run.html"
    if request.htmx:  # type: ignore[attr-defined]
        template += "#status"
    return render(request, template, run_context(run))


@require_POST
def import_apply(request: HttpRequest, run_id: int) -> HttpResponse:
    viewer = request.viewer  # type: ignore[attr-defined]
    require(can_import_people(viewer), _(ONLY_HR))
    run = selectors.import_run_for_viewer(viewer, run_id)
    if run is None:
        raise Http404("No such import")
    if import_run_enqueue(run=run, actor=request.user):
        messages.success(
            request,
            _(
                "Applying %(filename)s. You can leave this page: the import carries on in "
                "the background."
            )
            % {"filename": run.filename},
        )
    else:
        messages.info(request, _("This import is already applied or on its way."))
    return redirect("directory:import_run", run.pk)


def run_context(run: ImportRun) -> dict[str, Any]:
    summary = run.summary or {}
    applied = run.status == ImportRun.Status.DONE
    total = run.progress_total or 0
    # A run without its file can no longer be applied: Kith deletes it after a day.
    has_file = bool(getattr(run, "content_bytes", None))
    return {
        "run": run,
        "summary": summary,
        "failure": failure_text(summary.get("error", "")),
        "field_changes": [
            (_(name), count) for name, count in summary.get("field_changes", {}).items()
        ],
        "changes": change_lines(summary, applied=applied),
        "has_changes": has_changes(summary),
        "problem_count": summary.get("problem_count", len(run.errors)),
        "polling": run.status in (ImportRun.Status.QUEUED, ImportRun.Status.RUNNING),
        "checking": summary.get("stage") == STAGE_PREVIEW,
        "rows_checked": run.status == ImportRun.Status.RUNNING
        and total
        and run.progress_done >= total,
        "has_file": has_file,
        "can_apply": run.status in (ImportRun.Status.PREVIEWED, ImportRun.Status.FAILED)
        and has_changes(summary)
        and has_file,
        "nav": "import",
    }


def status_label(run: ImportRun) -> str:
    """A big file's check waits and runs like an apply does; say which one it is."""
    waiting = run.status in (ImportRun.Status.QUEUED, ImportRun.Status.RUNNING)
    if waiting and (run.summary or {}).get("stage") == STAGE_PREVIEW:
        return _("Checking")
    return str(run.get_status_display())


def failure_text(error: str) -> str:
    """A failed run's reason, stored in English, in the reader's language."""
    if error == TIMED_OUT:
        return _(TIMED_OUT_TEXT) % {"minutes": TIMED_OUT_MINUTES}
    return _(error) if error else ""


def import_help(request: HttpRequest) -> HttpResponse:
    """The file format, built from the same tables the parser uses, so it cannot drift."""
    from kith.directory.importing.parse import ALL_COLUMNS, HEADER_ALIASES, REQUIRED_COLUMNS
    from kith.directory.importing.validate import EMPLOYMENT_TYPE_ALIASES

    require(can_import_people(request.viewer), _(ONLY_HR))  # type: ignore[attr-defined]
    columns = [
        {
            "name": name,
            "required": name in REQUIRED_COLUMNS,
            "aliases": HEADER_ALIASES.get(name, ()),
        }
        for name in ALL_COLUMNS
    ]
    context = {
        "columns": columns,
        "employment_types": EMPLOYMENT_TYPE_ALIASES.items(),
        "nav": "import",
    }
    return render(request, "directory/import_help.html", context)
