"""CalDAV against a real Radicale server: the free-busy REPORT, Connect's slot suggestions,
and that nothing of an event (nor the app password) reaches Kith's database."""

from __future__ import annotations

import datetime as dt
import threading
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from caldav.collection import Calendar
from caldav.davclient import DAVClient
from django.core.exceptions import ValidationError
from django.test import override_settings

from kith.calendars.adapters import CalendarError
from kith.calendars.adapters.caldav import CaldavCalendar
from kith.calendars.models import CalendarConnection, ErrorCode
from kith.calendars.services import busy_for_people, calendar_connect_caldav, calendar_test
from kith.calendars.tests.conftest import database_text
from kith.connect import rounds
from kith.connect.tests.factories import ProgramFactory
from kith.core import calendars as core_calendars
from kith.core import netpolicy
from kith.core.permissions import viewer_for_user
from kith.directory.tests.factories import PersonFactory, login_for
from kith.touchpoints.services import oneonones

UTC = dt.UTC
PASSWORD = "app-pw-Zq8vX2mK4rT9"


def _calendar(radicale_url: str, user: str) -> Calendar:
    """A fresh calendar for `user` (Radicale without authentication takes any user name)."""
    client = DAVClient(url=radicale_url, username=user, password=PASSWORD)
    return client.principal().make_calendar(name="Work", cal_id=uuid.uuid4().hex)


def _event(calendar: Calendar, start: dt.datetime, end: dt.datetime, word: str = "") -> None:
    calendar.save_event(
        dtstart=start,
        dtend=end,
        summary=f"Meeting {word}",
        description=f"Agenda {word}",
        location=f"Room {word}",
        attendees=[] if not word else None,
    )


@contextmanager
def redirecting_server(to: str) -> Iterator[str]:
    """A server on 127.0.0.1 that answers every request with a redirect to `to`."""

    class Handler(BaseHTTPRequestHandler):
        def _redirect(self) -> None:
            self.send_response(302)
            self.send_header("Location", to)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_PROPFIND = do_REPORT = do_OPTIONS = _redirect

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/alice/work/"
    finally:
        server.shutdown()
        server.server_close()


def _viewer(person):
    return viewer_for_user(login_for(person))


def _connect(person, radicale_url: str) -> Calendar:
    calendar = _calendar(radicale_url, f"user{person.pk}")
    calendar_connect_caldav(
        viewer=_viewer(person),
        url=str(calendar.url),
        username=f"user{person.pk}",
        password=PASSWORD,
    )
    return calendar


def test_the_adapter_reads_busy_intervals_from_the_free_busy_report(radicale_url, local_calendars):
    calendar = _calendar(radicale_url, "alice")
    _event(
        calendar, dt.datetime(2030, 1, 7, 10, tzinfo=UTC), dt.datetime(2030, 1, 7, 11, tzinfo=UTC)
    )
    _event(
        calendar, dt.datetime(2030, 1, 7, 17, tzinfo=UTC), dt.datetime(2030, 1, 7, 19, tzinfo=UTC)
    )
    _event(
        calendar, dt.datetime(2030, 1, 9, 10, tzinfo=UTC), dt.datetime(2030, 1, 9, 11, tzinfo=UTC)
    )
    adapter = CaldavCalendar(url=str(calendar.url), username="alice", password=PASSWORD)

    busy = adapter.busy(
        dt.datetime(2030, 1, 7, 8, tzinfo=UTC), dt.datetime(2030, 1, 7, 18, tzinfo=UTC)
    )

    # Clipped to the window: the evening meeting ends at the window's end; Wednesday is out.
    assert busy == [
        (dt.datetime(2030, 1, 7, 10, tzinfo=UTC), dt.datetime(2030, 1, 7, 11, tzinfo=UTC)),
        (dt.datetime(2030, 1, 7, 17, tzinfo=UTC), dt.datetime(2030, 1, 7, 18, tzinfo=UTC)),
    ]


def test_a_missing_calendar_and_a_dead_server_are_codes_not_crashes(radicale_url, local_calendars):
    window = (dt.datetime(2030, 1, 7, tzinfo=UTC), dt.datetime(2030, 1, 8, tzinfo=UTC))
    missing = CaldavCalendar(url=f"{radicale_url}nobody/nothing/", username="x", password="y")
    with pytest.raises(CalendarError) as caught:
        missing.busy(*window)
    assert caught.value.code in (ErrorCode.NOT_FOUND, ErrorCode.BAD_RESPONSE)

    from kith.calendars.tests.conftest import free_port

    dead = CaldavCalendar(url=f"http://127.0.0.1:{free_port()}/a/b/", username="x", password="y")
    with pytest.raises(CalendarError) as caught:
        dead.busy(*window)
    assert caught.value.code == ErrorCode.UNREACHABLE


