"""A town hall's questions on the event page: asking, voting, withdrawing, moderating, the
list that refreshes itself during the event (htmx), and the notes afterwards.

Named and anonymous questions are posted to the same address with the same fields, and the
answer to either is the same redirect: neither Kith nor a web server's access log can tell
them apart. Asking leaves nothing in the session or in a flash message either.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from kith.core.http import error_text
from kith.core.http import viewer_of as _viewer
from kith.events import town_hall_selectors as th_selectors
from kith.events import town_hall_services as th_services
from kith.events.forms import ANONYMOUS_NOTICE, HideForm, NotesForm, QuestionForm
from kith.events.selectors import EventCard

LIST_TEMPLATE = "events/_town_hall.html#question-list"
NAV = "events"


def questions_context(
    request: HttpRequest,
    event_id: int,
    *,
    form: QuestionForm | None = None,
    card: EventCard | None = None,
) -> dict[str, Any]:
    """What the event page needs for its Questions section (empty for other events); `card`
    is the event as the page read it for this viewer."""
    view = request.GET.get("questions", th_selectors.OPEN)
    page = th_selectors.questions_for_viewer(_viewer(request), event_id, view=view, card=card)
    if page is None:
        return {}
    return {
        "qp": page,
        "question_form": form or QuestionForm(),
        "anonymous_notice": ANONYMOUS_NOTICE,
        "just_asked": request.GET.get("asked") == "1" and form is None,
    }


def _back(event_id: int, view: str = "", **query: str) -> HttpResponse:
    """The event page at its Questions section (in the list `view`, when it is one)."""
    params = {"questions": view} if view in th_selectors.MODERATOR_VIEWS[1:] else {}
    params.update(query)
    url = reverse("events:event", args=[event_id])
    if params:
        url += "?" + urlencode(params)
    return redirect(url + "#questions")


def _list(request: HttpRequest, event_id: int, view: str, error: str = "") -> HttpResponse:
    page = th_selectors.questions_for_viewer(_viewer(request), event_id, view=view)
    if page is None:
        raise Http404("No such town hall")
    context = {"qp": page, "event": page.access.event, "list_error": error}
    return render(request, LIST_TEMPLATE, context)


def _done(request: HttpRequest, event_id: int, error: str = "") -> HttpResponse:
    """After a vote or a moderator's action: the fresh list for htmx, else the page."""
    view = request.POST.get("view", th_selectors.OPEN)
    if request.htmx:  # type: ignore[attr-defined]
        return _list(request, event_id, view, error)
    if error:
        flash.error(request, error)
    return _back(event_id, view)


@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
def questions(request: HttpRequest, event_id: int) -> HttpResponse:
    """GET: the list (what the page polls). POST: ask a question."""
    if th_selectors.town_hall_access(_viewer(request), event_id) is None:
        raise Http404("No such town hall")
    if request.method == "GET":
        view = request.GET.get("view", th_selectors.OPEN)
        if request.htmx:  # type: ignore[attr-defined]
            return _list(request, event_id, view)
        return _back(event_id, view)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            th_services.question_ask(
                viewer=_viewer(request),
                event_id=event_id,
                text=form.cleaned_data["text"],
                anonymous=form.anonymous,
            )
        except th_services.NoSuchTownHall as exc:
            raise Http404("No such town hall") from exc
        except ValidationError as exc:
            _errors_onto(form, exc, aliases={"anonymous": "asker"})
        else:
            # The same answer for named and anonymous questions, and nothing stored.
            return _back(event_id, asked="1")
    from kith.events.views import render_event_page

    return render_event_page(request, event_id, question_form=form)


