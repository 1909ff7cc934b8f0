from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kith.core.permissions import require
from kith.notify import selectors, services

PAGE_SIZE = 30


def inbox(request: HttpRequest) -> HttpResponse:
    person = request.viewer.person  # type: ignore[attr-defined]
    require(person is not None, _("Your login is not linked to a person in the directory."))
    notifications = selectors.delivered_notifications(person=person)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    held = list(selectors.held_notifications(person=person)) if page.number == 1 else []
    return render(request, "notify/inbox.html", {"page": page, "held": held, "nav": "inbox"})


@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    person = request.viewer.person  # type: ignore[attr-defined]
    require(person is not None, _("Your login is not linked to a person in the directory."))
    raw_id = request.POST.get("id", "").strip()
    if raw_id and not (raw_id.isascii() and raw_id.isdigit()):
        return HttpResponse(_("That is not a notification id."), status=400)
    services.notification_mark_read(person=person, notification_id=int(raw_id) if raw_id else None)
    return redirect("notify:inbox")
