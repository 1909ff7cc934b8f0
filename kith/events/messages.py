"""What Events says to people, and the calendar files it hands out.

Each message is written for one reader, with the time in their own zone and in the
event's zone when those differ. Invitations and feeds carry the event's IANA zone
(TZID + VTIMEZONE), so calendar apps show the wall time the organiser meant.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kith.directory.models import Person
from kith.events.engine.times import reminder_due
from kith.events.models import Event, Rsvp
from kith.notify.engine.calendar import (
    CalendarEvent,
    calendar_feed_ics,
    invite_ics,
    require_calendar_times,
)
from kith.notify.models import Notification
from kith.notify.services import Attachment, delivery_time, in_language_of, notification_send

log = logging.getLogger(__name__)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or settings.TIME_ZONE)
    except (KeyError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def absolute(path: str) -> str:
    return str(settings.KITH_BASE_URL).rstrip("/") + path


def event_path(event: Event) -> str:
    return reverse("events:event", args=[event.pk])


def when_for(event: Event, reader: Person | None) -> str:
    """ "Thu 4 Jun, 18:00–20:00 (your time)", plus the local time where it happens when
    the reader's zone differs."""
    own = _zone(reader.timezone if reader else "")
    there = _zone(event.timezone)
    text = _span(event, own)
    if own.key != there.key:
        text += _(" your time · %(span)s in %(zone)s") % {
            "span": _span(event, there),
            "zone": there.key,
        }
    return text


def _span(event: Event, zone: ZoneInfo) -> str:
    start, end = event.starts_at.astimezone(zone), event.ends_at.astimezone(zone)
    # Django's formats, so day and month names follow the active language (the reader's).
    if start.date() == end.date():
        return f"{date_format(start, 'D j M, H:i')}–{date_format(end, 'H:i')}"
    return f"{date_format(start, 'D j M H:i')} – {date_format(end, 'D j M H:i')}"


def where_for(event: Event) -> str:
    bits = []
    if event.has_place and event.place:
        bits.append(event.place)
    if event.has_link and event.link:
        bits.append(_("online: %(link)s") % {"link": event.link})
    return " · ".join(bits)


def invite_for(
    event: Event, person: Person, *, waitlisted: bool = False, cancel: bool = False
) -> bytes:
    """The .ics invitation for one person (REQUEST; a waitlist place is tentative), or its
    withdrawal (CANCEL, one sequence on, for someone taken off an invitation-only event)."""
    summary = _("Waitlisted: %(title)s") % {"title": event.title} if waitlisted else event.title
    organiser = event.created_by
    return invite_ics(
        method="CANCEL" if cancel else "REQUEST",
        uid=_uid(event),
        start=event.starts_at,
        duration=event.ends_at - event.starts_at,
        summary=summary,
        description=_description(event, waitlisted=waitlisted),
        organizer_email=parseaddr(str(settings.DEFAULT_FROM_EMAIL))[1] or "kith@localhost",
        organizer_name=organiser.display_name if organiser else "",
        attendees=[(person.display_name, person.email)],
        location=_location(event),
        url=absolute(event_path(event)),
        tzid=event.timezone,
        alarms_minutes=60,
        sequence=event.sequence + 1 if cancel else event.sequence,
    )


def fits_a_calendar(event: Event) -> bool:
    """Whether the event's stored times can be written to a calendar file. Always so for
    events saved through `event_save`; a row stored before its date limits, or written
    around it, may not be (docs/events.md)."""
    try:
        require_calendar_times(event.starts_at, event.ends_at)
    except ValueError:
        return False
    return True


def feed_for(rsvps: Sequence[Rsvp]) -> bytes:
    """The personal feed. An event that cannot be written is left out and logged by its id
    (never the feed's address, which holds the token): one bad row must not break the feed.
    Written in its owner's language: the calendar app that polls it has no say."""
    if rsvps:
        with in_language_of(rsvps[0].person):
            return _feed(rsvps)
    return _feed(rsvps)


