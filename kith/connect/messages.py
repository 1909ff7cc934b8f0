"""What Connect says to people: intros, follow-ups, confirmations. Plain, warm words.

Every text is written for one reader, with times in that reader's own zone, in the language
the active translation names: wrap a message to someone in `in_language_of(person)`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from email.utils import parseaddr
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kith.connect.models import Program
from kith.connect.reasons import detail_text, explanation_text
from kith.directory.models import Person
from kith.notify.engine.calendar import invite_ics
from kith.notify.services import Attachment
from kith.notify.services import in_language_of as notify_in_language_of


def in_language_of(person: Person) -> translation.override:
    """Texts, dates and numbers for `person` in their own language (kith.notify decides
    which: their choice, else the one Kith last showed them, else the default)."""
    return notify_in_language_of(person)


def zone_of(person: Person) -> ZoneInfo:
    try:
        return ZoneInfo(person.timezone or settings.TIME_ZONE)
    except (KeyError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def first_name(person: Person) -> str:
    return person.display_name.split()[0] if person.display_name else _("there")


def names(people: Sequence[Person]) -> str:
    shown = [p.display_name for p in people]
    if len(shown) <= 1:
        return "".join(shown)
    return _("%(some)s and %(last)s") % {"some": ", ".join(shown[:-1]), "last": shown[-1]}


def describe(person: Person) -> str:
    bits = [b for b in (person.org_unit.name if person.org_unit else "", person.city) if b]
    return f"{person.display_name} ({', '.join(bits)})" if bits else person.display_name


def local_slot(start: dt.datetime, minutes: int, reader: Person) -> str:
    zone = zone_of(reader)
    begin = start.astimezone(zone)
    end = (start + dt.timedelta(minutes=minutes)).astimezone(zone)
    return f"{date_format(begin, 'D j M, H:i')}–{date_format(end, 'H:i')}"


def absolute(path: str) -> str:
    return str(settings.KITH_BASE_URL).rstrip("/") + path


def group_key(match_id: int) -> str:
    """One chat conversation per match (kith.notify.channels)."""
    return f"connect.match:{match_id}"


def match_path(match_id: int) -> str:
    return reverse("connect:match", args=[match_id])


def intro_subject(program: Program, others: Sequence[Person]) -> str:
    words = {"program": program.name, "names": names(others)}
    if program.kind == Program.Kind.MENTORING:
        return _("%(program)s: your mentoring match is %(names)s") % words
    if program.kind == Program.Kind.BUDDY:
        return _("%(program)s: your onboarding buddy is %(names)s") % words
    return _("%(program)s: meet %(names)s") % words


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
    lines = [_("Hi %(name)s,") % {"name": first_name(reader)}, ""]
    lines.append(
        lead or _("This round of %(program)s introduces you to:") % {"program": program.name}
    )
    lines += [f"  • {describe(p)}" for p in others]
    lines += ["", _("Why you: %(why)s.") % {"why": explanation_text(explanation)}]
    if meet_in_person_city:
        city = meet_in_person_city.split(",")[0]
        lines.append(
            _("You are all in %(city)s: a coffee in person would be lovely.") % {"city": city}
        )
    if times:
        zone = reader.timezone or str(settings.TIME_ZONE)
        lines += ["", _("Times that suit everyone (%(zone)s time):") % {"zone": zone}]
        lines += [f"  • {local_slot(t, program.meeting_minutes, reader)}" for t in times]
        lines.append(_("The calendar invite for the first one is attached."))
    else:
        lines += ["", _("Your working hours barely overlap this week: agree a time by message.")]
    lines += [
        "",
        _("Your match: %(url)s") % {"url": absolute(match_path(match_id))},
        _("Not a good time for intros? Pause or leave the program: %(url)s")
        % {"url": absolute(reverse("connect:program", args=[program.pk]))},
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
        description=_("Why you: %(why)s.") % {"why": explanation_text(explanation)}
        + f"\n{absolute(match_path(match_id))}",
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
            _("Hi %(name)s,") % {"name": first_name(reader)},
            "",
            _(
                "Did you get to meet %(names)s? One click tells us, and helps %(program)s "
                "suggest better matches:"
            )
            % {"names": names(others), "program": program.name},
            absolute(match_path(match_id)),
            "",
            _("If the timing did not work, no worries: there is always a next round."),
        ]
    )


def confirm_body(*, program: Program, reader: Person) -> str:
    return "\n".join(
        [
            _("Hi %(name)s,") % {"name": first_name(reader)},
            "",
            _(
                "We have not heard back about your last three %(program)s intros, so we have "
                "paused your intros rather than keep sending them."
            )
            % {"program": program.name},
            _(
                "Would you like to keep meeting colleagues? Say so on the program page, or "
                "pause or leave there:"
            ),
            absolute(reverse("connect:program", args=[program.pk])),
        ]
    )


def unmatched_body(*, program: Program, reader: Person, detail: str) -> str:
    return "\n".join(
        [
            _("Hi %(name)s,") % {"name": first_name(reader)},
            "",
            _("This round of %(program)s could not find you a match: %(detail)s")
            % {"program": program.name, "detail": detail_text(detail)},
            _("You stay in the program and will be first in line next round."),
            absolute(reverse("connect:program", args=[program.pk])),
        ]
    )
