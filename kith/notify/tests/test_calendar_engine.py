"""Calendar files: invitations and feeds (pure, no database)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from kith.notify.engine.calendar import CalendarEvent, calendar_feed_ics, invite_ics

UTC = dt.UTC
STAMP = dt.datetime(2026, 10, 1, 12, tzinfo=UTC)


def invite(**overrides) -> bytes:
    values = {
        "uid": "match-42@kith.example",
        "start": dt.datetime(2026, 10, 26, 8, 0, tzinfo=UTC),
        "duration": dt.timedelta(minutes=30),
        "summary": "Coffee with Ana",
        "description": "Kith introduced you.\nYou both like climbing.",
        "organizer_email": "kith@example.org",
        "attendees": [("Ana Lopes", "ana@example.org"), ("Bo Chen", "bo@example.org")],
        "stamp": STAMP,
    }
    values.update(overrides)
    return invite_ics(**values)


def only_event(data: bytes):
    calendar = Calendar.from_ical(data)
    [event] = calendar.events
    return calendar, event


def test_invite_has_the_required_properties():
    data = invite(location="Café Lisboa", url="https://kith.example/matches/42")
    assert data.startswith(b"BEGIN:VCALENDAR\r\n")
    calendar, event = only_event(data)
    assert str(calendar["PRODID"]) == "-//Kith//Kith//EN"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == "match-42@kith.example"
    assert event["DTSTAMP"].dt == STAMP
    assert event["SEQUENCE"] == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["SUMMARY"]) == "Coffee with Ana"
    assert str(event["DESCRIPTION"]) == "Kith introduced you.\nYou both like climbing."
    assert str(event["LOCATION"]) == "Café Lisboa"
    assert str(event["URL"]) == "https://kith.example/matches/42"
    assert str(event["ORGANIZER"]) == "mailto:kith@example.org"


def test_without_a_zone_times_are_utc():
    data = invite()
    assert b"DTSTART:20261026T080000Z" in data
    assert b"DTEND:20261026T083000Z" in data
    assert b"VTIMEZONE" not in data
    _calendar, event = only_event(data)
    assert event.start == dt.datetime(2026, 10, 26, 8, tzinfo=UTC)
    assert event.end - event.start == dt.timedelta(minutes=30)


@pytest.mark.parametrize(
    ("start", "wall_clock"),
    [
        (dt.datetime(2026, 10, 23, 7, tzinfo=UTC), b"20261023T090000"),  # CEST, UTC+2
        (dt.datetime(2026, 10, 26, 8, tzinfo=UTC), b"20261026T090000"),  # CET, UTC+1
    ],
)
def test_a_zone_is_written_with_its_vtimezone_on_both_sides_of_dst(start, wall_clock):
    data = invite(start=start, tzid="Europe/Berlin")
    assert b"DTSTART;TZID=Europe/Berlin:" + wall_clock in data
    calendar, event = only_event(data)
    [timezone] = calendar.timezones
    assert timezone.tz_name == "Europe/Berlin"
    assert data.index(b"BEGIN:VTIMEZONE") < data.index(b"BEGIN:VEVENT")
    assert event.start.astimezone(UTC) == start
    # The VTIMEZONE itself (what a calendar app without the tz database reads) agrees too.
    own_rules = timezone.to_tz(lookup_tzid=False)
    assert event.start.replace(tzinfo=own_rules).astimezone(UTC) == start
    assert event.end.replace(tzinfo=own_rules).astimezone(UTC) == start + dt.timedelta(minutes=30)


def test_utc_or_an_unknown_zone_falls_back_to_utc():
    for tzid in ("UTC", "Mars/Olympus_Mons"):
        data = invite(tzid=tzid)
        assert b"DTSTART:20261026T080000Z" in data
        assert b"VTIMEZONE" not in data


def test_attendees_are_invited_to_reply():
    _calendar, event = only_event(invite())
    attendees = event["ATTENDEE"]
    assert [str(a) for a in attendees] == ["mailto:ana@example.org", "mailto:bo@example.org"]
    assert attendees[0].params["CN"] == "Ana Lopes"
    assert attendees[0].params["RSVP"] == "TRUE"
    assert attendees[0].params["PARTSTAT"] == "NEEDS-ACTION"
    assert attendees[0].params["ROLE"] == "REQ-PARTICIPANT"


def test_line_breaks_in_user_text_cannot_break_the_file():
    attack = "Coffee\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:Injected"
    data = invite(
        summary=attack,
        location="Lisbon\r\nORGANIZER:mailto:evil@example.org",
        attendees=[('Ana "the boss"\r\nX: 1', "ana@example.org"), ("Eve", "eve@x.org\r\nX:1")],
        description="Line one\r\nLine two\rLine three\x00\x1b",
        alarms_minutes=10,
    )
    assert b"\r\nBEGIN:VEVENT\r\nSUMMARY:Injected" not in data
    assert data.split(b"\r\n").count(b"BEGIN:VEVENT") == 1
    assert all(line == b"" or not line.startswith(b"X:") for line in data.split(b"\r\n"))
    _calendar, event = only_event(data)
    assert str(event["SUMMARY"]) == "Coffee END:VEVENT BEGIN:VEVENT SUMMARY:Injected"
    assert str(event["LOCATION"]) == "Lisbon ORGANIZER:mailto:evil@example.org"
    assert str(event["ORGANIZER"]) == "mailto:kith@example.org"
    assert str(event["DESCRIPTION"]) == "Line one\nLine two\nLine three"
    attendee = event["ATTENDEE"]  # the unusable address is left out, the other stays
    assert str(attendee) == "mailto:ana@example.org"
    assert attendee.params["CN"] == 'Ana "the boss" X: 1'
    [alarm] = event.subcomponents
    assert str(alarm["DESCRIPTION"]) == "Coffee END:VEVENT BEGIN:VEVENT SUMMARY:Injected"


def test_reminder():
    _calendar, event = only_event(invite(alarms_minutes=15))
    [alarm] = event.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm["TRIGGER"].dt == -dt.timedelta(minutes=15)


def test_cancelling_an_invitation():
    data = invite(method="cancel", sequence=1, alarms_minutes=15)
    calendar, event = only_event(data)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == 1
    assert not event.walk("VALARM")


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="aware"):
        invite(start=dt.datetime(2026, 10, 26, 8))
    with pytest.raises(ValueError, match="method"):
        invite(method="SHOUT")
    with pytest.raises(ValueError, match="organizer email"):
        invite(organizer_email="  ")
    with pytest.raises(ValueError, match="positive duration"):
        invite(duration=dt.timedelta(0))
    with pytest.raises(ValueError, match="UID"):
        invite(uid="\r\n")


def test_dtstamp_defaults_to_now():
    before = dt.datetime.now(UTC).replace(microsecond=0)
    _calendar, event = only_event(invite(stamp=None))
    assert before <= event["DTSTAMP"].dt <= dt.datetime.now(UTC)


def test_feed_of_several_events_in_several_zones():
    events = [
        CalendarEvent(
            uid="a@kith",
            start=dt.datetime(2026, 3, 27, 9, tzinfo=UTC),
            end=dt.datetime(2026, 3, 27, 10, tzinfo=UTC),
            summary="Lunch group",
            tzid="Europe/Lisbon",
        ),
        CalendarEvent(
            uid="b@kith",
            start=dt.datetime(2026, 3, 30, 15, tzinfo=UTC),
            end=dt.datetime(2026, 3, 30, 15, 30, tzinfo=UTC),
            summary="Mentoring\nsession",
            description="Bring a question.",
            location="Zoom",
            url="https://kith.example/m/1",
            tzid="America/New_York",
        ),
        CalendarEvent(
            uid="c@kith",
            start=dt.datetime(2026, 4, 2, 12, tzinfo=UTC),
            end=dt.datetime(2026, 4, 2, 13, tzinfo=UTC),
            summary="Band meetup",
        ),
    ]
    data = calendar_feed_ics(name="Kith: Ana's calendar", events=events, stamp=STAMP)
    calendar = Calendar.from_ical(data)
    assert str(calendar["X-WR-CALNAME"]) == "Kith: Ana's calendar"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert sorted(tz.tz_name for tz in calendar.timezones) == ["America/New_York", "Europe/Lisbon"]
    parsed = {str(event["UID"]): event for event in calendar.events}
    for original in events:
        event = parsed[original.uid]
        assert event.start.astimezone(UTC) == original.start
        assert event.end.astimezone(UTC) == original.end
    assert str(parsed["b@kith"]["SUMMARY"]) == "Mentoring session"
    assert b"DTSTART;TZID=Europe/Lisbon:20260327T090000" in data  # WET, UTC+0
    assert b"DTSTART;TZID=America/New_York:20260330T110000" in data  # EDT, UTC-4
    assert b"DTSTART:20260402T120000Z" in data


def test_empty_feed_is_a_valid_calendar():
    calendar = Calendar.from_ical(calendar_feed_ics(name="Nothing yet", events=[], stamp=STAMP))
    assert calendar.events == []


def test_feed_event_must_end_after_it_starts():
    start = dt.datetime(2026, 4, 2, 12, tzinfo=UTC)
    with pytest.raises(ValueError, match="end after it starts"):
        CalendarEvent(uid="x", start=start, end=start, summary="Oops")


ZONES = ("Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kathmandu", "UTC")


@settings(max_examples=40, deadline=None)
@given(
    st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2030, 1, 1)),
    st.sampled_from(ZONES),
    st.text(max_size=40),
)
def test_any_text_and_instant_round_trip(moment, tzid, text):
    start = moment.replace(second=0, microsecond=0, tzinfo=UTC)
    data = invite(start=start, tzid=tzid, summary=text, description=text, location=text)
    calendar, event = only_event(data)
    assert event.start.astimezone(UTC) == start
    if tzid != "UTC":
        own_rules = calendar.timezones[0].to_tz(lookup_tzid=False)
        assert event.start.replace(tzinfo=own_rules).astimezone(UTC) == start
    assert "\n" not in str(event["SUMMARY"])