def _feed(rsvps: Sequence[Rsvp]) -> bytes:
    events = []
    for rsvp in rsvps:
        try:
            events.append(_feed_entry(rsvp))
        except (ValueError, OverflowError) as exc:
            log.warning("calendar feed left out event %s: %s", rsvp.event_id, exc)
    return calendar_feed_ics(name=f"{settings.KITH_ORG_NAME} events", events=events)


def _feed_entry(rsvp: Rsvp) -> CalendarEvent:
    event, waitlisted = rsvp.event, rsvp.status == Rsvp.Status.WAITLISTED
    return CalendarEvent(
        uid=_uid(event),
        start=event.starts_at,
        end=event.ends_at,
        summary=_("Waitlisted: %(title)s") % {"title": event.title} if waitlisted else event.title,
        description=_description(event, waitlisted=waitlisted),
        location=_location(event),
        url=absolute(event_path(event)),
        tzid=event.timezone,
    )


def _uid(event: Event) -> str:
    return f"kith-event-{event.pk}@{settings.KITH_ORG_NAME.replace(' ', '-').lower()}"


def _location(event: Event) -> str:
    if event.has_place and event.place:
        return event.place
    return event.link if event.has_link else ""


def _description(event: Event, *, waitlisted: bool) -> str:
    lines = []
    if waitlisted:
        lines.append(_("You are on the waitlist: Kith tells you as soon as a place is free."))
    if event.description:
        lines.append(event.description)
    if event.has_link and event.link:
        lines.append(_("Join online: %(link)s") % {"link": event.link})
    lines.append(_("Details and your RSVP: %(url)s") % {"url": absolute(event_path(event))})
    return "\n\n".join(lines)


def rsvp_tell(*, rsvp_id: int, what: str) -> None:
    """Confirm an RSVP (going / waitlisted), or tell someone the waitlist let them in. Runs
    inside the RSVP's transaction, so the message is written with the place or not at all
    (the email itself is queued when that transaction commits)."""
    rsvp = Rsvp.objects.select_related("event", "person", "event__office").get(pk=rsvp_id)
    with in_language_of(rsvp.person):
        _rsvp_tell(rsvp, what)


def _rsvp_tell(rsvp: Rsvp, what: str) -> None:
    event, person = rsvp.event, rsvp.person
    facts = {"title": event.title, "when": when_for(event, person), "where": where_for(event)}
    if what == "waitlisted":
        subject = _("You are on the waitlist for %(title)s") % facts
        body = (
            _(
                "%(title)s is full, so you are on its waitlist. If someone cancels, the first on "
                "the list gets their place and Kith tells you straight away.\n\nWhen: %(when)s"
            )
            % facts
        )
    else:
        lead = (
            _("Good news: a place came free and it is yours.")
            if what == "promoted"
            else _("You are going. See you there!")
        )
        subject = (
            _("A place came free: you are going to %(title)s") % facts
            if what == "promoted"
            else _("You are going to %(title)s") % facts
        )
        body = _(
            "%(lead)s\n\nWhen: %(when)s\nWhere: %(where)s\n\nCan't make it after all? "
            "Cancel on the event page so someone on the waitlist can go."
        ) % {**facts, "lead": lead}
    notification_send(
        person=person,
        subject=subject,
        body=body,
        url=event_path(event),
        kind=f"events.{what}",
        attachments=_invite_attachments(event, person, waitlisted=what == "waitlisted"),
    )


def _invite_attachments(event: Event, person: Person, *, waitlisted: bool) -> list[Attachment]:
    """The .ics invitation, or none for an event whose stored times no calendar holds (the
    message still goes: someone promoted on such an event should hear of it)."""
    if not fits_a_calendar(event):
        log.warning("no calendar invitation for event %s: its times are out of range", event.pk)
        return []
    invite = invite_for(event, person, waitlisted=waitlisted)
    return [Attachment(f"kith-event-{event.pk}.ics", "text/calendar", invite.decode("utf-8"))]


