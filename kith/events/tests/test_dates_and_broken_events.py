"""Attack 9 of issue 9: an event dated 9999-12-31.

Dates are held to a documented range on the page and the API (never a 500); an RSVP is all or
nothing; an event row stored outside the range (before the limits, or written around the
service) never breaks its .ics, the RSVP button or anyone's calendar feed.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from kith.core.permissions import viewer_for_user
from kith.directory.tests.factories import PersonFactory, login_for
from kith.events import messages, services
from kith.events.models import Event, Rsvp
from kith.events.tests.builders import make_event
from kith.notify.models import Notification

pytestmark = pytest.mark.django_db
UTC = dt.UTC
YEAR_9999 = dt.datetime(9999, 12, 31, 18, 0, tzinfo=UTC)
LOCAL = "%Y-%m-%dT%H:%M"
REFUSED = "is outside the dates Kith takes"


def _client(person, *, hr: bool = False, raise_errors: bool = True) -> Client:
    client = Client(raise_request_exception=raise_errors)
    client.force_login(login_for(person, hr=hr))
    return client


def _in_days(days: float, at: str = "18:00") -> str:
    return (timezone.now() + dt.timedelta(days=days)).strftime(f"%Y-%m-%dT{at}")


def _event_fields(**changes: str) -> dict[str, str]:
    fields = {
        "title": "Year-end party",
        "kind": "meetup",
        "host": "hr",
        "mode": "in_person",
        "starts_local": _in_days(7, "18:00"),
        "ends_local": _in_days(7, "20:00"),
        "timezone": "Europe/Lisbon",
        "venue": "Cantina",
        "city": "Lisbon",
        "country": "PT",
    }
    fields.update(changes)
    return fields


def _api_create(client: Client, **changes: str):
    return client.post("/api/v1/events", _event_fields(**changes), content_type="application/json")


def _api_errors(response) -> dict[str, str]:
    return {e["loc"][-1]: e["msg"] for e in response.json()["detail"]}


def _vevents(content: bytes) -> list:
    return list(Calendar.from_ical(content).events)


# --- refused on the page and the API, with the field named ---------------------------------------

OUT_OF_RANGE = [
    pytest.param(
        "9999-12-31T18:00", "9999-12-31T20:00", "Europe/Lisbon", "starts_local", id="9999"
    ),
    # In UTC these are in the years 10000 and 0: the zone arithmetic itself would overflow.
    pytest.param(
        "9999-12-31T23:00", "9999-12-31T23:30", "America/New_York", "starts_local", id="y10000"
    ),
    pytest.param("0001-01-01T00:30", "0001-01-01T01:00", "Asia/Tokyo", "starts_local", id="y0"),
    pytest.param(_in_days(7), "9999-12-31T20:00", "Europe/Lisbon", "ends_local", id="end-9999"),
]


@pytest.mark.parametrize(("starts", "ends", "zone", "field"), OUT_OF_RANGE)
def test_the_page_refuses_dates_no_calendar_holds_naming_the_field(
    hr_person, starts, ends, zone, field
):
    page = _client(hr_person, hr=True).post(
        "/events/new/", _event_fields(starts_local=starts, ends_local=ends, timezone=zone)
    )
    assert page.status_code == 200
    errors = page.context["form"].errors
    assert field in errors, errors
    message = " ".join(errors[field])
    assert REFUSED in message and (starts if field == "starts_local" else ends)[:10] in message
    assert Event.objects.count() == 0


@pytest.mark.parametrize(("starts", "ends", "zone", "field"), OUT_OF_RANGE)
def test_the_api_refuses_them_with_422_json_naming_the_field(hr_person, starts, ends, zone, field):
    response = _api_create(
        _client(hr_person, hr=True), starts_local=starts, ends_local=ends, timezone=zone
    )
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/json")
    assert REFUSED in _api_errors(response)[field]
    assert Event.objects.count() == 0


def test_the_api_names_the_field_that_is_not_a_real_date(hr_person):
    response = _api_create(_client(hr_person, hr=True), ends_local="2027-02-30T10:00")
    assert response.status_code == 422
    assert _api_errors(response) == {"ends_local": "2027-02-30T10:00 is not a real date and time."}


@pytest.mark.parametrize(
    ("starts", "ends", "field", "message"),
    [
        pytest.param(_in_days(-400), _in_days(-400, "20:00"), "starts_local", REFUSED, id="past"),
        pytest.param(
            _in_days(5 * 365 + 10),
            _in_days(5 * 365 + 10, "20:00"),
            "starts_local",
            REFUSED,
            id="far",
        ),
        pytest.param(_in_days(7), _in_days(22), "ends_local", "lasts at most 14 days", id="long"),
    ],
)
def test_the_limits(hr_person, starts, ends, field, message):
    response = _api_create(_client(hr_person, hr=True), starts_local=starts, ends_local=ends)
    assert response.status_code == 422
    assert message in _api_errors(response)[field]


@pytest.mark.parametrize("days", [-300, 5 * 365 - 5])
def test_a_recent_gathering_and_one_planned_years_ahead_are_taken(hr_person, days):
    response = _client(hr_person, hr=True).post(
        "/api/v1/events",
        {
            **_event_fields(starts_local=_in_days(days), ends_local=_in_days(days + 1, "10:00")),
            "record_past": days < 0,  # HR records a gathering that happened (test_past_events)
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()


def test_an_edit_may_keep_an_old_start_but_not_move_it_further_back(hr_person):
    start = (timezone.now() - dt.timedelta(days=730)).replace(microsecond=0, second=0)
    event = make_event(starts_at=start, ends_at=start + dt.timedelta(hours=2), timezone="UTC")
    viewer = viewer_for_user(login_for(hr_person, hr=True))
    data = services.EventInput(
        title="Renamed",
        kind="meetup",
        host="hr",
        mode="in_person",
        starts_local=start.replace(tzinfo=None),
        ends_local=(start + dt.timedelta(hours=3)).replace(tzinfo=None),
        timezone="UTC",
        venue="Cantina",
        city="Lisbon",
    )
    saved = services.event_save(viewer=viewer, event=event, data=data)
    assert (saved.title, saved.starts_at) == ("Renamed", start)

    earlier = start.replace(tzinfo=None) - dt.timedelta(days=1)
    with pytest.raises(services.ValidationError) as refused:
        services.event_save(
            viewer=viewer,
            event=saved,
            data=services.EventInput(**{**data.__dict__, "starts_local": earlier}),
        )
    assert REFUSED in " ".join(refused.value.message_dict["starts_local"])


# --- an RSVP is all or nothing -----------------------------------------------------------------


def _boom(*args, **kwargs):
    raise RuntimeError("the notification step broke")


@pytest.mark.parametrize("step", ["notification_send", "invite_for"])
def test_a_failure_after_the_rsvp_row_is_written_leaves_no_rsvp(monkeypatch, step):
    event, person = make_event(), PersonFactory()
    monkeypatch.setattr(messages, step, _boom)
    with pytest.raises(RuntimeError):
        services.rsvp_going(event=event, person=person)
    assert not Rsvp.objects.exists()
    assert not Notification.objects.exists()


def test_a_failed_rsvp_request_writes_nothing_through_the_page_or_the_api(monkeypatch):
    event, person = make_event(), PersonFactory()
    client = _client(person, raise_errors=False)
    monkeypatch.setattr(messages, "notification_send", _boom)
    assert client.post(f"/api/v1/events/{event.pk}/rsvp").status_code == 500
    assert client.post(f"/events/{event.pk}/rsvp/", {"answer": "going"}).status_code == 500
    assert not Rsvp.objects.exists()


def test_a_failed_promotion_undoes_the_cancellation_too(monkeypatch):
    event = make_event(capacity=1)
    ana, ben = PersonFactory.create_batch(2)
    services.rsvp_going(event=event, person=ana)
    services.rsvp_going(event=event, person=ben)  # waitlisted
    monkeypatch.setattr(messages, "notification_send", _boom)
    with pytest.raises(RuntimeError):
        services.rsvp_cancel(event=event, person=ana)
    statuses = dict(Rsvp.objects.values_list("person_id", "status"))
    assert statuses == {ana.pk: "going", ben.pk: "waitlisted"}


def test_the_confirmation_is_written_with_the_rsvp():
    event, person = make_event(), PersonFactory()
    services.rsvp_going(event=event, person=person)  # no on_commit callbacks needed
    (note,) = Notification.objects.filter(person=person)
    assert note.kind == "events.going" and note.attachments[0]["content"].startswith("BEGIN")


# --- a row stored outside the range never breaks a calendar file --------------------------------


def _store_around_the_service(event: Event, start: dt.datetime, hours: int = 2) -> Event:
    """As a row saved before the limits existed: straight to the table, no validation."""
    Event.objects.filter(pk=event.pk).update(
        starts_at=start, ends_at=start + dt.timedelta(hours=hours)
    )
    event.refresh_from_db()
    return event


@pytest.fixture
def attendee_with_a_bad_event():
    """Someone going to a good event and to one stored in the year 9999 (the RSVP as the old
    code saved it before answering 500)."""
    person = PersonFactory(timezone="Europe/Lisbon")
    good = make_event(title="Board games night")
    services.rsvp_going(event=good, person=person)
    bad = _store_around_the_service(make_event(title="Year-end party"), YEAR_9999)
    Rsvp.objects.bulk_create(
        [Rsvp(event=bad, person=person, status=Rsvp.Status.GOING, queued_at=timezone.now())]
    )
    return person, good, bad


@pytest.mark.parametrize(
    ("start", "zone"),
    [
        (YEAR_9999, "Europe/Lisbon"),
        (dt.datetime(9999, 12, 31, 21, 0, tzinfo=UTC), "Asia/Tokyo"),  # local: year 10000
        (dt.datetime(2500, 6, 1, 18, tzinfo=UTC), "Europe/Lisbon"),  # would bloat VTIMEZONE
    ],
)
def test_the_feed_leaves_the_bad_event_out_and_logs_its_id_not_the_token(
    attendee_with_a_bad_event, caplog, start, zone
):
    person, _good, bad = attendee_with_a_bad_event
    Event.objects.filter(pk=bad.pk).update(timezone=zone)
    _store_around_the_service(bad, start)
    token = services.feed_token_regenerate(person=person).token
    caplog.set_level(logging.DEBUG)

    response = Client().get(f"/events/feed/{token}.ics")

    assert response.status_code == 200
    assert [str(v["SUMMARY"]) for v in _vevents(response.content)] == ["Board games night"]
    assert f"event {bad.pk}" in caplog.text
    assert token not in caplog.text


def test_the_ics_of_a_bad_event_answers_409_with_a_reason(attendee_with_a_bad_event):
    person, good, bad = attendee_with_a_bad_event
    client = _client(person)
    response = client.get(f"/events/{bad.pk}/invite.ics")
    assert response.status_code == 409
    assert "outside what a calendar can hold" in response.content.decode()
    assert client.get(f"/events/{good.pk}/invite.ics").status_code == 200


def test_an_rsvp_to_a_bad_event_is_refused_and_writes_nothing(attendee_with_a_bad_event):
    _person, _good, bad = attendee_with_a_bad_event
    newcomer = PersonFactory()
    client = _client(newcomer)

    api = client.post(f"/api/v1/events/{bad.pk}/rsvp")
    page = client.post(f"/events/{bad.pk}/rsvp/", {"answer": "going"}, follow=True)

    assert api.status_code == 409
    assert "outside what a calendar can hold" in api.json()["detail"]
    assert page.status_code == 200
    assert "outside what a calendar can hold" in page.content.decode()
    assert not Rsvp.objects.filter(person=newcomer).exists()


def test_leaving_a_bad_event_still_works_and_the_promoted_person_hears_without_an_ics(
    attendee_with_a_bad_event,
):
    person, _good, bad = attendee_with_a_bad_event
    waiting = PersonFactory()
    Event.objects.filter(pk=bad.pk).update(capacity=1)
    Rsvp.objects.bulk_create(
        [Rsvp(event=bad, person=waiting, status=Rsvp.Status.WAITLISTED, queued_at=timezone.now())]
    )
    assert _client(person).post(f"/api/v1/events/{bad.pk}/cancel").status_code == 200
    assert Rsvp.objects.get(event=bad, person=waiting).status == Rsvp.Status.GOING
    (note,) = Notification.objects.filter(person=waiting)
    assert note.kind == "events.promoted" and note.attachments == []


def test_the_bad_events_page_and_the_api_still_answer(attendee_with_a_bad_event):
    person, _good, bad = attendee_with_a_bad_event
    client = _client(person)
    assert client.get(f"/events/{bad.pk}/").status_code == 200
    assert client.get(f"/api/v1/events/{bad.pk}").json()["starts_at"].startswith("9999-12-31")


def test_lists_leave_out_a_row_no_calendar_holds(attendee_with_a_bad_event):
    """Shown in Tokyo, 9999-12-31 21:00 UTC is in the year 10000: it would overflow."""
    _person, good, bad = attendee_with_a_bad_event
    Event.objects.filter(pk=bad.pk).update(timezone="Asia/Tokyo")
    _store_around_the_service(bad, dt.datetime(9999, 12, 31, 21, tzinfo=UTC))
    client = _client(PersonFactory(timezone="Asia/Tokyo"))
    page = client.get("/events/")
    assert page.status_code == 200 and "Board games night" in page.content.decode()
    assert [e["id"] for e in client.get("/api/v1/events").json()] == [good.pk]


# --- the attack, end to end ------------------------------------------------------------------


def test_attack_9_end_to_end(hr_person, attendee_with_a_bad_event, caplog):
    """The year-9999 event is refused on the page and the API; one already stored takes no
    RSVPs, has no .ics, and its attendees' feeds still answer, logging no token."""
    caplog.set_level(logging.DEBUG)
    hr = _client(hr_person, hr=True)
    year_9999 = {"starts_local": "9999-12-31T18:00", "ends_local": "9999-12-31T20:00"}
    assert hr.post("/events/new/", _event_fields(**year_9999)).status_code == 200
    assert _api_create(hr, **year_9999).status_code == 422
    assert not Event.objects.filter(starts_at__year=9999).exclude(title="Year-end party").exists()

    person, _good, bad = attendee_with_a_bad_event
    guest = _client(PersonFactory(), raise_errors=False)
    assert guest.post(f"/api/v1/events/{bad.pk}/rsvp").status_code == 409
    assert guest.post(f"/events/{bad.pk}/rsvp/", {"answer": "going"}).status_code == 302
    assert Rsvp.objects.filter(event=bad).count() == 1  # only the one stored before
    assert _client(person).get(f"/events/{bad.pk}/invite.ics").status_code == 409

    token = services.feed_token_regenerate(person=person).token
    feed = Client(raise_request_exception=False).get(f"/events/feed/{token}.ics")
    assert feed.status_code == 200
    assert [str(v["SUMMARY"]) for v in _vevents(feed.content)] == ["Board games night"]
    assert token not in caplog.text
    assert "Internal Server Error" not in caplog.text
