from __future__ import annotations

import logging
import re

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from kith.core.http import error_text as _error_text
from kith.core.http import viewer_of as _viewer
from kith.core.permissions import can_rsvp, require
from kith.directory.models import Person
from kith.events import messages, selectors, services
from kith.events.forms import EventForm, InviteForm, QuestionForm, initial_for
from kith.events.models import Event, Rsvp
from kith.events.town_hall_views import questions_context

NAV = "events"
log = logging.getLogger(__name__)
_ID = re.compile(r"[0-9]{1,18}")


def _me(request: HttpRequest) -> Person:
    viewer = _viewer(request)
    require(can_rsvp(viewer), _("Only colleagues in the directory take part in events."))
    assert viewer.person is not None
    return viewer.person


def _card(request: HttpRequest, event_id: int) -> selectors.EventCard:
    card = selectors.card_for_viewer(_viewer(request), event_id)
    if card is None:
        raise Http404("No such event")
    return card


def home(request: HttpRequest) -> HttpResponse:
    view = selectors.events_home_for_viewer(_viewer(request))
    return render(request, "events/home.html", {"view": view, "nav": NAV})


def event_detail(request: HttpRequest, event_id: int) -> HttpResponse:
    return render_event_page(request, event_id)


def render_event_page(
    request: HttpRequest, event_id: int, *, question_form: QuestionForm | None = None
) -> HttpResponse:
    """The event page; a town hall's has its Questions section (with a question form that
    did not validate, when asking failed)."""
    page = selectors.event_page_for_viewer(_viewer(request), event_id)
    if page is None:
        raise Http404("No such event")
    context = {
        "page": page,
        "card": page.card,
        "event": page.card.event,
        "when_here": messages.when_for(page.card.event, _viewer(request).person),
        "nav": NAV,
    }
    if page.card.event.kind == Event.Kind.TOWN_HALL:
        context.update(questions_context(request, event_id, form=question_form, card=page.card))
    return render(request, "events/event.html", context)


