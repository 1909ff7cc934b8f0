"""Reads of import runs for the upload page, already authorised."""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.functions import Length

from kith.core.permissions import Viewer, can_import_people
from kith.directory.models import ImportRun

RECENT_RUNS = 10


def _runs() -> QuerySet[ImportRun]:
    # The file itself can be 50 MB: the page only needs to know whether it is still kept.
    return (
        ImportRun.objects.select_related("uploaded_by")
        .defer("content")
        .annotate(content_bytes=Length("content"))
    )


def import_runs_for_viewer(viewer: Viewer, limit: int = RECENT_RUNS) -> list[ImportRun]:
    if not can_import_people(viewer):
        return []
    return list(_runs()[:limit])


def import_run_for_viewer(viewer: Viewer, run_id: int) -> ImportRun | None:
    if not can_import_people(viewer):
        return None
    return _runs().filter(pk=run_id).first()
