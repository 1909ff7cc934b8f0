"""What Connect says to people: intros, follow-ups, confirmations. Plain, warm words.

Every text is written for one reader, with times in that reader's own zone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from email.utils import parseaddr
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse

from kith.connect.models import Program
from kith.directory.models import Person
from kith.notify.engine.calendar import invite_ics
from kith.notify.services import Attachment


def zone_of(person: Person) -> ZoneInfo:
    try:
        return ZoneInfo(person.timezone or settings.TIME_ZONE)
    except (KeyError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def first_name(person: Person) -> str:
    return person.display_name.split()[0] if person.display_name else "there"


def names(people: Sequence[Person]) -> str:
    shown = [p.display_name for p in people]
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def describe(person: Person) -> str:
    bits = [b for b in (person.org_unit.name if person.org_unit else "", person.city) if b]
    return f"{person.display_name} ({', '.join(bits)})" if bits else person.display_name


def local_slot(start: dt.datetime, minutes: int, reader: Person) -> str:
    zone = zone_of(reader)
    begin = start.astimezone(zone)
    end = (start + dt.timedelta(minutes=minutes)).astimezone(zone)
    return f"{begin:%a %-d %b, %H:%M}–{end:%H:%M}"


def absolute(path: str) -> str:
    return str(settings.KITH_BASE_URL).rstrip("/") + path


def group_key(match_id: int) -> str:
    """One chat conversation per match (kith.notify.channels)."""
    return f"connect.match:{match_id}"


def match_path(match_id: int) -> str:
    return reverse("connect:match", args=[match_id])


def intro_subject(program: Program, others: Sequence[Person]) -> str:
    verb = {
        Program.Kind.MENTORING: "your mentoring match",
        Program.Kind.BUDDY: "your onboarding buddy",
    }.get(program.kind, "meet")  # type: ignore[call-overload]
    if verb == "meet":
        return f"{program.name}: meet {names(others)}"
    return f"{program.name}: {verb} is {names(others)}"


def intro_body(
    *,
    program: Program,
    reader: Person,
    others: Sequence[Person],
    explanation: str,
    meet_in_person_city: str,
    times: Sequence[dt.datetime],
    match_id: int,
    lead: str = "",
) -> str:
    lines = [f"Hi {first_name(reader)},", ""]
    lines.append(lead or f"This round of {program.name} introduces you to:")
    lines += [f"  • {describe(p)}" for p in others]
    lines += ["", f"Why you: {explanation}."]
    if meet_in_person_city:
        city = meet_in_person_city.split(",")[0]
        lines.append(f"You are all in {city}: a coffee in person would be lovely.")
    if times:
        zone = reader.timezone or str(settings.TIME_ZONE)
        lines += ["", f"Times that suit everyone ({zone} time):"]
        lines += [f"  • {local_slot(t, program.meeting_minutes, reader)}" for t in times]
        lines.append("The calendar invite for the first one is attached.")
    else:
        lines += ["", "Your working hours barely overlap this week: agree a time by message."]
    lines += [
        "",
        f"Your match: {absolute(match_path(match_id))}",
        "Not a good time for intros? Pause or leave the program: "
        + absolute(reverse("connect:program", args=[program.pk])),
    ]
    return "\n".join(lines)


def invite_for(
    *,
    program: Program,
    reader: Person,
    people: Sequence[Person],
    start: dt.datetime,
    match_id: int,
    explanation: str,
    location: str = "",
) -> Attachment:
    ics = invite_ics(
        uid=f"kith-match-{match_id}@{urlsplit(str(settings.KITH_BASE_URL)).hostname or 'kith'}",
        start=start,
        duration=dt.timedelta(minutes=program.meeting_minutes),
        summary=f"{program.name}: {names(people)}",
        description=f"Why you: {explanation}.\n{absolute(match_path(match_id))}",
        organizer_email=parseaddr(str(settings.DEFAULT_FROM_EMAIL))[1],
        attendees=[(p.display_name, p.email) for p in people],
        location=location,
        url=absolute(match_path(match_id)),
        tzid=reader.timezone or None,
    )
    return Attachment(filename="invite.ics", content_type="text/calendar", content=ics.decode())


def follow_up_body(
    *, program: Program, reader: Person, others: Sequence[Person], match_id: int
) -> str:
    return "\n".join(
        [
            f"Hi {first_name(reader)},",
            "",
            f"Did you get to meet {names(others)}? One click tells us, and helps "
            f"{program.name} suggest better matches:",
            absolute(match_path(match_id)),
            "",
            "If the timing did not work, no worries: there is always a next round.",
        ]
    )


def confirm_body(*, program: Program, reader: Person) -> str:
    return "\n".join(
        [
            f"Hi {first_name(reader)},",
            "",
            f"We have not heard back about your last three {program.name} intros, so we have "
            "paused your intros rather than keep sending them.",
            "Would you like to keep meeting colleagues? Say so on the program page, or pause "
            "or leave there:",
            absolute(reverse("connect:program", args=[program.pk])),
        ]
    )


def unmatched_body(*, program: Program, reader: Person, detail: str) -> str:
    return "\n".join(
        [
            f"Hi {first_name(reader)},",
            "",
            f"This round of {program.name} could not find you a match: {detail}",
            "You stay in the program and will be first in line next round.",
            absolute(reverse("connect:program", args=[program.pk])),
        ]
    )
