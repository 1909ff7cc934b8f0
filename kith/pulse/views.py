from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from kith.core.dates import org_today
from kith.core.http import error_text as _error_text
from kith.core.http import viewer_of as _viewer
from kith.core.permissions import can_manage_surveys, require
from kith.directory.models import Person
from kith.pulse import ai, selectors, services, snapshot, wording
from kith.pulse.engine.instruments import INSTRUMENTS, Reference
from kith.pulse.forms import ActionForm, CampaignForm
from kith.pulse.models import Action, Campaign, Wave


def _add_errors(form: Any, exc: ValidationError) -> None:
    """A service's validation errors on the form: under their field, or above the form."""
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def _int(request: HttpRequest, name: str, default: int) -> int:
    raw = request.GET.get(name, "")
    return int(raw) if re.fullmatch(r"-?[0-9]{1,6}", raw) else default


def home(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    context = {
        "surveys": selectors.my_surveys_for_viewer(viewer),
        "waves": selectors.closed_waves_for_viewer(viewer),
        "can_manage": can_manage_surveys(viewer),
        "is_manager": viewer.is_manager,
        "nav": "pulse",
    }
    return render(request, "pulse/home.html", context)


@login_not_required
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    """The survey behind a personal link. Works without signing in (the link is the key);
    nothing here logs who answered what."""
    invitation = selectors.invitation_for_token(token)
    if invitation is None:
        raise Http404(_("This survey link is not valid."))
    wave = invitation.wave
    state = selectors.survey_state(invitation)
    errors: dict[str, str] = {}
    if request.method == "POST" and state == "open":
        answers = {k[2:]: v for k, v in request.POST.items() if k.startswith("q:")}
        texts = {k[2:]: str(v) for k, v in request.POST.items() if k.startswith("t:")}
        try:
            services.answer_submit(token=token, answers=answers, texts=texts)
        except ValidationError as exc:
            errors = {k: " ".join(v) for k, v in exc.message_dict.items()}
        else:
            return redirect("pulse:answer", token)
    context = {
        "wave": wave,
        "campaign": wave.campaign,
        "sections": selectors.survey_sections(wave),
        "state": state,
        "errors": errors,
        "posted": request.POST if errors else {},
        "attributes": services.attributes_phrase(wave),
        "published_wording": any(wording.keeps_published_wording(i) for i in wave.items),
        "token": token,
        "nav": "pulse",
    }
    # Form errors answer 200, not 400: Django logs every 4xx with its path, and this path
    # is a personal link.
    return render(request, "pulse/answer.html", context)


def instruments(request: HttpRequest) -> HttpResponse:
    require(can_manage_surveys(_viewer(request)), _("Only HR admins compose surveys."))
    t = wording.translated
    shown = [
        (
            inst,
            {
                "name": t(inst.name),
                "summary": t(inst.summary),
                "licence": t(inst.licence),
                "reading": t(inst.reading),
                "published": inst.key in wording.PUBLISHED_WORDING,
                "items": [
                    (i, i.text if inst.key in wording.PUBLISHED_WORDING else t(i.text))
                    for i in inst.items
                ],
                "references": [(r, t(r.text)) for r in inst.reference],
            },
        )
        for inst in INSTRUMENTS.values()
    ]
    return render(request, "pulse/instruments.html", {"instruments": shown, "nav": "pulse"})


def _wave(wave_id: int) -> Wave:
    if not 0 < wave_id <= selectors.MAX_ID:
        raise Http404(_("No such survey"))
    # The unit snapshot comes from the process cache instead of being decoded every time.
    wave = get_object_or_404(
        snapshot.without_units(Wave.objects.select_related("campaign")), pk=wave_id
    )
    snapshot.fill_units([wave])
    return wave


def results(request: HttpRequest, wave_id: int) -> HttpResponse:
    viewer = _viewer(request)
    wave = _wave(wave_id)
    parent = _int(request, "unit", -1)
    attr, value = -1, -1
    chosen = re.fullmatch(r"([0-9]{1,3}):([0-9]{1,4})", request.GET.get("filter", ""))
    if chosen:
        attr, value = int(chosen.group(1)), int(chosen.group(2))
    view = selectors.results_for_viewer(
        viewer,
        wave,
        attr=attr,
        value=value,
        parent=parent if parent >= 0 else None,
        items=request.GET.get("view") == "items",
    )
    if view is None:
        raise Http404(_("No results to show yet"))
    table = [(row, [_heat(row.cell, c) for c in view.columns]) for row in view.rows]
    org_values = [_heat(view.organisation, c) for c in view.columns]
    heavier = (
        ai.heavier_beside_references(wave) if "ai_connection" in wave.campaign.instruments else {}
    )
    references = [
        (
            INSTRUMENTS[k],
            wording.translated(INSTRUMENTS[k].name),
            [
                (
                    r,
                    wording.translated(r.text),
                    _ours(view.organisation, r),
                    heavier.get(r.item),
                )
                for r in INSTRUMENTS[k].reference
            ],
        )
        for k in wave.campaign.instruments
        if INSTRUMENTS[k].reference
    ]
    trend_columns = [c for c in selectors.columns_for(wave) if c.kind != "item"] or view.columns
    trend_unit = selectors.trend_unit_for_viewer(viewer, wave, parent if parent >= 0 else None)
    trend_name = next((u[1] for u in wave.units if u[0] == trend_unit), wave.units[0][1])
    context = {
        "view": view,
        "wave": wave,
        "table": table,
        "org_values": org_values,
        "k": wave.campaign.min_group,
        "references": references,
        "trend": [
            (p["wave"], p["cell"], [_heat(p["cell"], c) for c in trend_columns])
            for p in selectors.trend_for_viewer(viewer, wave.campaign, trend_unit)
        ],
        "trend_columns": trend_columns,
        "trend_name": trend_name,
        "items_view": request.GET.get("view") == "items",
        "parent": parent,
        "can_plan": view.scope.role == "manager",
        # From the wave's own questions: no query on a page whose query count is budgeted.
        "ai_link": ai.has_usage_item(wave),
        "nav": "pulse",
    }
    return render(request, "pulse/results.html", context)


def ai_use(request: HttpRequest, wave_id: int) -> HttpResponse:
    """AI use and connection: heavier vs lighter AI users beside the published figures."""
    wave = _wave(wave_id)
    view = ai.ai_for_viewer(_viewer(request), wave)
    if view is None:
        raise Http404(_("No AI use figures to show for this survey"))
    context = {"view": view, "wave": wave, "figures": ai.FIGURE_LABELS, "nav": "pulse"}
    return render(request, "pulse/ai.html", context)


def _ours(cell: object, reference: Reference) -> float | None:
    """The organisation's own share for a published figure: % who agree (4–5) with the
    matching item (or disagree, 1–2), from the published organisation cell's distribution."""
    items = getattr(cell, "items", None) or {}
    stat = items.get(reference.item) or {}
    counts = {int(k): int(v) for k, v in (stat.get("distribution") or {}).items()}
    total = sum(counts.values())
    if not total:
        return None
    if reference.disagree:  # disagree (1–2), as the AI page counts it
        return 100 * sum(v for k, v in counts.items() if k <= 2) / total
    return 100 * sum(v for k, v in counts.items() if k >= 4) / total


def _heat(cell: object, column: selectors.Column) -> tuple[str, str]:
    """A cell's text and its colour band (heat-1 worst … heat-5 best); withheld = ("", "")."""
    value = selectors.cell_value(cell, column)  # type: ignore[arg-type]
    if cell is None:
        return "", "withheld"
    if value is None:
        return "–", "heat-none"
    text = (
        f"{value:+.0f}"
        if column.kind == "enps"
        else f"{value:.2f}"
        if column.hi <= 10
        else f"{value:.0f}"
    )
    if not column.has_direction:  # neither end is better: no colour claims one is
        return text, "heat-none"
    share = (value - column.lo) / ((column.hi - column.lo) or 1)
    if not column.higher_is_better:
        share = 1 - share
    band = min(5, max(1, int(share * 5) + 1))
    return text, f"heat-{band}"


def export(request: HttpRequest, wave_id: int) -> HttpResponse:
    wave = _wave(wave_id)
    header, rows = selectors.export_for_viewer(_viewer(request), wave)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kith-pulse-wave-{wave.pk}.csv"'
    selectors.write_csv(header, rows, response)
    return response


def comments(request: HttpRequest, wave_id: int) -> HttpResponse:
    viewer = _viewer(request)
    wave = _wave(wave_id)
    cells = list(selectors.comment_cells_for_viewer(viewer, wave))
    unit, item = _int(request, "unit", -1), request.GET.get("item", "")
    texts = selectors.comments_for_viewer(viewer, wave, unit, item) if unit >= 0 else None
    labels = {i["key"]: i["text"] for i in wave.items}
    context = {
        "wave": wave,
        "cells": [
            (c, selectors.group_label(wave, c.unit, -1, -1), labels.get(c.item, c.item))
            for c in cells
        ],
        "texts": texts,
        "chosen": (unit, item),
        "chosen_label": labels.get(item, ""),
        "chosen_group": selectors.group_label(wave, unit, -1, -1)
        if 0 <= unit < len(wave.units)
        else "",
        "min_comment_group": wave.campaign.min_comment_group,
        "nav": "pulse",
    }
    return render(request, "pulse/comments.html", context)


@require_http_methods(["GET", "POST"])
def plan_action(request: HttpRequest, wave_id: int) -> HttpResponse:
    """A manager picks an item and schedules an in-person team conversation about it."""
    viewer = _viewer(request)
    wave = _wave(wave_id)
    scope = selectors.scope_for_viewer(viewer, wave)
    if scope is None or scope.role != "manager" or viewer.person is None:
        raise PermissionDenied(_("Managers plan team conversations from their results."))
    me = viewer.person
    unit = _int(request, "unit", -1)
    if request.method == "POST":
        raw = request.POST.get("unit", "")
        unit = int(raw) if re.fullmatch(r"[0-9]{1,6}", raw) else -1
    if unit not in (scope.units or set()) or unit == 0:
        units = sorted(i for i in (scope.units or set()) if i)
        unit = units[0] if units else -1
    if unit < 0:
        raise PermissionDenied(_("You have no team in this survey."))
    items = [(i["key"], i["text"]) for i in wave.items if i["kind"] != "text"]
    form = ActionForm(
        request.POST or None, items=items, initial={"item": request.GET.get("item", "")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        team = list(Person.objects.filter(manager=me, is_active=True).order_by("full_name"))
        try:
            services.action_plan(
                owner=me,
                wave=wave,
                unit=unit,
                item=data["item"],
                meeting_at=_aware(data["meeting_at"], me),
                minutes=data["minutes"],
                location=data["location"],
                note=data["note"],
                team=team,
                actor=viewer.user,  # type: ignore[arg-type]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            flash.success(
                request,
                ngettext(
                    "Invitations sent to %(n)d person.",
                    "Invitations sent to %(n)d people.",
                    len(team),
                )
                % {"n": len(team)},
            )
            return redirect("pulse:actions")
    context = {
        "wave": wave,
        "form": form,
        "unit": unit,
        "unit_name": wave.units[unit][1],
        "nav": "pulse",
    }
    return render(request, "pulse/plan_action.html", context)


def _aware(value: dt.datetime, person: Person) -> dt.datetime:
    if timezone.is_aware(value):
        return value
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(person.timezone) if person.timezone else timezone.get_current_timezone()
    return value.replace(tzinfo=zone)


def actions(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    rows = list(selectors.actions_for_viewer(viewer)[:200])
    snapshot.fill_units(a.wave for a in rows)
    labels = {}
    for action in rows:
        labels[action.pk] = next(
            (i["text"] for i in action.wave.items if i["key"] == action.item), action.item
        )
    context = {
        "rows": [(a, labels[a.pk], a.wave.units[a.unit][1]) for a in rows],
        "statuses": Action.Status.choices,
        "is_hr": can_manage_surveys(viewer),
        "nav": "pulse",
    }
    return render(request, "pulse/actions.html", context)


@require_POST
def action_status(request: HttpRequest, action_id: int) -> HttpResponse:
    viewer = _viewer(request)
    action = selectors.actions_for_viewer(viewer).filter(pk=action_id).first()
    if action is None or (viewer.person is None or action.owner_id != viewer.person.pk):
        raise Http404(_("No such action"))
    try:
        services.action_set_status(action=action, status=request.POST.get("status", ""))
    except ValidationError as exc:
        flash.error(request, _error_text(exc))
    return redirect("pulse:actions")


def manage(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    campaigns = list(selectors.campaigns_for_viewer(viewer))
    today = org_today()
    rows = []
    for campaign in campaigns:
        waves = []
        for wave in sorted(campaign.waves.all(), key=lambda w: w.number):
            rate = None
            if wave.sent_at and wave.results_at is None:
                rate = selectors.response_rate_for_viewer(viewer, wave)
            waves.append((wave, rate))
        rows.append((campaign, waves))
    actions_count = selectors.actions_for_viewer(viewer).count()
    return render(
        request,
        "pulse/manage.html",
        {"rows": rows, "today": today, "actions_count": actions_count, "nav": "pulse"},
    )


@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, campaign_id: int | None = None) -> HttpResponse:
    viewer = _viewer(request)
    require(can_manage_surveys(viewer), _("Only HR admins compose surveys."))
    campaign = get_object_or_404(Campaign, pk=campaign_id) if campaign_id else None
    form = CampaignForm(request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {name: data[name] for name in form.Meta.fields if name != "audience_units"}
        questions = data["questions_text"]
        try:
            saved = services.campaign_save(
                campaign=Campaign.objects.get(pk=campaign.pk) if campaign else None,
                fields=fields,
                org_units=list(data["audience_units"]),
                questions=questions,
                actor=viewer.user,  # type: ignore[arg-type]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            flash.success(request, _("Saved %(name)s.") % {"name": saved.name})
            return redirect("pulse:manage")
    locked = bool(campaign and campaign.waves.filter(sent_at__isnull=False).exists())
    return render(
        request,
        "pulse/campaign_edit.html",
        {
            "form": form,
            "campaign": campaign,
            "locked": locked,
            "instruments": INSTRUMENTS,
            "nav": "pulse",
        },
    )


@require_POST
def wave_action(request: HttpRequest, wave_id: int, action: str) -> HttpResponse:
    """HR: send a wave now (from its opening day) or close it now and compute results. Both
    are irreversible, so both need the confirmation the page asks for (`confirm=yes`), and
    both happen once: a second submit, or Back and submit again, changes nothing."""
    viewer = _viewer(request)
    require(can_manage_surveys(viewer), _("Only HR admins send and close surveys."))
    wave = _wave(wave_id)
    today = org_today()
    if action not in ("send", "close"):
        raise Http404(_("No such action"))
    if request.POST.get("confirm") != "yes":
        flash.error(request, _("Nothing was done: confirm first (it cannot be undone)."))
        return redirect("pulse:manage")
    if action == "send":
        if wave.sent_at is not None:
            flash.info(
                request,
                _("Wave %(number)d was already sent; nothing was sent again.")
                % {"number": wave.number},
            )
            return redirect("pulse:manage")
        if wave.opens_on > today:
            flash.error(
                request,
                _("This wave opens on %(day)s.") % {"day": date_format(wave.opens_on, "j F")},
            )
            return redirect("pulse:manage")
        try:
            count = services.wave_send(wave=wave)
        except ValidationError as exc:
            flash.error(request, _error_text(exc))
        else:
            if count:
                flash.success(
                    request,
                    ngettext("Sent to %(n)d person.", "Sent to %(n)d people.", count)
                    % {"n": count},
                )
            else:  # another request sent it a moment before this one
                flash.info(
                    request,
                    _("Wave %(number)d was already sent; nothing was sent again.")
                    % {"number": wave.number},
                )
    else:
        if wave.results_at is not None:
            flash.info(
                request,
                _("Wave %(number)d is already closed; nothing changed.") % {"number": wave.number},
            )
            return redirect("pulse:manage")
        try:
            cells = services.wave_close(wave=wave, actor=viewer.user)  # type: ignore[arg-type]
        except ValidationError as exc:
            wave.refresh_from_db(fields=["results_at"])
            if wave.results_at is not None:  # closed by another request meanwhile
                flash.info(
                    request,
                    _("Wave %(number)d is already closed; nothing changed.")
                    % {"number": wave.number},
                )
            else:
                flash.error(request, _error_text(exc))
        else:
            flash.success(
                request,
                ngettext(
                    "Closed. %(n)d group passed the privacy rules.",
                    "Closed. %(n)d groups passed the privacy rules.",
                    cells,
                )
                % {"n": cells},
            )
    return redirect("pulse:manage")
