"""Pages of 1:1s and check-ins: the Touchpoints home, a pair, a meeting, check-ins, and HR's
cadence rules. Every write posts to a small view that calls one service and goes back."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kith.core.http import error_text
from kith.core.http import viewer_of as _viewer
from kith.core.permissions import can_manage_touchpoints, private_data_on_hold, require
from kith.touchpoints.models import ActionItem, AgendaItem, TouchpointSettings
from kith.touchpoints.selectors import coverage as coverage_selectors
from kith.touchpoints.selectors import oneonones as selectors
from kith.touchpoints.services import checkins as checkin_services
from kith.touchpoints.services import oneonones as services


def _int(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    return (
        redirect(request.POST.get("next") or fallback)
        if (request.POST.get("next") or "").startswith("/touchpoints/")
        else redirect(fallback)
    )


def _run(request: HttpRequest, action: Any, done: str = "") -> bool:
    """Call one service; a validation error becomes a flash message naming what to fix."""
    try:
        action()
    except ValidationError as exc:
        flash.error(request, error_text(exc))
        return False
    if done:
        flash.success(request, done)
    return True


def home(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    mine = selectors.my_one_on_ones_for_viewer(viewer)
    return render(
        request,
        "touchpoints/home.html",
        {
            "nav": "touchpoints",
            "mine": mine,
            "check_ins": selectors.my_check_ins_for_viewer(viewer, limit=3),
            "is_hr": can_manage_touchpoints(viewer),
            "skip_level": TouchpointSettings.current().skip_level_enabled
            and _has_skip_manager(viewer),
            "held_until": private_data_on_hold(viewer.person),
        },
    )


def _has_skip_manager(viewer: Any) -> bool:
    person = viewer.person
    return bool(person and person.manager_id and person.manager and person.manager.manager_id)


def one_on_one(request: HttpRequest, pair_id: int) -> HttpResponse:
    viewer = _viewer(request)
    page = selectors.pair_page_for_viewer(viewer, pair_id)
    zone = _zone(viewer)
    suggestions = []
    if page.summary.next_meeting is None:
        import django.utils.timezone as tz

        suggestions = services.propose_times(
            page.summary.pair,
            after=tz.now() + dt.timedelta(hours=2),
            minutes=page.rules.one_on_one_minutes,
        )
    return render(
        request,
        "touchpoints/one_on_one.html",
        {
            "nav": "touchpoints",
            "page": page,
            "suggestions": [s.astimezone(zone) for s in suggestions],
            "zone": zone,
        },
    )


def meeting(request: HttpRequest, meeting_id: int) -> HttpResponse:
    viewer = _viewer(request)
    page = selectors.meeting_page_for_viewer(viewer, meeting_id)
    return render(
        request,
        "touchpoints/meeting.html",
        {"nav": "touchpoints", "page": page, "zone": _zone(viewer)},
    )


def _zone(viewer: Any) -> ZoneInfo:
    try:
        return ZoneInfo((viewer.person and viewer.person.timezone) or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def _local_time(request: HttpRequest, field: str = "starts_at") -> dt.datetime | None:
    raw = request.POST.get(field, "")
    try:
        naive = dt.datetime.fromisoformat(raw)
    except ValueError:
        return None
    if naive.tzinfo is not None:
        return naive
    return naive.replace(tzinfo=_zone(_viewer(request)))


@require_POST
def schedule(request: HttpRequest, pair_id: int) -> HttpResponse:
    viewer = _viewer(request)
    pair = selectors.pair_for_viewer(viewer, pair_id)
    starts_at = _local_time(request)
    if request.POST.get("starts_at") and starts_at is None:
        flash.error(request, _("Time: give a date and a time, e.g. 2026-12-08 10:30."))
        return redirect("touchpoints:one_on_one", pair.pk)
    holder: dict[str, Any] = {}

    def act() -> None:
        holder["m"] = services.meeting_schedule(one_on_one=pair, actor=viewer, starts_at=starts_at)

    if _run(request, act, _("Planned. You both have the invite in your inbox.")):
        return redirect("touchpoints:meeting", holder["m"].pk)
    return redirect("touchpoints:one_on_one", pair.pk)


@require_POST
def ask(request: HttpRequest, pair_id: int) -> HttpResponse:
    viewer = _viewer(request)
    pair = selectors.pair_for_viewer(viewer, pair_id)
    _run(
        request,
        lambda: services.one_on_one_request(viewer=viewer, pair=pair),
        _("%(name)s knows you would like to talk.") % {"name": pair.manager.display_name},
    )
    return redirect("touchpoints:one_on_one", pair.pk)


@require_POST
def cadence(request: HttpRequest, pair_id: int) -> HttpResponse:
    viewer = _viewer(request)
    pair = selectors.pair_for_viewer(viewer, pair_id)
    answer = request.POST.get("answer", "")
    if answer in {"accept", "decline"}:
        _run(
            request,
            lambda: services.cadence_answer(viewer=viewer, pair=pair, accept=answer == "accept"),
            _("Thanks: your answer is saved."),
        )
    elif answer == "withdraw":
        _run(
            request,
            lambda: services.cadence_withdraw(viewer=viewer, pair=pair),
            _("Proposal withdrawn."),
        )
    else:
        days = _int(request.POST.get("cadence_days"))
        if days is None:
            flash.error(request, _("Rhythm: give a number of days."))
        else:
            _run(
                request,
                lambda: services.cadence_propose(viewer=viewer, pair=pair, days=days),
                _("Proposed: the other side accepts or declines."),
            )
    return redirect("touchpoints:one_on_one", pair.pk)


@require_POST
def skip_level(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    holder: dict[str, Any] = {}

    def act() -> None:
        assert viewer.person is not None
        holder["pair"] = services.skip_level_start(viewer=viewer, report=viewer.person)

    if viewer.person is not None and _run(request, act):
        return redirect("touchpoints:one_on_one", holder["pair"].pk)
    return redirect("touchpoints:home")


def _meeting_or_404(request: HttpRequest, meeting_id: int) -> Any:
    return selectors.meeting_page_for_viewer(_viewer(request), meeting_id).meeting


@require_POST
def agenda_add(request: HttpRequest, pair_id: int) -> HttpResponse:
    viewer = _viewer(request)
    pair = selectors.pair_for_viewer(viewer, pair_id)
    meeting_id = _int(request.POST.get("meeting"))
    meeting = _meeting_or_404(request, meeting_id) if meeting_id else None
    _run(
        request,
        lambda: services.agenda_add(
            viewer=viewer, pair=pair, text=request.POST.get("text", ""), meeting=meeting
        ),
    )
    return _back(request, f"/touchpoints/1on1/{pair.pk}/")


def _agenda_item(request: HttpRequest, item_id: int) -> AgendaItem:
    item = AgendaItem.objects.select_related("one_on_one").filter(pk=item_id).first()
    if item is None:
        raise Http404(_("No such talking point."))
    selectors.pair_for_viewer(_viewer(request), item.one_on_one_id)
    return item


@require_POST
def agenda_mark(request: HttpRequest, item_id: int) -> HttpResponse:
    viewer = _viewer(request)
    item = _agenda_item(request, item_id)
    meeting_id = _int(request.POST.get("meeting"))
    meeting = _meeting_or_404(request, meeting_id) if meeting_id else None
    if request.POST.get("remove"):
        try:
            services.agenda_remove(viewer=viewer, item=item)
        except PermissionDenied as exc:
            flash.error(request, str(exc))
    else:
        done = request.POST.get("done") == "1"
        _run(
            request,
            lambda: services.agenda_mark(viewer=viewer, item=item, done=done, meeting=meeting),
        )
    return _back(request, f"/touchpoints/1on1/{item.one_on_one_id}/")


@require_POST
def notes(request: HttpRequest, meeting_id: int) -> HttpResponse:
    viewer = _viewer(request)
    meeting = _meeting_or_404(request, meeting_id)
    if "private_note" in request.POST:
        _run(
            request,
            lambda: services.private_note_save(
                viewer=viewer, meeting=meeting, text=request.POST["private_note"]
            ),
            _("Your private note is saved. Only you can read it."),
        )
    else:
        _run(
            request,
            lambda: services.shared_notes_save(
                viewer=viewer, meeting=meeting, text=request.POST.get("shared_notes", "")
            ),
            _("Shared notes saved."),
        )
    return redirect("touchpoints:meeting", meeting.pk)


@require_POST
def action_add(request: HttpRequest, pair_id: int) -> HttpResponse:
    viewer = _viewer(request)
    pair = selectors.pair_for_viewer(viewer, pair_id)
    meeting_id = _int(request.POST.get("meeting"))
    meeting = _meeting_or_404(request, meeting_id) if meeting_id else None
    due = None
    if request.POST.get("due_on"):
        try:
            due = dt.date.fromisoformat(request.POST["due_on"])
        except ValueError:
            flash.error(request, _("Due: give a date like 2026-12-31."))
            return _back(request, f"/touchpoints/1on1/{pair.pk}/")
    owner = _int(request.POST.get("owner")) or -1
    _run(
        request,
        lambda: services.action_add(
            viewer=viewer,
            pair=pair,
            text=request.POST.get("text", ""),
            owner_id=owner,
            due_on=due,
            meeting=meeting,
        ),
    )
    return _back(request, f"/touchpoints/1on1/{pair.pk}/")


@require_POST
def action_mark(request: HttpRequest, item_id: int) -> HttpResponse:
    viewer = _viewer(request)
    item = ActionItem.objects.filter(pk=item_id).first()
    if item is None:
        raise Http404(_("No such action item."))
    selectors.pair_for_viewer(viewer, item.one_on_one_id)
    _run(
        request,
        lambda: services.action_mark(
            viewer=viewer, item=item, done=request.POST.get("done") == "1"
        ),
    )
    return _back(request, f"/touchpoints/1on1/{item.one_on_one_id}/")


@require_POST
def meeting_state(request: HttpRequest, meeting_id: int) -> HttpResponse:
    viewer = _viewer(request)
    meeting = _meeting_or_404(request, meeting_id)
    what = request.POST.get("what", "")
    if what == "held":
        _run(
            request,
            lambda: services.meeting_hold(viewer=viewer, meeting=meeting),
            _("Marked as held. Open talking points carry over to your next 1:1."),
        )
    elif what == "cancel":
        _run(
            request,
            lambda: services.meeting_cancel(viewer=viewer, meeting=meeting),
            _("Cancelled; both calendars get the cancellation."),
        )
    elif what == "move":
        starts_at = _local_time(request)
        if starts_at is None:
            flash.error(request, _("Move to: give a date and a time, e.g. 2026-12-08 10:30."))
        else:
            _run(
                request,
                lambda: services.meeting_move(viewer=viewer, meeting=meeting, starts_at=starts_at),
                _("Moved; both of you get the updated invite."),
            )
    return redirect("touchpoints:meeting", meeting.pk)


# --- Check-ins ----------------------------------------------------------------------------------


def check_ins(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    if viewer.person is None:
        raise Http404(_("Check-ins are for people in the directory."))
    mine = selectors.my_one_on_ones_for_viewer(viewer)
    if request.method == "POST":
        pair_id = _int(request.POST.get("one_on_one"))
        pair = selectors.pair_for_viewer(viewer, pair_id) if pair_id else None
        fields = {k: _int(request.POST.get(k)) or 0 for k in ("how", "energy")}
        ok = _run(
            request,
            lambda: checkin_services.check_in_write(
                viewer=viewer,
                how=fields["how"],
                energy=fields["energy"],
                support=request.POST.get("support", ""),
                note=request.POST.get("note", ""),
                one_on_one=pair,
            ),
            _("Saved. Only you and %(name)s can read it.") % {"name": _other_name(viewer, pair)}
            if pair
            else _("Saved. Only you can read it."),
        )
        if ok:
            return redirect("touchpoints:check_ins")
    return render(
        request,
        "touchpoints/check_ins.html",
        {
            "nav": "touchpoints",
            "pairs": mine.as_report + mine.as_manager,
            "check_ins": selectors.my_check_ins_for_viewer(viewer),
            "form": request.POST if request.method == "POST" else {},
            "preselect": _int(request.GET.get("one_on_one")),
        },
    )


def _other_name(viewer: Any, pair: Any) -> str:
    return (pair.report if pair.manager_id == viewer.person.pk else pair.manager).display_name


@require_POST
def check_in_delete(request: HttpRequest, check_in_id: int) -> HttpResponse:
    viewer = _viewer(request)
    check_in = selectors.check_in_for_viewer(viewer, check_in_id)
    try:
        checkin_services.check_in_delete(viewer=viewer, check_in=check_in)
        flash.success(request, _("Deleted. Nothing of it remains."))
    except PermissionDenied as exc:
        flash.error(request, str(exc))
    return redirect("touchpoints:check_ins")


# --- HR: cadence rules and coverage -------------------------------------------------------------


def manage(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    require(can_manage_touchpoints(viewer), _("Only HR admins set the 1:1 rules."))
    rules = TouchpointSettings.current()
    if request.method == "POST":
        values = {
            k: _int(request.POST.get(k)) or 0
            for k in (
                "default_cadence_days",
                "floor_cadence_days",
                "one_on_one_minutes",
                "skip_level_cadence_days",
            )
        }
        if _run(
            request,
            lambda: services.settings_update(
                viewer=viewer,
                skip_level_enabled=request.POST.get("skip_level_enabled") == "on",
                **values,
            ),
            _("Saved."),
        ):
            return redirect("touchpoints:manage")
    return render(
        request,
        "touchpoints/manage.html",
        {
            "nav": "touchpoints",
            "rules": rules,
            "coverage": coverage_selectors.coverage_for_viewer(viewer),
        },
    )


urlpatterns: list[URLPattern] = [
    path("", home, name="home"),
    path("1on1/<int:pair_id>/", one_on_one, name="one_on_one"),
    path("1on1/<int:pair_id>/schedule/", schedule, name="schedule"),
    path("1on1/<int:pair_id>/ask/", ask, name="ask"),
    path("1on1/<int:pair_id>/cadence/", cadence, name="cadence"),
    path("1on1/<int:pair_id>/agenda/", agenda_add, name="agenda_add"),
    path("1on1/<int:pair_id>/actions/", action_add, name="action_add"),
    path("1on1/skip-level/", skip_level, name="skip_level"),
    path("agenda/<int:item_id>/", agenda_mark, name="agenda_mark"),
    path("actions/<int:item_id>/", action_mark, name="action_mark"),
    path("meetings/<int:meeting_id>/", meeting, name="meeting"),
    path("meetings/<int:meeting_id>/notes/", notes, name="notes"),
    path("meetings/<int:meeting_id>/state/", meeting_state, name="meeting_state"),
    path("check-ins/", check_ins, name="check_ins"),
    path("check-ins/<int:check_in_id>/delete/", check_in_delete, name="check_in_delete"),
    path("manage/", manage, name="manage"),
]
