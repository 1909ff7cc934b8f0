"""Calendar files (iCalendar, RFC 5545): invitations and feeds. Pure, no Django.

An event in a time zone is written with that zone's TZID and a VTIMEZONE component, so
calendar apps show the local time the organiser meant, on both sides of a DST change.
Without a zone, times are written in UTC ("Z"). User text is cleaned before icalendar
escapes it: single-line fields (summary, location) lose line breaks, and control
characters that RFC 5545 forbids are dropped everywhere.
"""

from __future__ import annotations

import datetime as dt
import functools
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Alarm, Calendar, Event, Timezone, vCalAddress

PRODID = "-//Kith//Kith//EN"
METHODS = frozenset(
    {"PUBLISH", "REQUEST", "REPLY", "ADD", "CANCEL", "REFRESH", "COUNTER", "DECLINECOUNTER"}
)
FEED_REFRESH = dt.timedelta(hours=1)
# The times a calendar file from Kith holds. RFC 5545 allows years 0000-9999, but a file's
# VTIMEZONE rules span all its events plus a year each side, so one event centuries away bloats
# every feed it is in, and near year 9999 Python's datetime overflows (the year-9999 event that
# answered 500). Kith's own events lie within a few years of today (docs/events.md).
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)  # exclusive
# VTIMEZONE components list the zone's offset changes for this long around the events.
_ZONE_MARGIN = dt.timedelta(days=366)
_UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Zulu", "Etc/Zulu", "GMT", "Etc/GMT"})


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """One event of a calendar feed. `tzid` (an IANA zone) sets the zone it is shown in."""

    uid: str
    start: dt.datetime
    end: dt.datetime
    summary: str
    description: str = ""
    location: str = ""
    url: str = ""
    tzid: str | None = None

    def __post_init__(self) -> None:
        require_calendar_times(self.start, self.end, what=f"event {self.uid!r}")


def require_calendar_times(start: dt.datetime, end: dt.datetime, *, what: str = "an event") -> None:
    """ValueError unless `start` and `end` are aware, in order and in [EARLIEST, LATEST)."""
    _require_aware(start)
    _require_aware(end)
    if end <= start:
        raise ValueError(f"{what} must end after it starts")
    if start < EARLIEST or end >= LATEST:
        raise _out_of_range(what)


