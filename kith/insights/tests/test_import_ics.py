"""Calendar export: meetings between organiser and attendees, with time, size and 1:1s."""

from __future__ import annotations

import icalendar
import pytest

from kith.insights.importers import ics
from kith.insights.tests.test_import_support import (
    ANA,
    BEN,
    CLEO,
    DEV,
    EVE,
    PLANTED,
    assert_no_content,
    everything_said,
    pairs,
    people,
    problems,
    read,
)

W1, W3 = "2024-03-04", "2024-03-18"
GUESTS = "".join(f"ATTENDEE:mailto:guest{i}@partner.example\n" for i in range(27))


def calendar(*events: str) -> bytes:
    body = "".join(f"BEGIN:VEVENT\n{event.strip()}\nEND:VEVENT\n" for event in events)
    text = f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Kith tests//EN\n{body}END:VCALENDAR\n"
    return text.replace("\n", "\r\n").encode()


GOOD = calendar(
    # A weekly 1:1, one week skipped (EXDATE), one moved (the RECURRENCE-ID event below).
    """
UID:one-to-one
SUMMARY:zanzibar 1:1
DTSTART;TZID=Europe/Paris:20240304T100000
DTEND;TZID=Europe/Paris:20240304T103000
RRULE:FREQ=WEEKLY;COUNT=3
EXDATE;TZID=Europe/Paris:20240311T100000
ORGANIZER;CN=Ana:mailto:ana@example.com
ATTENDEE;PARTSTAT=ACCEPTED:mailto:BEN@example.com
""",
    """
UID:one-to-one
RECURRENCE-ID;TZID=Europe/Paris:20240318T100000
DTSTART:20240319T160000Z
DTEND:20240319T164500Z
ORGANIZER:mailto:ana@example.com
ATTENDEE:mailto:ben@example.com
""",
    # Declined people and rooms are not there; the stranger is (but unknown).
    """
UID:retro
SUMMARY:quokka retro
DESCRIPTION:marmalade and xylophone
DTSTART:20240306T140000Z
DURATION:PT1H
ORGANIZER:mailto:cleo@example.com
ATTENDEE;PARTSTAT=ACCEPTED:mailto:ana@example.com
ATTENDEE:mailto:ben@example.com
ATTENDEE;PARTSTAT=DECLINED:mailto:dev@example.com
ATTENDEE;CUTYPE=ROOM:mailto:room-3@example.com
ATTENDEE:mailto:stranger@elsewhere.org
""",
    """
UID:holiday
DTSTART;VALUE=DATE:20240307
ORGANIZER:mailto:ana@example.com
ATTENDEE:mailto:ben@example.com
""",
    """
UID:called-off
STATUS:CANCELLED
DTSTART:20240307T100000Z
DURATION:PT1H
ORGANIZER:mailto:ana@example.com
ATTENDEE:mailto:ben@example.com
""",
    # Floating time: the organiser's (dev's) clock in Kolkata, 03:30 UTC.
    """
UID:early
DTSTART:20240308T090000
DTEND:20240308T093000
ORGANIZER:mailto:dev@example.com
ATTENDEE:mailto:eve@example.com
""",
    # 30 people: meeting time for everyone, a tie for nobody.
    """
UID:all-hands
DTSTART:20240320T150000Z
DURATION:PT30M
ORGANIZER:mailto:ana@example.com
ATTENDEE:mailto:ben@example.com
ATTENDEE:mailto:cleo@example.com
"""
    + GUESTS,
    # Longer than a day: an offsite, not a meeting.
    """
UID:offsite
DTSTART:20240321T080000Z
DTEND:20240323T080000Z
ORGANIZER:mailto:ana@example.com
ATTENDEE:mailto:ben@example.com
""",
)


def test_meetings_reduce_to_the_counts_worked_out_by_hand() -> None:
    reduced = read(GOOD, "ics")
    assert pairs(reduced) == {
        (ANA, BEN, W1, "meeting"): (2, 90, 30),  # the 1:1 (30 min) and the retro (60)
        (ANA, CLEO, W1, "meeting"): (1, 60, 0),
        (BEN, CLEO, W1, "meeting"): (1, 60, 0),
        (DEV, EVE, W1, "meeting"): (1, 30, 30),
        (ANA, BEN, W3, "meeting"): (1, 45, 45),  # the moved 1:1; the week between skipped
    }
    assert people(reduced) == {
        (ANA, W1): (2, 0, 90),
        (BEN, W1): (2, 1, 90),  # 04:00 in New York
        (CLEO, W1): (1, 0, 60),
        (DEV, W1): (1, 1, 30),  # 09:00 on a Friday: dev works Sunday to Thursday
        (EVE, W1): (1, 0, 30),  # 04:30 in Paris is inside eve's night shift
        (ANA, W3): (2, 1, 75),  # 17:00 in Paris
        (BEN, W3): (2, 0, 75),
        (CLEO, W3): (1, 0, 30),
    }
    assert reduced.events == 8
    assert reduced.unknown_addresses == 28  # the stranger and 27 guests; not the room
    assert reduced.events_with_unknown == 2


