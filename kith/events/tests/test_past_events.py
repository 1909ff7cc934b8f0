"""Issue 14, item 6: an event is planned from now on. HR alone records one that already
happened, by ticking "Record a past event" (the API's `record_past`), and the audit log says so."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone, translation

from kith.core.models import AuditEvent
from kith.core.permissions import viewer_for_user
from kith.directory.tests.factories import PersonFactory, login_for
from kith.events import services
from kith.events.models import Event
from kith.events.tests.builders import community, join, make_event

pytestmark = pytest.mark.django_db
PASSED = "has passed: an event starts from now on"


def _client(person, *, hr: bool = False) -> Client:
    client = Client()
    client.force_login(login_for(person, hr=hr))
    return client


def _local(delta: dt.timedelta) -> str:
    return (timezone.now() + delta).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M")


def _fields(start: dt.timedelta, **changes: object) -> dict[str, object]:
    return {
        "title": "Summer picnic",
        "kind": "meetup",
        "host": "hr",
        "mode": "in_person",
        "starts_local": _local(start),
        "ends_local": _local(start + dt.timedelta(hours=2)),
        "timezone": "UTC",
        "venue": "Jardim da Estrela",
        "city": "Lisbon",
        "country": "PT",
        **changes,
    }


def test_the_form_refuses_a_start_that_has_passed_and_says_what_to_do(hr_person):
    page = _client(hr_person, hr=True).post("/events/new/", _fields(-dt.timedelta(days=2)))
    assert page.status_code == 200
    [message] = page.context["form"].errors["starts_local"]
    assert PASSED in message and "Record a past event" in message
    assert not Event.objects.exists()


def test_hr_records_a_past_event_by_saying_so_and_the_audit_log_notes_it(hr_person):
    page = _client(hr_person, hr=True).post(
        "/events/new/", _fields(-dt.timedelta(days=2), record_past="on")
    )
    assert page.status_code == 302, page.context["form"].errors
    event = Event.objects.get()
    assert event.starts_at < timezone.now()
    assert AuditEvent.objects.filter(
        action="events.past_event_recorded", target=f"event:{event.pk}"
    ).exists()


def test_a_start_a_few_minutes_ago_is_an_event_starting_now():
    event_start = dt.timedelta(minutes=-5)
    response = _client(PersonFactory(), hr=True).post(
        "/api/v1/events", _fields(event_start), content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    assert not AuditEvent.objects.filter(action="events.past_event_recorded").exists()


def test_only_hr_may_record_a_past_event(hr_person):
    leader = PersonFactory()
    group = community("Runners")
    join(leader, group, "leader")
    response = _client(leader).post(
        "/api/v1/events",
        _fields(-dt.timedelta(days=1), host=f"community:{group.pk}", record_past=True),
        content_type="application/json",
    )
    assert response.status_code == 422
    [error] = [e for e in response.json()["detail"] if e["loc"][-1] == "starts_local"]
    assert PASSED in error["msg"] and "Record a past event" not in error["msg"]
    form = _client(leader).get("/events/new/").context["form"]
    assert "record_past" not in form.fields
    assert not Event.objects.exists()


def test_the_api_refuses_a_past_start_without_record_past(hr_person):
    response = _client(hr_person, hr=True).post(
        "/api/v1/events", _fields(-dt.timedelta(hours=3)), content_type="application/json"
    )
    assert response.status_code == 422
    assert any(PASSED in e["msg"] for e in response.json()["detail"])


def test_an_edit_keeps_a_start_that_has_passed_but_does_not_move_one_into_the_past(hr_person):
    start = (timezone.now() - dt.timedelta(days=3)).replace(second=0, microsecond=0)
    event = make_event(starts_at=start, timezone="UTC", created_by=hr_person)
    hr = viewer_for_user(login_for(hr_person, hr=True))
    data = services.EventInput(
        title="Renamed afterwards",
        kind="meetup",
        host="hr",
        mode="in_person",
        starts_local=start.replace(tzinfo=None),
        ends_local=(start + dt.timedelta(hours=2)).replace(tzinfo=None),
        timezone="UTC",
        venue="Cantina",
        city="Lisbon",
    )
    assert services.event_save(viewer=hr, event=event, data=data).title == "Renamed afterwards"
    upcoming = make_event(created_by=hr_person, timezone="UTC")
    with pytest.raises(services.ValidationError) as refused:
        services.event_save(viewer=hr, event=upcoming, data=data)
    assert PASSED in " ".join(refused.value.message_dict["starts_local"])


def test_the_refusal_reads_in_portuguese(hr_person):
    viewer = viewer_for_user(login_for(hr_person, hr=True))
    start = (timezone.now() - dt.timedelta(days=1)).replace(tzinfo=None)
    data = services.EventInput(
        title="Piquenique",
        kind="meetup",
        host="hr",
        mode="virtual",
        starts_local=start,
        ends_local=start + dt.timedelta(hours=1),
        timezone="UTC",
        link="https://meet.example.org/x",
    )
    with translation.override("pt"), pytest.raises(services.ValidationError) as refused:
        services.event_save(viewer=viewer, event=None, data=data)
    assert "já passou" in " ".join(refused.value.message_dict["starts_local"])


def test_a_broken_rule_names_the_field_never_the_constraint():
    """Issue 14, item 5: model validation says which field and what limit, not "Constraint
    “event_ends_after_start” is violated"."""
    from django.core.exceptions import ValidationError

    from kith.celebrate.models import BirthdayOptIn
    from kith.gatherings.models import Gathering

    start = timezone.now() + dt.timedelta(days=2)
    event = make_event(starts_at=start)
    event.ends_at = start - dt.timedelta(hours=1)
    with pytest.raises(ValidationError) as broken:
        event.full_clean()
    text = " ".join(broken.value.messages)
    assert "must end after it starts" in text and "Constraint" not in text
    with pytest.raises(ValidationError) as broken:
        BirthdayOptIn(person=PersonFactory(), month=13, day=1).full_clean()
    assert "month is 1 to 12" in " ".join(broken.value.messages)
    gathering = Gathering(name="x", kind="core_week", days=9, organiser=PersonFactory())
    gathering.first_day = gathering.last_day = dt.date(2027, 5, 3)
    with pytest.raises(ValidationError) as broken:
        gathering.full_clean()
    assert "1 to 7 days" in " ".join(broken.value.messages)