@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, event_id: int | None = None) -> HttpResponse:
    viewer = _viewer(request)
    event: Event | None = None
    facts = selectors.facts_for(viewer)
    choices = selectors.host_choices_for_viewer(viewer, facts=facts)
    if event_id is not None:
        card = selectors.card_for_viewer(viewer, event_id, facts=facts)
        if card is None:
            raise Http404("No such event")
        require(card.organiser, _("Only the event's organisers can change it."))
        event = card.event
        initial = initial_for(event)
        if not any(value == initial["host"] for value, _ in choices):
            choices = [(initial["host"], _host_label(event)), *choices]
    else:
        initial = {"host": choices[0][0] if choices else ""}
        require(bool(choices), _("Community leaders, managers, ambassadors and HR create events."))
    form = EventForm(
        request.POST or None, initial=initial, host_choices=choices, may_record_past=viewer.is_hr
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.event_save(viewer=viewer, event=event, data=form.to_input())
        except ValidationError as exc:
            _errors_onto(form, exc)
        else:
            if event is None and saved.invite_only:
                flash.success(request, _("Your event is up. Now invite the people it is for."))
                return redirect("events:invitations", saved.pk)
            flash.success(request, _("Event saved.") if event else "Your event is up. Share it!")
            return redirect("events:event", saved.pk)
    context = {"form": form, "event": event, "nav": NAV}
    return render(request, "events/event_form.html", context, status=200)


def _host_label(event: Event) -> str:
    if event.community_id and event.community:
        return _("Community: %(name)s") % {"name": event.community.name}
    if event.org_unit_id and event.org_unit:
        return _("Team: %(name)s") % {"name": event.org_unit.name}
    return event.get_host_display()


def _errors_onto(form: EventForm, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, _error_text(exc))
        return
    for field, errors in exc.message_dict.items():
        target = field if field in form.fields else None
        for message in errors:
            form.add_error(target, message)


@require_POST
def rsvp(request: HttpRequest, event_id: int) -> HttpResponse:
    card = _card(request, event_id)
    answer = request.POST.get("answer", "")
    if answer not in ("going", "not_going"):
        flash.error(request, _("Choose going or not going."))
        return redirect("events:event", event_id)
    try:
        result = services.rsvp_for_viewer_act(
            viewer=_viewer(request), event=card.event, going=answer == "going"
        )
    except ValidationError as exc:
        flash.error(request, _error_text(exc))
        return redirect("events:event", event_id)
    if result is not None and result.status == Rsvp.Status.WAITLISTED:
        flash.success(
            request,
            _("It is full, so you are on the waitlist. We will tell you if a place frees up."),
        )
    elif answer == "going":
        flash.success(request, _("You are going! The invite is in your inbox."))
    else:
        flash.success(request, _("Thanks for letting us know: your place goes to the next person."))
    return redirect("events:event", event_id)


def invite(request: HttpRequest, event_id: int) -> HttpResponse:
    card = _card(request, event_id)
    if not card.takes_part:  # HR, seeing an invitation-only event as counts
        raise Http404("No such event")
    person = _me(request)
    if not messages.fits_a_calendar(card.event):
        log.warning("no calendar file for event %s: its times are out of range", event_id)
        return HttpResponse(
            _(
                "This event's dates are outside what a calendar can hold, so there is no "
                "calendar file for it. Its organisers can correct them on the event's page."
            ),
            status=409,
            content_type="text/plain; charset=utf-8",
        )
    content = messages.invite_for(
        card.event, person, waitlisted=card.my_status == Rsvp.Status.WAITLISTED
    )
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kith-event-{event_id}.ics"'
    return response


@require_POST
def check_in(request: HttpRequest, event_id: int) -> HttpResponse:
    card = _card(request, event_id)
    try:
        services.check_in_self(event=card.event, person=_me(request))
        flash.success(request, _("You are checked in. Enjoy!"))
    except ValidationError as exc:
        flash.error(request, _error_text(exc))
    return redirect("events:event", event_id)


@require_http_methods(["GET", "POST"])
def attendance(request: HttpRequest, event_id: int) -> HttpResponse:
    found = selectors.attendance_for_viewer(_viewer(request), event_id)
    if found is None:
        raise Http404("No such event")
    card, rows = found
    if request.method == "POST":
        ids = {int(v) for v in request.POST.getlist("came") if _ID.fullmatch(v)}
        try:
            services.check_in_mark(event=card.event, person_ids=ids, actor=_viewer(request))
            flash.success(request, _("Attendance saved: %(n)d came.") % {"n": len(ids)})
            return redirect("events:attendance", event_id)
        except ValidationError as exc:
            flash.error(request, _error_text(exc))
    context = {"card": card, "event": card.event, "rows": rows, "nav": NAV}
    return render(request, "events/attendance.html", context)


@require_http_methods(["GET", "POST"])
def invitations(request: HttpRequest, event_id: int) -> HttpResponse:
    """An invitation-only event's list, for its organiser: invite people by their work
    email, or take someone off the list."""
    viewer = _viewer(request)
    page = selectors.invitations_for_viewer(viewer, event_id)
    if page is None:
        raise Http404("No such event")
    event = page.card.event
    form = InviteForm(request.POST if request.POST.get("action") == "invite" else None)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "invite" and form.is_valid():
                added = services.event_invite(
                    viewer=viewer, event=event, person_ids=set(form.cleaned_data["emails"])
                )
                flash.success(
                    request,
                    ngettext(
                        "Invited %(n)d person; Kith lets them know.",
                        "Invited %(n)d people; Kith lets them know.",
                        len(added),
                    )
                    % {"n": len(added)}
                    if added
                    else _("They were all invited already."),
                )
                return redirect("events:invitations", event_id)
            if action == "remove":
                raw = request.POST.get("person", "")
                pk = int(raw) if _ID.fullmatch(raw) else 0
                if services.event_uninvite(viewer=viewer, event=event, person_id=pk):
                    flash.success(
                        request, _("Taken off the list. If they had a place, it is freed.")
                    )
                else:
                    flash.error(request, _("That person is not on the list."))
                return redirect("events:invitations", event_id)
            if action not in ("invite", "remove"):
                flash.error(request, _("Choose to invite people or to take someone off the list."))
                return redirect("events:invitations", event_id)
        except PermissionDenied as exc:
            flash.error(request, str(exc))
            return redirect("events:invitations", event_id)
        except ValidationError as exc:
            if form.is_bound:
                for message in exc.messages:  # about the people given (services.event_invite)
                    form.add_error("emails", message)
            else:
                flash.error(request, _error_text(exc))
                return redirect("events:invitations", event_id)
    context = {"page": page, "card": page.card, "event": event, "form": form, "nav": NAV}
    return render(request, "events/invitations.html", context)


@require_http_methods(["GET", "POST"])
def met(request: HttpRequest, event_id: int) -> HttpResponse:
    page = selectors.met_page_for_viewer(_viewer(request), event_id)
    if page is None:
        raise Http404("No such event")
    if request.method == "POST":
        ids = {int(v) for v in request.POST.getlist("met") if _ID.fullmatch(v)}
        try:
            count = services.met_record(event=page.card.event, person=_me(request), other_ids=ids)
            flash.success(
                request,
                ngettext(
                    "Saved: you met %(n)d person. Only you see who.",
                    "Saved: you met %(n)d people. Only you see who.",
                    count,
                )
                % {"n": count}
                if count
                else _("Saved. Maybe next time!"),
            )
            return redirect("events:event", event_id)
        except ValidationError as exc:
            flash.error(request, _error_text(exc))
    context = {"page": page, "card": page.card, "event": page.card.event, "nav": NAV}
    return render(request, "events/met.html", context)


@require_http_methods(["GET", "POST"])
def feed(request: HttpRequest) -> HttpResponse:
    person = _me(request)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "regenerate":
            services.feed_token_regenerate(person=person)
            flash.success(request, _("Here is your new feed address. The old one no longer works."))
        elif action == "revoke":
            services.feed_token_revoke(person=person)
            flash.success(request, _("Your feed address is switched off."))
        else:
            flash.error(request, _("Choose to create a new address or switch it off."))
        return redirect("events:feed")
    token = selectors.active_feed_token(person)
    url = messages.absolute(reverse("events:feed_ics", args=[token.token])) if token else ""
    context = {"token": token, "feed_url": url, "nav": NAV}
    return render(request, "events/feed.html", context)


@login_not_required
def feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The calendar feed calendar apps poll, with no login: the secret token is the key.
    The token is never logged: a wrong one answers a 404 marked as already logged, so
    Django's request logger does not write the path (docs/events.md)."""
    rsvps = selectors.feed_rsvps_for_token(token)
    if rsvps is None:
        response = HttpResponse(
            _("This calendar feed address is not valid (any more)."),
            status=404,
            content_type="text/plain; charset=utf-8",
        )
        response._has_been_logged = True  # type: ignore[attr-defined]  # keeps the token out
        return response
    try:
        content = messages.feed_for(rsvps)
    except Exception:
        # feed_for leaves out any event it cannot write; this is a bug beyond that. Logged
        # without the path (it holds the token) and answered without Django's request log.
        log.exception("calendar feed of person %s failed", rsvps[0].person_id if rsvps else "-")
        response = HttpResponse(
            _("This calendar feed cannot be shown just now."),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response._has_been_logged = True  # type: ignore[attr-defined]  # keeps the token out
        return response
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=900"
    response["Referrer-Policy"] = "no-referrer"
    return response