def test_no_subject_or_description_reaches_the_result_or_the_problems() -> None:
    assert_no_content(PLANTED, everything_said(GOOD, "ics"))
    bad = calendar("SUMMARY:zanzibar\nDESCRIPTION:quokka\nORGANIZER:mailto:ana@example.com")
    said = everything_said(bad, "ics")
    assert "ImportFailed" in said
    assert_no_content(PLANTED, said)


def test_a_bad_calendar_names_every_problem_with_its_place() -> None:
    bad = calendar(
        "UID:a\nSUMMARY:zanzibar\nORGANIZER:mailto:ana@example.com",
        "UID:b\nDTSTART:20240306T140000Z\nDTEND:20240306T130000Z",
        "UID:c\nDTSTART:20240306T140000Z\nATTENDEE:mailto:not-an-address",
        "UID:d\nDTSTART:2024030xT140000Z",
        "UID:e\nDTSTART;TZID=Atlantis/Capital:20240306T140000",
        "UID:f\nDTSTART:20240306T140000Z\nquokka marmalade",
        "UID:g\nDTSTART:20240306T140000Z\nRRULE:FREQ=SOMETIMES",
    )
    assert problems(bad, "ics") == [
        ("event 1 (line 4)", "has no DTSTART"),
        ("event 2 (line 9)", "ends before it starts (DTEND before DTSTART)"),
        (
            "event 3 (line 14)",
            "ATTENDEE 1: the address is not an email address; expected one like name@example.com",
        ),
        ("event 4 (line 19)", "DTSTART cannot be read"),
        (
            "event 5 (line 23)",
            "DTSTART names a time zone (TZID) that is neither known nor in the file",
        ),
        ("event 6 (line 27)", "has a line that cannot be read"),
        ("event 7 (line 32)", "RRULE cannot be read"),
    ]


def test_a_file_that_is_not_a_calendar_says_so() -> None:
    assert problems(b"zanzibar quokka\n", "ics") == [
        ("line 1", "is not an iCalendar line (NAME:value)")
    ]
    assert problems(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "ics")[0][0] == "file"
    unclosed = b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20240306T140000Z\r\n"
    assert problems(unclosed, "ics")[0][0] == "file"


def test_outlook_time_zones_defined_in_the_file_are_used() -> None:
    data = (
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\nBEGIN:VTIMEZONE\nTZID:W. Europe Standard Time\n"
        "BEGIN:STANDARD\nDTSTART:16010101T030000\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100\n"
        "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\nEND:STANDARD\nBEGIN:DAYLIGHT\n"
        "DTSTART:16010101T020000\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0200\n"
        "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\nEND:DAYLIGHT\nEND:VTIMEZONE\nBEGIN:VEVENT\n"
        "DTSTART;TZID=W. Europe Standard Time:20240304T083000\n"
        "DTEND;TZID=W. Europe Standard Time:20240304T090000\n"
        "ORGANIZER:mailto:ana@example.com\nATTENDEE:mailto:cleo@example.com\n"
        "END:VEVENT\nEND:VCALENDAR\n"
    ).replace("\n", "\r\n")
    reduced = read(data.encode(), "ics")
    # 08:30 in Paris is 07:30 UTC: before hours for both (ana starts at 9, cleo at 8).
    assert people(reduced) == {(ANA, W1): (1, 1, 30), (CLEO, W1): (1, 1, 30)}
    assert pairs(reduced) == {(ANA, CLEO, W1, "meeting"): (1, 30, 30)}


def test_subjects_and_descriptions_never_reach_the_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bytes] = []
    parse = icalendar.Calendar.from_ical

    def spy(data: bytes, multiple: bool = False) -> object:
        seen.append(data)
        return parse(data, multiple=True) if multiple else parse(data)

    monkeypatch.setattr(ics.icalendar.Calendar, "from_ical", spy)
    folded = GOOD.replace(b"SUMMARY:quokka retro", b"SUMMARY:quokka\r\n  retro zanzibar")
    read(folded, "ics")
    assert seen and b"ATTENDEE" in seen[0]
    for word in PLANTED:
        assert word.encode() not in seen[0].lower()
