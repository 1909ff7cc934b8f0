"""Each event type, heard through the domain apps' hooks and delivered to a real local
server: ids and aggregates only, and the survey figures exactly as the disclosure layer
published them to HR."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection

from kith.connect import hooks as connect_hooks
from kith.connect import rounds
from kith.connect.tests.factories import ProgramFactory
from kith.core.dates import org_today
from kith.core.permissions import viewer_for_user
from kith.directory.importing.apply import people_import
from kith.directory.models import Person
from kith.directory.tests.factories import PersonFactory, login_for
from kith.events import services as event_services
from kith.events.tests.builders import community, make_event
from kith.pulse import results, selectors
from kith.pulse import services as pulse_services
from kith.pulse.tests.builders import answer_all, build_org, campaign
from kith.webhooks import events
from kith.webhooks.models import Delivery
from kith.webhooks.tests.helpers import bodies, endpoint, hr_viewer, send_all

pytestmark = pytest.mark.django_db

PLANTED = "Zebulon Quartermaine-Xyloph"
PLANTED_EMAIL = "zebulon.planted@example.com"
HEADER = "employee_id,full_name,email,department,team,city,country\n"


def _assert_nowhere(receiver, *secrets: str) -> None:
    """Not in any body sent, nor anywhere in the Delivery table (read raw)."""
    for request in receiver.received:
        text = request.body.decode()
        for secret in secrets:
            assert secret.lower() not in text.lower()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Delivery._meta.db_table}")
        dump = repr(cursor.fetchall()).lower()
    for secret in secrets:
        assert secret.lower() not in dump


def test_person_joined_and_left_through_the_import_carry_no_name_or_email(
    receiver, django_capture_on_commit_callbacks
):
    endpoint(hr_viewer(), receiver.url)
    csv = (
        HEADER
        + f"E-901,{PLANTED},{PLANTED_EMAIL},Ops,Field,Lisbon,PT\n"
        + "E-902,Ana Stay,ana.stay@example.com,Ops,Field,Lisbon,PT\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert people_import(content=csv.encode(), filename="hris.csv").applied
    with django_capture_on_commit_callbacks(execute=True):
        outcome = people_import(
            content=(HEADER + "E-902,Ana Stay,ana.stay@example.com,Ops,Field,Lisbon,PT\n").encode(),
            filename="hris2.csv",
            deactivate_missing=True,
        )
        assert outcome.applied
    send_all()
    planted = Person.objects.get(employee_id="E-901")
    joined = bodies(receiver, events.PERSON_JOINED)
    assert sorted(b["data"]["employee_id"] for b in joined) == ["E-901", "E-902"]
    [left] = [
        b for b in bodies(receiver, events.PERSON_LEFT) if b["data"]["person_id"] == planted.pk
    ]
    assert left["data"] == {
        "person_id": planted.pk,
        "employee_id": "E-901",
        "org_unit_id": planted.org_unit_id,
        "date": org_today().isoformat(),
    }
    _assert_nowhere(receiver, PLANTED, "Quartermaine", PLANTED_EMAIL, "ana.stay")


def test_round_drawn_carries_counts_once(receiver, django_capture_on_commit_callbacks):
    endpoint(hr_viewer(), receiver.url)
    program = ProgramFactory()
    [PersonFactory(full_name=f"{PLANTED} {i}") for i in range(4)]
    date = dt.date(2026, 1, 7)
    with django_capture_on_commit_callbacks(execute=True):
        drawn = rounds.round_run(program=program, round_date=date)  # calls the hook itself
    assert Delivery.objects.filter(event_type=events.ROUND_DRAWN).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        connect_hooks.round_drawn(drawn.pk)  # heard twice: delivered once
    send_all()
    [body] = bodies(receiver, events.ROUND_DRAWN)
    assert body["data"] == {
        "program_id": program.pk,
        "program_name": program.name,
        "program_kind": program.kind,
        "round_id": drawn.pk,
        "round_date": "2026-01-07",
        "groups": drawn.stats["groups"],
        "matched_people": drawn.stats["matched"],
    }
    assert body["data"]["matched_people"] >= 4
    _assert_nowhere(receiver, PLANTED)


def test_event_created_through_the_events_service(
    receiver, hr_person, django_capture_on_commit_callbacks
):
    endpoint(hr_viewer(), receiver.url)
    viewer = viewer_for_user(login_for(hr_person, hr=True))
    start = (dt.datetime.now() + dt.timedelta(days=10)).replace(microsecond=0, second=0)
    data = event_services.EventInput(
        title="Spring picnic",
        kind="meetup",
        host="hr",
        mode="in_person",
        starts_local=start,
        ends_local=start + dt.timedelta(hours=2),
        timezone="Europe/Lisbon",
        description=f"Ask {PLANTED} for the blankets",
        venue="Jardim da Estrela",
        city="Lisbon",
        country="PT",
    )
    with django_capture_on_commit_callbacks(execute=True):
        event = event_services.event_save(viewer=viewer, event=None, data=data)
    with django_capture_on_commit_callbacks(execute=True):  # an edit is not a creation
        event_services.event_save(viewer=viewer, event=event, data=data)
    send_all()
    [body] = bodies(receiver, events.EVENT_CREATED)
    assert body["data"]["event_id"] == event.pk
    assert body["data"]["title"] == "Spring picnic"
    assert (body["data"]["city"], body["data"]["kind"]) == ("Lisbon", "meetup")
    assert body["data"]["starts_at"].endswith("Z")
    _assert_nowhere(receiver, PLANTED, "blankets", "Jardim")


def test_a_confidential_communitys_event_is_not_sent(receiver, django_capture_on_commit_callbacks):
    from kith.events import hooks as events_hooks

    endpoint(hr_viewer(), receiver.url)
    group = community("Quiet circle", visibility="confidential")
    hidden = make_event(title="Circle evening", host="community", community=group)
    shown = make_event(title="Open evening", invite_only=True)
    with django_capture_on_commit_callbacks(execute=True):
        events_hooks.event_created(hidden.pk)
        events_hooks.event_created(shown.pk)
    send_all()
    [body] = bodies(receiver, events.EVENT_CREATED)
    assert body["data"]["event_id"] == shown.pk and body["data"]["invite_only"] is True
    assert "invitees" not in body["data"]
    _assert_nowhere(receiver, "Circle evening", "Quiet circle")


# --- Pulse -----------------------------------------------------------------------------------


@pytest.fixture
def org():
    return build_org()


def _close(org, django_capture_on_commit_callbacks):
    hr_user = login_for(org.hr, hr=True)
    wave = campaign(hr_user, today=org_today()).waves.get(number=1)
    pulse_services.wave_send(wave=wave)
    wave.refresh_from_db()
    answer_all(wave, org.platform_people + org.data_people + org.direct_people)
    with django_capture_on_commit_callbacks(execute=True):
        pulse_services.wave_close(wave=wave, actor=hr_user)
    wave.refresh_from_db()
    return wave, viewer_for_user(hr_user)


def test_wave_closed_sends_what_the_disclosure_layer_published_to_hr(
    receiver, org, django_capture_on_commit_callbacks
):
    endpoint(hr_viewer(org.hr), receiver.url)
    wave, hr = _close(org, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):  # a recompute is no second closing
        results.wave_results_compute(wave=wave)
    send_all()
    [body] = bodies(receiver, events.WAVE_CLOSED)
    data = body["data"]
    assert (data["wave_id"], data["campaign_id"], data["min_group"]) == (
        wave.pk,
        wave.campaign_id,
        5,
    )
    page = selectors.results_for_viewer(hr, wave, record=False)
    assert page is not None
    columns = page.columns
    expected = []
    for row in page.rows:
        group = {
            "org_unit_id": wave.units[row.unit][0],
            "level": row.depth,
            "withheld": row.cell is None,
        }
        if row.cell is None:
            group["reason"] = events.WITHHELD_GROUP
        else:
            group["respondents"] = row.cell.respondents
            group["invited"] = row.cell.invited
            group["figures"] = [
                {
                    "key": c.key,
                    "kind": c.kind,
                    "value": selectors.cell_value(row.cell, c),
                    **(
                        {"reason": events.WITHHELD_FIGURE}
                        if selectors.cell_value(row.cell, c) is None
                        else {}
                    ),
                }
                for c in columns
            ]
        expected.append(group)
    assert data["groups"] == json.loads(json.dumps(expected))
    by_unit = {g["org_unit_id"]: g for g in data["groups"]}
    # The organisation is published; Engineering and People (the lone HR admin) are not,
    # and nothing about them but that is sent.
    assert by_unit[None]["respondents"] == 15
    assert by_unit[org.engineering.pk] == {
        "org_unit_id": org.engineering.pk,
        "level": 1,
        "withheld": True,
        "reason": events.WITHHELD_GROUP,
    }
    assert by_unit[org.hr.org_unit_id]["withheld"] is True
    # Teams below the top level (Platform, Data) are not in the payload at all.
    assert org.platform.pk not in by_unit and org.data.pk not in by_unit
    _assert_nowhere(receiver, "Maya Jackson", "Platform Person", "maya@example.com")


def test_wave_closed_is_sent_by_the_periodic_close_too(
    receiver, org, django_capture_on_commit_callbacks
):
    endpoint(hr_viewer(org.hr), receiver.url, [events.WAVE_CLOSED])
    hr_user = login_for(org.hr, hr=True)
    wave = campaign(hr_user, today=org_today() - dt.timedelta(days=10)).waves.get(number=1)
    pulse_services.wave_send(wave=wave)
    wave.refresh_from_db()
    answer_all(wave, org.platform_people + org.data_people + org.direct_people)
    with django_capture_on_commit_callbacks(execute=True):
        assert results.waves_close_due() == 1
    send_all()
    assert [b["data"]["wave_id"] for b in bodies(receiver, events.WAVE_CLOSED)] == [wave.pk]
