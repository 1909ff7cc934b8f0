"""Calendar export (iCalendar, .ics): a VEVENT is a meeting of its ORGANIZER and ATTENDEEs.

- Attendees are mailto: addresses; rooms and resources (CUTYPE=ROOM/RESOURCE) and people
  who declined (PARTSTAT=DECLINED) are not participants. Cancelled events are skipped.
- The duration is DTEND - DTSTART, or DURATION (none: 0 minutes). All-day events (DATE
  values) and events longer than a day are not meetings and are skipped.
- A floating time (no Z, no TZID) is the organiser's local time: the zone of the first
  participant in the directory (UTC if there is none).
- Recurring events (RRULE, RDATE, EXDATE, and instances moved by a VEVENT with a
  RECURRENCE-ID) are expanded up to the last moment the file itself mentions (the latest
  DTSTART or RECURRENCE-ID of any event), at most MAX_OCCURRENCES times.
- Meetings of more than MAX_TIE_MEETING participants count as meeting time and an
  interaction for each attendee but link no pairs (see reduce.py).
SUMMARY, DESCRIPTION, LOCATION and every other property not listed in _PROPERTIES are
removed from the text before it is parsed: they are never looked at.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
from dateutil import rrule  # type: ignore[import-untyped,unused-ignore]

from kith.insights.importers.context import Context
from kith.insights.importers.identity import Member, address_problem
from kith.insights.importers.model import MEETING
from kith.insights.importers.reduce import LAST_INSTANT

MAX_OCCURRENCES = 5000
MAX_MINUTES = 24 * 60
NOT_PARTICIPANTS = frozenset({"ROOM", "RESOURCE"})
_BEGIN_EVENT = re.compile(rb"^BEGIN:VEVENT\r?$", re.IGNORECASE | re.MULTILINE)
# Properties read, and those their parsing needs (calendar and time zone definitions).
_PROPERTIES = frozenset(
    {
        b"BEGIN",
        b"END",
        b"VERSION",
        b"PRODID",
        b"CALSCALE",
        b"UID",
        b"DTSTART",
        b"DTEND",
        b"DURATION",
        b"RRULE",
        b"RDATE",
        b"EXDATE",
        b"RECURRENCE-ID",
        b"ORGANIZER",
        b"ATTENDEE",
        b"STATUS",
        b"TZID",
        b"TZOFFSETFROM",
        b"TZOFFSETTO",
        b"TZNAME",
    }
)
_USED = frozenset(
    {
        "DTSTART",
        "DTEND",
        "DURATION",
        "RRULE",
        "RDATE",
        "EXDATE",
        "RECURRENCE-ID",
        "ORGANIZER",
        "ATTENDEE",
        "STATUS",
    }
)


def _lines_of_events(data: bytes) -> list[int]:
    """The line number of each BEGIN:VEVENT, in file order."""
    lines = []
    line, position = 1, 0
    for match in _BEGIN_EVENT.finditer(data):
        line += data.count(b"\n", position, match.start())
        position = match.start()
        lines.append(line)
    return lines


def _unreadable_lines(data: bytes) -> list[int]:
    """Lines that are neither NAME[;params]:value nor a folded continuation."""
    bad = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        line = raw.rstrip(b"\r")
        if line and line[:1] not in (b" ", b"\t") and b":" not in line:
            bad.append(number)
    return bad


def _metadata_only(data: bytes) -> bytes:
    """The file without the properties Kith does not use (SUMMARY, DESCRIPTION, LOCATION,
    attachments, ...), folded continuation lines included: content never reaches the
    parser, which is also much faster on what is left. Lines that are not properties at
    all stay, for the parser to report."""
    kept = []
    keep = False
    for line in data.split(b"\n"):
        if line[:1] in (b" ", b"\t"):
            if keep:
                kept.append(line)
            continue
        cut = len(line)
        for mark in (b":", b";"):
            found = line.find(mark)
            if 0 <= found < cut:
                cut = found
        keep = cut == len(line) or line[:cut].strip().upper() in _PROPERTIES
        if keep:
            kept.append(line)
    return b"\n".join(kept)


def read_ics(stream: BinaryIO, context: Context) -> None:
    data = stream.read()
    context.report(len(data))
    try:
        calendars = icalendar.Calendar.from_ical(_metadata_only(data), multiple=True)
    except (ValueError, KeyError, IndexError, TypeError):
        bad = _unreadable_lines(data)
        for line in bad:
            context.problems.add(f"line {line}", "is not an iCalendar line (NAME:value)")
        if not bad:
            context.problems.add("file", "is not an iCalendar file; expected a calendar export")
        return
    events = [event for calendar in calendars for event in calendar.walk("VEVENT")]
    lines = _lines_of_events(data)
    if not events and not lines:
        context.problems.add("file", "has no events (VEVENT); expected a calendar export")
        return
    if len(lines) != len(events):
        context.problems.add("file", "has an event that is not closed (BEGIN:VEVENT without END)")
        return
    CalendarReader(context, events, lines).read()


class CalendarReader:
    def __init__(self, context: Context, events: list[Any], lines: list[int]) -> None:
        self.context = context
        self.problems = context.problems
        self.events = events
        self.places = [f"event {i} (line {line})" for i, line in enumerate(lines, start=1)]
        self.moved: set[tuple[str, int]] = set()  # (UID, instant) of instances moved elsewhere
        self.horizon = 0

    def read(self) -> None:
        for event in self.events:
            self._survey(event)
        for event, place in zip(self.events, self.places, strict=True):
            self.context.reducer.events += 1
            if not self._broken(event, place):
                self._event(event, place)

    def _survey(self, event: Any) -> None:
        """First pass: how far the file reaches, and which instances were moved."""
        for name in ("DTSTART", "RECURRENCE-ID"):
            moment = _datetime(event.get(name))
            if moment is not None:
                instant = int(_aware(moment, dt.UTC).timestamp())
                self.horizon = max(self.horizon, instant)
                if name == "RECURRENCE-ID":
                    self.moved.add((str(event.get("UID", "")), instant))

    def _broken(self, event: Any, place: str) -> bool:
        problems = False
        for name, _ in getattr(event, "errors", []):
            if name is None:
                self.problems.add(place, "has a line that cannot be read")
                problems = True
            elif str(name).upper() in _USED:
                self.problems.add(place, f"{str(name).upper()} cannot be read")
                problems = True
        return problems

    def _event(self, event: Any, place: str) -> None:
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            return
        start_value = event.get("DTSTART")
        start = _dt(start_value)
        if start is None:
            self.problems.add(place, "has no DTSTART")
            return
        if not isinstance(start, dt.datetime):
            return  # an all-day event: not a meeting
        members = self._participants(event, place)
        if members is None:
            return
        zone = self._zone(start_value, start, members, place)
        if zone is None:
            return
        start = _aware(start, zone)
        minutes = self._minutes(event, start, zone, place)
        if minutes is None or minutes > MAX_MINUTES:
            return
        for moment in self._occurrences(event, start, zone, place):
            instant = int(moment.timestamp())
            if not 0 <= instant < LAST_INSTANT:
                self.problems.add(place, "DTSTART is outside the years 1970 to 2099")
                return
            if not self.problems:
                self.context.builder.add(instant, MEETING, minutes, members, False)

    def _zone(
        self, value: Any, start: dt.datetime, members: list[Member], place: str
    ) -> dt.tzinfo | None:
        if start.tzinfo is not None:
            return start.tzinfo
        if "TZID" in getattr(value, "params", {}):
            self.problems.add(
                place, "DTSTART names a time zone (TZID) that is neither known nor in the file"
            )
            return None
        # Floating time: the organiser's own clock, as far as the directory knows it.
        for person, _ in members:
            if person >= 0:
                name = self.context.directory.timezone[person]
                try:
                    return ZoneInfo(name) if name else dt.UTC
                except (ZoneInfoNotFoundError, ValueError):
                    return dt.UTC
        return dt.UTC

    def _minutes(self, event: Any, start: dt.datetime, zone: dt.tzinfo, place: str) -> int | None:
        if event.get("DTEND") is not None:
            end = _dt(event["DTEND"])
            if not isinstance(end, dt.datetime):
                self.problems.add(place, "DTEND is a date but DTSTART a date and time")
                return None
            length = _aware(end, zone) - start
        elif event.get("DURATION") is not None:
            length = _dt(event["DURATION"])
            if not isinstance(length, dt.timedelta):
                self.problems.add(place, "DURATION is not a length of time")
                return None
        else:
            length = dt.timedelta(0)
        if length < dt.timedelta(0):
            self.problems.add(place, "ends before it starts (DTEND before DTSTART)")
            return None
        return round(length.total_seconds() / 60)

    def _participants(self, event: Any, place: str) -> list[Member] | None:
        values: list[tuple[str, Any]] = []
        if event.get("ORGANIZER") is not None:
            values.append(("ORGANIZER", event["ORGANIZER"]))
        attendees = event.get("ATTENDEE", [])
        if not isinstance(attendees, list):
            attendees = [attendees]
        values += [(f"ATTENDEE {i}", value) for i, value in enumerate(attendees, start=1)]
        members: dict[str, Member] = {}
        ok = True
        for label, value in values:
            params = getattr(value, "params", {})
            if str(params.get("CUTYPE", "")).upper() in NOT_PARTICIPANTS:
                continue
            if str(params.get("PARTSTAT", "")).upper() == "DECLINED":
                continue
            text = str(value).strip()
            if text[:7].lower() != "mailto:":
                members.setdefault(text, self.context.people.unknown_key("ics:" + text))
                continue
            address = text[7:].strip().lower()
            problem = address_problem(address)
            if problem:
                self.problems.add(place, f"{label}: the address {problem}")
                ok = False
                continue
            members.setdefault(address, self.context.people.member(address))
        return list(members.values()) if ok else None

    def _occurrences(
        self, event: Any, start: dt.datetime, zone: dt.tzinfo, place: str
    ) -> list[dt.datetime]:
        rules = _as_list(event.get("RRULE"))
        extra = _moments(event.get("RDATE"), zone)
        if not rules and not extra:
            return [start]
        uid = str(event.get("UID", ""))
        wall = start.replace(tzinfo=None)
        horizon = dt.datetime.fromtimestamp(max(self.horizon, int(start.timestamp())), tz=zone)
        series = rrule.rruleset()
        if any(_interval(rule) < 1 for rule in rules):
            # dateutil would loop for ever on INTERVAL=0: one file must not stop a worker.
            self.problems.add(place, "RRULE has INTERVAL below 1; it must be a whole number from 1")
            return []
        try:
            for rule in rules:
                series.rrule(rrule.rrulestr(_rule_text(rule, zone), dtstart=wall))
        except (ValueError, TypeError, KeyError):
            self.problems.add(place, "RRULE cannot be read")
            return []
        series.rdate(wall)
        for moment in extra:
            series.rdate(moment.replace(tzinfo=None))
        for moment in _moments(event.get("EXDATE"), zone):
            series.exdate(moment.replace(tzinfo=None))
        moments = []
        for occurrence in series.xafter(wall, count=MAX_OCCURRENCES, inc=True):
            if occurrence > horizon.replace(tzinfo=None):
                break
            moment = _aware(occurrence, zone)
            if (uid, int(moment.timestamp())) not in self.moved:
                moments.append(moment)
        return moments


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _dt(value: Any) -> Any:
    """A property's date, date-time or duration; None if it is missing or broken."""
    try:
        return value.dt if value is not None else None
    except (AttributeError, ValueError):  # icalendar's BrokenCalendarProperty is a ValueError
        return None


def _datetime(value: Any) -> dt.datetime | None:
    moment = _dt(value)
    return moment if isinstance(moment, dt.datetime) else None


def _aware(moment: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _moments(value: Any, zone: dt.tzinfo) -> Iterable[dt.datetime]:
    """Date-times of RDATE/EXDATE properties, in the event's zone."""
    for item in _as_list(value):
        for entry in getattr(item, "dts", []):
            moment = _dt(entry)
            if isinstance(moment, dt.datetime):
                yield _aware(moment, zone).astimezone(zone)


def _interval(rule: Any) -> int:
    values = dict(rule).get("INTERVAL") or [1]
    try:
        return int(values[0])
    except (TypeError, ValueError):
        return 0


def _rule_text(rule: Any, zone: dt.tzinfo) -> str:
    """The RRULE with UNTIL in the event's wall time (dateutil expands in wall time)."""
    spec = dict(rule)
    until = spec.get("UNTIL")
    if until:
        moment = until[0]
        if isinstance(moment, dt.datetime) and moment.tzinfo is not None:
            spec["UNTIL"] = [moment.astimezone(zone).replace(tzinfo=None)]
    recur: Any = icalendar.vRecur(spec)
    return bytes(recur.to_ical()).decode("ascii")