def _errors_onto(
    form: forms.Form, exc: ValidationError, aliases: dict[str, str] | None = None
) -> None:
    """A service's refusal onto the form, each message on its field (`aliases`: the form's
    name for a service's field)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            field = (aliases or {}).get(name, name)
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        form.add_error(None, error_text(exc))


@require_POST
def vote(request: HttpRequest, event_id: int, question_id: uuid.UUID) -> HttpResponse:
    choice = request.POST.get("vote", "")
    if choice not in ("up", "withdraw"):
        return _done(request, event_id, "Choose to vote or to take your vote back.")
    return _act(
        request,
        event_id,
        lambda viewer: th_services.question_vote(
            viewer=viewer, event_id=event_id, question_id=question_id, up=choice == "up"
        ),
    )


@require_POST
def withdraw(request: HttpRequest, event_id: int, question_id: uuid.UUID) -> HttpResponse:
    return _act(
        request,
        event_id,
        lambda viewer: th_services.question_withdraw(
            viewer=viewer, event_id=event_id, question_id=question_id
        ),
        done="Your question is withdrawn.",
    )


@require_POST
def moderate(request: HttpRequest, event_id: int, question_id: uuid.UUID) -> HttpResponse:
    action = request.POST.get("action", "")
    if action == "show":
        return _act(
            request,
            event_id,
            lambda v: th_services.question_approve(
                viewer=v, event_id=event_id, question_id=question_id
            ),
        )
    if action in ("answered", "unanswered"):
        return _act(
            request,
            event_id,
            lambda v: th_services.question_mark_answered(
                viewer=v, event_id=event_id, question_id=question_id, answered=action == "answered"
            ),
        )
    if action == "hide":
        form = HideForm(request.POST)
        if not form.is_valid():
            return _done(request, event_id, "Say why you hide it, for the other moderators.")
        reason = form.cleaned_data["reason"]
        return _act(
            request,
            event_id,
            lambda v: th_services.question_hide(
                viewer=v, event_id=event_id, question_id=question_id, reason=reason
            ),
        )
    return _done(request, event_id, "Choose show, hide, answered or not answered.")


def _act(request: HttpRequest, event_id: int, action: Any, done: str = "") -> HttpResponse:
    """Run one service for the viewer; 404 when the town hall or question is not theirs to
    see, 403 when they may not, the reason in the list (or a flash) when it does not fit."""
    try:
        action(_viewer(request))
    except th_services.NoSuchTownHall as exc:
        raise Http404("No such question") from exc
    except ValidationError as exc:
        return _done(request, event_id, error_text(exc))
    if done and not request.htmx:  # type: ignore[attr-defined]
        flash.success(request, done)
    return _done(request, event_id)


@require_POST
def settings(request: HttpRequest, event_id: int) -> HttpResponse:
    """Moderators: do new questions wait for approval?"""
    choice = request.POST.get("approval", "")
    if choice not in ("needed", "not_needed"):
        flash.error(request, _("Choose whether new questions wait for approval."))
        return _back(event_id)
    try:
        th_services.town_hall_settings_update(
            viewer=_viewer(request), event_id=event_id, approval_needed=choice == "needed"
        )
    except th_services.NoSuchTownHall as exc:
        raise Http404("No such town hall") from exc
    flash.success(
        request,
        _("New questions now wait for a moderator's approval.")
        if choice == "needed"
        else "New questions now show straight away.",
    )
    return _back(event_id)


@require_http_methods(["GET", "POST"])
def notes(request: HttpRequest, event_id: int) -> HttpResponse:
    """The organisers' notes afterwards."""
    access = th_selectors.town_hall_access(_viewer(request), event_id)
    if access is None or not access.organiser:
        raise Http404("No such town hall")
    form = NotesForm(request.POST or None, initial={"notes": access.settings.notes})
    if request.method == "POST" and form.is_valid():
        try:
            th_services.town_hall_notes_publish(
                viewer=_viewer(request), event_id=event_id, notes=form.cleaned_data["notes"]
            )
        except ValidationError as exc:
            _errors_onto(form, exc)
        else:
            flash.success(request, _("The notes are up. Thank you for writing them!"))
            return redirect(reverse("events:event", args=[event_id]) + "#notes")
    context = {"access": access, "event": access.event, "form": form, "nav": NAV}
    return render(request, "events/town_hall_notes.html", context)