def invitation_tell(*, event: Event, person: Person, by: Person | None) -> None:
    """Someone was put on an invitation-only event's list: what, when, and where to answer."""
    with in_language_of(person):
        _invitation_tell(event, person, by)


def _invitation_tell(event: Event, person: Person, by: Person | None) -> None:
    facts = {
        "who": by.display_name if by is not None else _("The organiser"),
        "title": event.title,
        "when": when_for(event, person),
        "where": where_for(event),
    }
    notification_send(
        person=person,
        subject=(_("You are invited: %(title)s") % facts)[:200],
        body=_(
            "%(who)s invited you to %(title)s.\n\nWhen: %(when)s\nWhere: %(where)s\n\nIt is by "
            "invitation: only the people invited and its organiser see it. Going is up to you: "
            "answer on the event page."
        )
        % facts,
        url=event_path(event),
        kind="events.invited",
    )


def uninvited_tell(*, event: Event, person: Person) -> None:
    """Someone with a place (or a waitlist place) was taken off an invitation-only event's
    list: their place is gone, and the calendar entry is withdrawn."""
    with in_language_of(person):
        _uninvited_tell(event, person)


def _uninvited_tell(event: Event, person: Person) -> None:
    attachments = []
    if fits_a_calendar(event):
        cancel = invite_for(event, person, cancel=True)
        attachments.append(
            Attachment(f"kith-event-{event.pk}.ics", "text/calendar", cancel.decode("utf-8"))
        )
    notification_send(
        person=person,
        subject=(_("You are no longer invited to %(title)s") % {"title": event.title})[:200],
        body=_(
            "The organiser of %(title)s changed who is invited, and you are no longer on the "
            "list, so your place is cancelled. Questions? Ask them directly."
        )
        % {"title": event.title},
        url=reverse("events:home"),
        kind="events.uninvited",
        attachments=attachments,
    )


def reminder_send(*, rsvp_id: int, now: dt.datetime) -> bool:
    """Tomorrow's event: sent a day before, but never in the person's quiet hours, tech-free
    hours or a wellness week. When the first moment it may arrive comes only after the start,
    no reminder is better than a late one."""
    rsvp = Rsvp.objects.select_related("event", "person", "event__office").get(pk=rsvp_id)
    event, person = rsvp.event, rsvp.person
    due = max(reminder_due(event.starts_at), now)
    if delivery_time(person, due, kind="events.reminder") >= event.starts_at:
        return False
    with in_language_of(person):
        _remind(rsvp, due, now)
    return True


def _remind(rsvp: Rsvp, due: dt.datetime, now: dt.datetime) -> None:
    event, person = rsvp.event, rsvp.person
    notification_send(
        person=person,
        subject=_("Reminder: %(title)s") % {"title": event.title},
        body=_(
            "%(title)s is coming up.\n\nWhen: %(when)s\nWhere: %(where)s\n\nCan't make it? "
            "Cancel so someone on the waitlist can go."
        )
        % {"title": event.title, "when": when_for(event, person), "where": where_for(event)},
        url=event_path(event),
        kind="events.reminder",
        due=due,
        now=now,
    )


NOTES_KIND = "events.town_hall_notes"


def told_about_notes(event: Event) -> list[int]:
    """Who already has the message that a town hall's notes are up (person ids)."""
    told = Notification.objects.filter(kind=NOTES_KIND, url=event_path(event))
    return list(told.values_list("person_id", flat=True))


def town_hall_notes_tell(*, event: Event, person: Person) -> None:
    """The notes of a town hall the person went to, asked at or voted in are up."""
    with in_language_of(person):
        _town_hall_notes_tell(event, person)


def _town_hall_notes_tell(event: Event, person: Person) -> None:
    notification_send(
        person=person,
        subject=_("Notes from %(title)s are up") % {"title": event.title},
        body=_(
            "The organisers wrote up %(title)s: what was answered, and what happens next with "
            "the questions there was no time for. Have a read."
        )
        % {"title": event.title},
        url=event_path(event),
        kind=NOTES_KIND,
    )