def invite_ics(
    *,
    uid: str,
    start: dt.datetime,
    duration: dt.timedelta,
    summary: str,
    description: str,
    organizer_email: str,
    attendees: Sequence[tuple[str, str]],
    location: str = "",
    url: str = "",
    method: str = "REQUEST",
    tzid: str | None = None,
    alarms_minutes: int | None = None,
    organizer_name: str = "",
    sequence: int = 0,
    stamp: dt.datetime | None = None,
) -> bytes:
    """An invitation (one VEVENT) to attach to an email, as the bytes of a .ics file.

    `attendees` are (name, email) pairs; `method` is the iTIP method (REQUEST, or CANCEL to
    withdraw an invitation: send it with the same `uid` and a higher `sequence`).
    `alarms_minutes` adds a reminder that many minutes before the start. `stamp` (DTSTAMP)
    defaults to now.
    """
    method = method.strip().upper()
    if method not in METHODS:
        raise ValueError(f"unknown iCalendar method {method!r}")
    if duration <= dt.timedelta(0):
        raise ValueError("an event needs a positive duration")
    _require_aware(start)
    occasion = CalendarEvent(
        uid=uid,
        start=start,
        end=_end_of(start, duration),
        summary=summary,
        description=description,
        location=location,
        url=url,
        tzid=tzid,
    )
    event = _event(occasion, stamp=stamp, sequence=sequence)
    event.add("STATUS", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("ORGANIZER", _address(organizer_email, organizer_name))
    for name, email in attendees:
        if _email(email):  # a broken address must not stop the invitation reaching the others
            event.add("ATTENDEE", _attendee(name, email))
    if alarms_minutes is not None and method != "CANCEL":
        event.add_component(_reminder(alarms_minutes, _line(occasion.summary)))
    calendar = _calendar(method=method)
    _add_with_timezones(calendar, [event], [occasion])
    return bytes(calendar.to_ical())


def calendar_feed_ics(
    *,
    name: str,
    events: Sequence[CalendarEvent],
    stamp: dt.datetime | None = None,
) -> bytes:
    """A calendar feed (a subscribed .ics URL) holding `events`, named `name` in the app."""
    calendar = _calendar(method="PUBLISH")
    calendar.add("NAME", _line(name))
    calendar.add("X-WR-CALNAME", _line(name))
    calendar.add("REFRESH-INTERVAL", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", FEED_REFRESH)
    components = []
    for occasion in events:
        event = _event(occasion, stamp=stamp, sequence=0)
        event.add("STATUS", "CONFIRMED")
        components.append(event)
    _add_with_timezones(calendar, components, events)
    return bytes(calendar.to_ical())


def _calendar(*, method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", method)
    return calendar


def _event(occasion: CalendarEvent, *, stamp: dt.datetime | None, sequence: int) -> Event:
    zone = _zone(occasion.tzid)
    uid = _line(occasion.uid)
    if not uid:
        raise ValueError("an event needs a UID")
    event = Event()
    event.add("UID", uid)
    event.add("DTSTAMP", _whole_seconds(stamp or dt.datetime.now(dt.UTC)).astimezone(dt.UTC))
    event.add("SEQUENCE", max(sequence, 0))
    event.add("DTSTART", _whole_seconds(occasion.start).astimezone(zone))
    event.add("DTEND", _whole_seconds(occasion.end).astimezone(zone))
    event.add("SUMMARY", _line(occasion.summary))
    for key, value in (
        ("DESCRIPTION", _text(occasion.description)),
        ("LOCATION", _line(occasion.location)),
        ("URL", _line(occasion.url)),
    ):
        if value:
            event.add(key, value)
    return event


def _add_with_timezones(
    calendar: Calendar, components: Sequence[Event], events: Sequence[CalendarEvent]
) -> None:
    """VTIMEZONE components first (clients read them before the events that use them)."""
    zones = sorted(
        {zone.key for zone in (_zone(e.tzid) for e in events) if isinstance(zone, ZoneInfo)}
    )
    if zones:
        first = min(e.start for e in events) - _ZONE_MARGIN
        last = max(e.end for e in events) + _ZONE_MARGIN
        for key in zones:
            calendar.add_component(_vtimezone(key, first.year, last.year))
    for component in components:
        calendar.add_component(component)


@functools.lru_cache(maxsize=256)
def _vtimezone(key: str, first_year: int, last_year: int) -> Timezone:
    """Whole calendar years of a zone's rules. Building one takes ~20 ms, and a round sends an
    invite to every participant, so each is built once per process (and only read after)."""
    return Timezone.from_tzid(
        key, first_date=dt.date(first_year, 1, 1), last_date=dt.date(last_year, 12, 31)
    )


def _zone(tzid: str | None) -> dt.tzinfo:
    """The zone to write times in: UTC when none is given, unknown or UTC itself."""
    if not tzid or tzid.strip() in _UTC_NAMES:
        return dt.UTC
    try:
        return ZoneInfo(tzid.strip())
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def _address(email: str, name: str) -> vCalAddress:
    address = _email(email)
    if not address:
        raise ValueError(f"the organizer email {email!r} is not a usable address")
    return vCalAddress.new(address, cn=_line(name) or None)


def _attendee(name: str, email: str) -> vCalAddress:
    return vCalAddress.new(
        _email(email),
        cn=_line(name) or None,
        cutype="INDIVIDUAL",
        role="REQ-PARTICIPANT",
        partstat="NEEDS-ACTION",
        rsvp=True,
    )


def _reminder(minutes: int, summary: str) -> Alarm:
    alarm = Alarm()
    alarm.add("ACTION", "DISPLAY")
    alarm.add("DESCRIPTION", summary or "Reminder")
    alarm.add("TRIGGER", -dt.timedelta(minutes=max(minutes, 0)))
    return alarm


def _email(text: str) -> str:
    """The address, or "" when it holds spaces or control characters (never repaired)."""
    address = text.strip()
    if not address or any(char.isspace() or unicodedata.category(char) == "Cc" for char in address):
        return ""
    return address


def _line(text: str) -> str:
    """One line of text: line breaks and tabs become spaces, control characters go."""
    return " ".join(_printable(text).split())


def _text(text: str) -> str:
    """Text that may span lines: any line ending becomes "\\n", control characters go."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(_printable(line).rstrip() for line in lines).strip()


def _printable(text: str) -> str:
    return "".join(
        " " if char in "\t\r\n" else char
        for char in text
        if char in "\t\r\n" or unicodedata.category(char) != "Cc"
    )


def _end_of(start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
    """`start + duration`, refused as out of range before the sum could overflow."""
    if not EARLIEST <= start < LATEST or duration >= LATEST - start:
        raise _out_of_range("an event")
    return start + duration


def _out_of_range(what: str) -> ValueError:
    return ValueError(
        f"{what} lies outside the times a calendar file holds "
        f"({EARLIEST.year} to {LATEST.year - 1})"
    )


def _whole_seconds(moment: dt.datetime) -> dt.datetime:
    return moment.replace(microsecond=0)


def _require_aware(moment: dt.datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("event times must be aware datetimes")
