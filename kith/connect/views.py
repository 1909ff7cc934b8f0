from __future__ import annotations

import datetime as dt
import re

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from kith.connect import messages, previews, rounds, selectors, services
from kith.connect.charts import round_charts
from kith.connect.forms import WEEKDAYS, DoNotPairForm, MentoringJoinForm, PauseForm, ProgramForm
from kith.connect.models import Program, Round
from kith.core import audit
from kith.core.http import error_text as _error_text
from kith.core.http import viewer_of as _viewer
from kith.core.permissions import Viewer, can_manage_programs, can_take_part, require
from kith.directory.models import Person


def _me(request: HttpRequest, message: str) -> Person:
    """The viewer's own directory entry, for the pages where people act for themselves."""
    viewer = _viewer(request)
    require(can_take_part(viewer), message)
    assert viewer.person is not None
    return viewer.person


def home(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    context = {
        "programs": selectors.programs_for_viewer(viewer),
        "matches": selectors.matches_for_viewer(viewer),
        "can_manage": can_manage_programs(viewer),
        "nav": "connect",
    }
    return render(request, "connect/home.html", context)


def _card(request: HttpRequest, program_id: int) -> selectors.ProgramCard:
    card = selectors.program_for_viewer(_viewer(request), program_id)
    if card is None:
        raise Http404(_("No such program"))
    return card


def program_detail(request: HttpRequest, program_id: int) -> HttpResponse:
    viewer = _viewer(request)
    card = _card(request, program_id)
    history = [m for m in selectors.matches_for_viewer(viewer) if m.match.program_id == program_id]
    context = {
        "card": card,
        "program": card.program,
        "history": history,
        "pause_form": PauseForm(),
        "mentoring_form": MentoringJoinForm(
            initial={
                "role": card.standing.role or "mentee",
                "topics": ", ".join(card.standing.topics),
                "capacity": card.standing.capacity or 1,
            }
        ),
        "can_take_part": can_take_part(viewer),
        "can_manage": can_manage_programs(viewer),
        "weekday_name": dict(WEEKDAYS)[card.program.weekday],
        "nav": "connect",
    }
    return render(request, "connect/program.html", context)


@require_POST
def program_action(request: HttpRequest, program_id: int, action: str) -> HttpResponse:
    person = _me(request, _("Only colleagues in the directory can take part."))
    program = _card(request, program_id).program
    try:
        if action == "join":
            _join(request, program, person)
            flash.success(
                request,
                _("You are in %(name)s. Your first intro comes soon.") % {"name": program.name},
            )
        elif action == "leave":
            services.participation_leave(program=program, person=person)
            flash.success(
                request,
                _("You have left %(name)s. No more intros from it.") % {"name": program.name},
            )
        elif action == "pause":
            form = PauseForm(request.POST)
            if not form.is_valid():
                raise ValidationError([str(e) for e in form.errors["until"]])
            until = form.cleaned_data["until"]
            services.participation_pause(program=program, person=person, until=until)
            flash.success(
                request,
                _("Paused until %(day)s. Enjoy the breather.")
                % {"day": date_format(until, "j F Y")},
            )
        elif action == "resume":
            services.participation_resume(program=program, person=person)
            flash.success(request, _("Welcome back: you will be in the next round."))
        else:
            raise Http404(_("No such action"))
    except ValidationError as exc:
        flash.error(request, _error_text(exc))
    return redirect("connect:program", program.pk)


def _join(request: HttpRequest, program: Program, person: Person) -> None:
    if program.kind != Program.Kind.MENTORING:
        services.participation_join(program=program, person=person)
        return
    form = MentoringJoinForm(request.POST)
    if not form.is_valid():
        raise ValidationError(
            [f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items()]
        )
    data = form.cleaned_data
    services.participation_join(
        program=program,
        person=person,
        role=data["role"],
        capacity=data.get("capacity") or 0,
        topics=data["topics"],
    )


def match_detail(request: HttpRequest, match_id: int) -> HttpResponse:
    view = selectors.match_for_viewer(_viewer(request), match_id)
    if view is None:
        raise Http404(_("No such match"))
    times = [
        messages.local_slot(t, view.match.program.meeting_minutes, view.me.person)
        for t in view.suggested_times
    ]
    return render(request, "connect/match.html", {"view": view, "times": times, "nav": "connect"})


@require_POST
def match_answer(request: HttpRequest, match_id: int) -> HttpResponse:
    view = selectors.match_for_viewer(_viewer(request), match_id)
    if view is None:
        raise Http404(_("No such match"))
    answer = request.POST.get("answer", "")
    try:
        if answer in ("met", "not_met"):
            services.match_answer_follow_up(member=view.me, met=answer == "met")
            flash.success(request, _("Thank you! That helps the next round."))
        elif answer in ("accept", "decline"):
            services.match_confirm(member=view.me, accept=answer == "accept")
            flash.success(
                request,
                _("Thanks, we have let them know.")
                if answer == "accept"
                else _("Understood: we will find another match."),
            )
        else:
            flash.error(request, _("answer: choose one of the answers."))
    except ValidationError as exc:
        flash.error(request, _error_text(exc))
    return redirect("connect:match", match_id)


def match_invite(request: HttpRequest, match_id: int, index: int) -> HttpResponse:
    view = selectors.match_for_viewer(_viewer(request), match_id)
    if view is None or not 0 <= index < len(view.suggested_times):
        raise Http404(_("No such invite"))
    attachment = messages.invite_for(
        program=view.match.program,
        reader=view.me.person,
        people=[view.me.person, *view.others],
        start=view.suggested_times[index],
        match_id=view.match.pk,
        explanation=view.match.explanation,
        location=view.match.meet_in_person_city,
    )
    response = HttpResponse(attachment.content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="kith-match-{match_id}-{index + 1}.ics"'
    )
    return response


@require_http_methods(["GET", "POST"])
def do_not_pair(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    me = _me(request, _("Only colleagues in the directory have a do-not-pair list."))
    form = DoNotPairForm(request.POST or None)
    if request.method == "POST" and "remove" in request.POST:
        raw = request.POST.get("remove", "")
        if re.fullmatch(r"[0-9]{1,18}", raw):
            services.do_not_pair_remove(person=me, other_id=int(raw))
            flash.success(request, _("Removed from your list."))
        return redirect("connect:do_not_pair")
    if request.method == "POST" and form.is_valid():
        other = Person.objects.filter(
            email__iexact=form.cleaned_data["email"], is_active=True
        ).first()
        if other is None:
            form.add_error("email", _("Nobody in the directory has that work email."))
        else:
            try:
                services.do_not_pair_add(person=me, other=other)
            except ValidationError as exc:
                form.add_error("email", _error_text(exc))
            else:
                flash.success(
                    request,
                    _("Kith will never match you with %(name)s.") % {"name": other.display_name},
                )
                return redirect("connect:do_not_pair")
    context = {"form": form, "people": selectors.do_not_pair_for_viewer(viewer), "nav": "connect"}
    return render(request, "connect/do_not_pair.html", context)


# --- Administration -----------------------------------------------------------------------------


def _require_manager(request: HttpRequest) -> Viewer:
    viewer = _viewer(request)
    require(can_manage_programs(viewer), _("Only HR admins manage matching programs."))
    return viewer


def _program_or_404(program_id: int) -> Program:
    if not 0 < program_id <= selectors.MAX_ID:
        raise Http404(_("No such program"))
    return get_object_or_404(Program, pk=program_id)


def manage(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    cards = selectors.programs_to_manage()
    return render(request, "connect/manage.html", {"cards": cards, "nav": "connect"})


@require_http_methods(["GET", "POST"])
def program_edit(request: HttpRequest, program_id: int | None = None) -> HttpResponse:
    viewer = _require_manager(request)
    program = _program_or_404(program_id) if program_id else None
    form = ProgramForm(request.POST or None, instance=program)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.program_save(
                program=program,
                fields=form.program_fields(),
                org_units=list(form.cleaned_data.get("org_units") or []),
                actor=viewer.user,  # type: ignore[arg-type]  # HR is signed in
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            flash.success(request, _("%(name)s is saved.") % {"name": saved.name})
            return redirect("connect:preview", saved.pk)
    return render(
        request, "connect/program_edit.html", {"form": form, "program": program, "nav": "connect"}
    )


@require_http_methods(["GET", "POST"])
def preview(request: HttpRequest, program_id: int) -> HttpResponse:
    """The next round as it would be drawn now: ready at once when this state of the program
    was planned before, else prepared (a large round in the background, with progress)."""
    viewer = _require_manager(request)
    program = _program_or_404(program_id)
    date = selectors.next_round_date(program)
    if request.method == "POST":  # "prepare again"
        previews.forget(program, date)
        return redirect("connect:preview", program.pk)
    entry = previews.preview_entry(program, date)
    page = previews.page_of(entry) if entry["status"] == previews.READY else None
    if page is not None:
        audit.record(
            actor=viewer.user, action="connect.round_previewed", target=f"program:{program.pk}"
        )
    context = {
        "program": program,
        "date": date,
        "page": page,
        "failed": entry["status"] == previews.FAILED,
        "candidates": previews.candidate_estimate(program) if page is None else 0,
        "last_seconds": previews.last_seconds(program),
        "nav": "connect",
    }
    return render(request, "connect/preview.html", context)


@require_http_methods(["GET", "POST"])
def draw(request: HttpRequest, program_id: int) -> HttpResponse:
    """Drawing is final: GET asks for confirmation (who, which round, what is sent), POST
    draws. The form names the round it draws, so a second click, a resubmitted form or the
    browser's Back can never draw the round after it."""
    _require_manager(request)
    program = _program_or_404(program_id)
    source = request.POST if request.method == "POST" else request.GET
    posted = _posted_date(source.get("date", ""))
    existing = program.rounds.filter(scheduled_for=posted).first() if posted else None
    if existing is not None:
        return _already_drawn(request, existing)
    date = selectors.next_round_date(program)
    if posted != date:
        return _not_the_next_round(request, program, posted)
    if request.method == "GET":
        return _confirm_draw(request, program, date)
    try:
        drawn = rounds.round_run(program=program, round_date=date)
    except rounds.RoundAlreadyDrawn as exc:  # a double click: the other request drew it
        return _already_drawn(request, exc.existing)
    except rounds.RoundPaused as exc:
        flash.error(request, _("%(reason)s Nothing was sent.") % {"reason": exc})
        return redirect("connect:preview", program.pk)
    flash.success(
        request,
        ngettext(
            "Round of %(date)s drawn: %(n)d match. Intros go out at %(hour)d:00 in each "
            "person's time zone.",
            "Round of %(date)s drawn: %(n)d matches. Intros go out at %(hour)d:00 in each "
            "person's time zone.",
            drawn.stats["groups"],
        )
        % {
            "date": date_format(date, "j F"),
            "n": drawn.stats["groups"],
            "hour": program.local_hour,
        },
    )
    return redirect("connect:stats", program.pk)


def _confirm_draw(request: HttpRequest, program: Program, date: dt.date) -> HttpResponse:
    entry = previews.preview_entry(program, date)
    if entry["status"] != previews.READY:
        flash.info(request, _("The preview is still being prepared: check it, then draw."))
        return redirect("connect:preview", program.pk)
    context = {
        "program": program,
        "date": date,
        "page": previews.page_of(entry),
        "nav": "connect",
    }
    return render(request, "connect/draw_confirm.html", context)


def _already_drawn(request: HttpRequest, existing: Round) -> HttpResponse:
    flash.info(
        request,
        _("The round of %(date)s was already drawn (%(when)s): nothing was drawn or sent again.")
        % {
            "date": date_format(existing.scheduled_for, "j F Y"),
            "when": date_format(timezone.localtime(existing.ran_at), "j F, H:i"),
        },
    )
    return redirect("connect:stats", existing.program_id)


def _not_the_next_round(
    request: HttpRequest, program: Program, posted: dt.date | None
) -> HttpResponse:
    if posted is not None:
        try:  # a wellness week planned since the preview: say so, not "drawn meanwhile"
            rounds.refuse_if_paused(program, posted)
        except rounds.RoundPaused as exc:
            flash.error(
                request,
                _("%(reason)s Nothing was sent. Here is the next round: check it.")
                % {"reason": exc},
            )
            return redirect("connect:preview", program.pk)
    flash.error(request, _("That is not the next round any more. Here is the next one: check it."))
    return redirect("connect:preview", program.pk)


def _posted_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def stats(request: HttpRequest, program_id: int) -> HttpResponse:
    viewer = _require_manager(request)
    program = _program_or_404(program_id)
    rows = selectors.program_stats_for_viewer(viewer, program)
    audit.record(actor=viewer.user, action="connect.stats_viewed", target=f"program:{program.pk}")
    context = {
        "program": program,
        "rows": rows,
        "charts": round_charts(rows),
        "next_round": selectors.next_round_date(program),
        "nav": "connect",
    }
    return render(request, "connect/stats.html", context)
