"""The directory's card on the home page (kith.core.registry.register_needs): for HR, HR
files that were checked and wait for someone to apply them, and imports being applied now.
Read-only; discovered by core with autodiscover_modules("needs")."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kith.core.permissions import Viewer, can_import_people
from kith.core.registry import Need, register_needs
from kith.directory.models import ImportRun

SHOWN = 3
WAITING = (ImportRun.Status.PREVIEWED, ImportRun.Status.QUEUED, ImportRun.Status.RUNNING)


def imports_waiting(viewer: Viewer) -> list[Need]:
    if not can_import_people(viewer):
        return []
    # Only the few columns a card needs: the file itself (up to 50 MB) stays in the database.
    runs = list(
        ImportRun.objects.filter(status__in=WAITING)
        .only("pk", "filename", "status", "created_at")
        .order_by("-created_at")[:10]
    )
    if not runs:
        return []
    ready = [r for r in runs if r.status == ImportRun.Status.PREVIEWED]
    lines = tuple(f"{run.filename}: {run.get_status_display()}" for run in runs[:SHOWN])
    if ready:
        title = ngettext(
            "%(n)d HR file is checked and waits to be applied",
            "%(n)d HR files are checked and wait to be applied",
            len(ready),
        ) % {"n": len(ready)}
    else:
        title = _("An HR file is being applied")
    return [
        Need(
            app_label="directory",
            title=title,
            lines=lines,
            url=reverse("directory:import_run", args=[(ready or runs)[0].pk]),
            action=_("Review and apply") if ready else _("Follow its progress"),
            urgent=bool(ready),
            order=5,
        )
    ]


register_needs(app_label="directory", key="directory.imports", build=imports_waiting)
