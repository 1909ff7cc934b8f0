from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from kith.core.registry import privacy_sections


def privacy(request: HttpRequest) -> HttpResponse:
    """What Kith holds and who sees it: one section from each app that registered one."""
    context = {"privacy_sections": privacy_sections(), "nav": "privacy"}
    return render(request, "core/privacy.html", context)


@login_not_required
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_not_required
def favicon(request: HttpRequest) -> HttpResponse:
    from django.shortcuts import redirect
    from django.templatetags.static import static

    return redirect(static("kith/favicon.svg"), permanent=True)


@login_not_required
def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else ""
    return render(request, "core/403.html", {"message": message}, status=403)


@login_not_required
def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return render(request, "core/404.html", status=404)


@login_not_required
def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without context processors' database work: the database may be what failed.
    from django.template import loader

    return HttpResponse(loader.get_template("core/500.html").render(), status=500)


def audit_log(request: HttpRequest) -> HttpResponse:
    from django.core.paginator import Paginator

    from kith.core.audit import audit_events_for_viewer

    events = audit_events_for_viewer(request.viewer)  # type: ignore[attr-defined]
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_log.html", {"page": page, "nav": "audit"})


def integrations(request: HttpRequest) -> HttpResponse:
    """HR's one page for everything Kith connects to: chat, calendars, provisioning,
    webhooks. Each app registers its entry (kith.core.registry.register_integration)."""
    import logging

    from django.core.exceptions import PermissionDenied

    from kith.core.registry import integrations as registered

    if not request.viewer.is_hr:  # type: ignore[attr-defined]
        raise PermissionDenied(_("Only HR admins set up integrations."))
    rows = []
    for entry in registered():
        try:
            connected, detail = entry.status()
        except Exception:  # one broken integration must not hide the others
            logging.getLogger(__name__).exception("integration status %s failed", entry.key)
            connected, detail = False, "Its status could not be read; see the server log."
        rows.append({"entry": entry, "connected": connected, "detail": detail})
    return render(request, "core/integrations.html", {"rows": rows, "nav": "integrations"})