def test_kith_refuses_to_call_a_private_address_unless_allowed(radicale_url, db):
    person = PersonFactory()
    with override_settings(KITH_CALENDARS_ALLOWED_NETWORKS=[]):
        adapter = CaldavCalendar(url=f"{radicale_url}alice/work/", username="a", password="b")
        with pytest.raises(CalendarError) as caught:
            adapter.busy(dt.datetime(2030, 1, 7, tzinfo=UTC), dt.datetime(2030, 1, 8, tzinfo=UTC))
        assert caught.value.code == ErrorCode.FORBIDDEN_HOST
        for url in ("http://169.254.169.254/latest/", "http://[::1]/x/", "file:///etc/passwd"):
            with pytest.raises(Exception, match="Calendar URL"):
                calendar_connect_caldav(viewer=_viewer(person), url=url, username="", password="p")
    assert not CalendarConnection.objects.exists()


@pytest.mark.django_db
def test_connect_slot_suggestions_avoid_busy_time_in_radicale(radicale_url, local_calendars):
    """Acceptance: one person has a busy event over the first slot Connect would otherwise
    suggest; no suggested slot overlaps it."""
    program = ProgramFactory(starts_on=dt.date(2030, 6, 3), weekday=3, local_hour=10)
    people = [PersonFactory(timezone="Europe/Lisbon") for _ in range(2)]
    plan = rounds.RoundPlan(program, dt.date(2030, 6, 5), 1, people, [], [], [])
    planned = rounds.PlannedMatch(people=people, explanation="")
    before = rounds.suggested_times(plan, planned)
    assert before, "the two people share working hours: Connect suggests times"
    first = before[0]
    length = dt.timedelta(minutes=program.meeting_minutes)

    calendar = _connect(people[1], radicale_url)
    busy_from, busy_to = first - dt.timedelta(minutes=15), first + length + dt.timedelta(minutes=15)
    _event(calendar, busy_from, busy_to)

    after = rounds.suggested_times(plan, planned)

    assert after and first not in after
    assert not [t for t in after if t < busy_to and busy_from < t + length]
    assert CalendarConnection.objects.get(person=people[1]).last_ok_at is not None


@pytest.mark.django_db
def test_one_on_one_proposals_avoid_calendar_busy_time(radicale_url, local_calendars):
    boss = PersonFactory(timezone="UTC")
    report = PersonFactory(manager=boss, timezone="UTC")
    pair = oneonones.one_on_one_ensure(manager=boss, report=report)
    monday = dt.datetime(2030, 6, 3, tzinfo=UTC)
    calendar = _connect(boss, radicale_url)
    for day in range(14):  # the boss's mornings are full
        start = monday + dt.timedelta(days=day, hours=8)
        _event(calendar, start, start + dt.timedelta(hours=5))

    slots = oneonones.propose_times(pair, after=monday, minutes=30, count=3)

    assert len(slots) == 3 and all(slot.hour >= 13 for slot in slots)


@pytest.mark.django_db
def test_planted_words_and_the_password_never_reach_the_database(radicale_url, local_calendars):
    word = "Xylophonequartz" + uuid.uuid4().hex[:6]
    person = PersonFactory(timezone="UTC")
    calendar = _connect(person, radicale_url)
    start = dt.datetime.now(UTC).replace(microsecond=0) + dt.timedelta(days=1)
    _event(calendar, start, start + dt.timedelta(hours=1), word=word)

    result = calendar_test(viewer=_viewer(person))
    busy = core_calendars.busy_intervals(
        [person.pk], start - dt.timedelta(hours=2), start + dt.timedelta(days=2)
    )

    assert result.busy_count == 1
    assert busy == {person.pk: [(start, start + dt.timedelta(hours=1))]}
    dump = database_text()
    assert word.lower() not in dump.lower()
    assert PASSWORD not in dump
    assert "sealed:v1:" in CalendarConnection.objects.get(person=person).password_sealed


@pytest.mark.django_db
def test_a_failing_calendar_records_a_code_and_is_not_asked_again_at_once(
    radicale_url, local_calendars
):
    person = PersonFactory()
    calendar_connect_caldav(
        viewer=_viewer(person), url=f"{radicale_url}ghost/none/", username="g", password="p"
    )
    window = (dt.datetime(2030, 1, 7, tzinfo=UTC), dt.datetime(2030, 1, 8, tzinfo=UTC))

    assert busy_for_people([person.pk], *window) == {}
    connection = CalendarConnection.objects.get(person=person)
    assert connection.last_error in ErrorCode.values and connection.last_error_at is not None
    CalendarConnection.objects.filter(pk=connection.pk).update(calendar_url="http://127.0.0.1:1/")
    assert busy_for_people([person.pk], *window) == {}  # skipped: no second error recorded
    assert (
        CalendarConnection.objects.get(pk=connection.pk).last_error_at == connection.last_error_at
    )


def _answering(*addresses: str):
    def resolve(host: str, port: int) -> list[str]:
        return list(addresses)

    return resolve


def test_the_call_goes_only_to_the_vetted_address(radicale_url, local_calendars):
    """DNS rebinding: the check sees one answer, the HTTP library must not ask again. Radicale
    listens on 127.0.0.1 only; the system resolver answers "localhost" with 127.0.0.1."""
    window = (dt.datetime(2030, 1, 7, tzinfo=UTC), dt.datetime(2030, 1, 8, tzinfo=UTC))
    calendar = _calendar(radicale_url, "pinned")
    path = urllib.parse.urlsplit(str(calendar.url)).path
    port = urllib.parse.urlsplit(radicale_url).port
    # A name no system resolver knows reaches Radicale through the vetted address alone …
    named = f"http://calendar.kith-rebind.invalid:{port}{path}"
    adapter = CaldavCalendar(
        url=named, username="pinned", password=PASSWORD, resolve=_answering("127.0.0.1")
    )
    assert adapter.busy(*window) == []
    # … and when the check saw 127.0.0.2 (nothing listens there), the call goes there too,
    # not where a second lookup of "localhost" would lead (Radicale, 127.0.0.1).
    rebound = CaldavCalendar(
        url=f"http://localhost:{port}{path}",
        username="pinned",
        password=PASSWORD,
        resolve=_answering("127.0.0.2"),
    )
    with pytest.raises(CalendarError) as caught:
        rebound.busy(*window)
    assert caught.value.code == ErrorCode.UNREACHABLE
    assert (
        CaldavCalendar(
            url=f"http://localhost:{port}{path}", username="pinned", password=PASSWORD
        ).busy(*window)
        == []
    )


def test_a_redirect_is_not_followed_even_to_an_allowed_address(radicale_url, local_calendars):
    window = (dt.datetime(2030, 1, 7, tzinfo=UTC), dt.datetime(2030, 1, 8, tzinfo=UTC))
    calendar = _calendar(radicale_url, "redirected")
    # Followed, the redirect would read this calendar without a fault.
    assert CaldavCalendar(url=str(calendar.url), username="r", password="p").busy(*window) == []
    with redirecting_server(str(calendar.url)) as url:
        adapter = CaldavCalendar(url=url, username="r", password="p")
        with pytest.raises(CalendarError) as caught:
            adapter.busy(*window)
    assert caught.value.code in (ErrorCode.UNREACHABLE, ErrorCode.BAD_RESPONSE)


def test_a_public_server_needs_https_and_a_translated_private_one_is_refused(db, monkeypatch):
    """Plain http would carry the app password in clear and let a rebinding name reach an
    internal server: outside the allowed networks only https is accepted."""
    person = PersonFactory()
    public = "93.184.215.14"
    monkeypatch.setattr(netpolicy, "system_resolve", _answering(public))
    with override_settings(KITH_CALENDARS_ALLOWED_NETWORKS=[]):
        with pytest.raises(ValidationError) as refused:
            calendar_connect_caldav(
                viewer=_viewer(person), url="http://cal.example.com/dav/", username="", password="p"
            )
        assert "use https://" in str(refused.value.message_dict["url"])
        for translated in ("64:ff9b::a9fe:a9fe", "::ffff:10.0.0.1", "2002:a00:1::1", "100.64.0.9"):
            monkeypatch.setattr(netpolicy, "system_resolve", _answering(translated))
            with pytest.raises(ValidationError) as refused:
                calendar_connect_caldav(
                    viewer=_viewer(person),
                    url="https://cal.example.com/dav/",
                    username="",
                    password="p",
                )
            assert "may not call this address" in str(refused.value.message_dict["url"])
        monkeypatch.setattr(netpolicy, "system_resolve", _answering(public))
        calendar_connect_caldav(
            viewer=_viewer(person), url="https://cal.example.com/dav/", username="", password="p"
        )
    assert CalendarConnection.objects.get(person=person).calendar_url == (
        "https://cal.example.com/dav/"
    )
