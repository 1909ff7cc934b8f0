"""The channel guide's API: reads for everyone, edits for HR, advice and proposals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kith.core.models import AuditEvent
from kith.directory.tests.factories import PersonFactory
from kith.guidelines.models import ConversationKind
from kith.guidelines.tests.guide_fixtures import PROPOSAL_RATE, proposal_rate  # noqa: F401
from kith.notify.models import Notification

pytestmark = pytest.mark.django_db
API = "/api/v1/guidelines"


def test_everyone_reads_the_guide(employee_client) -> None:
    body = employee_client.get(f"{API}/guide").json()
    health = next(k for k in body if k["slug"] == "health")
    assert health["sensitivity"] == "high"
    assert {c["channel"]: c["fit"] for c in health["cells"]}["chat"] == "avoid"


def test_hr_edits_and_others_get_403(employee_client, hr_client) -> None:
    kind = employee_client.get(f"{API}/guide").json()[0]
    url = f"{API}/guide/kinds/{kind['id']}/cells"
    cells = {"cells": [{"channel": "chat", "fit": "good", "why": "Quick follow-ups."}]}
    assert employee_client.put(url, cells, content_type="application/json").status_code == 403
    response = hr_client.put(url, cells, content_type="application/json")
    assert response.status_code == 200
    chat = next(c for c in response.json()["cells"] if c["channel"] == "chat")
    assert chat == {"channel": "chat", "fit": "good", "why": "Quick follow-ups."}
    assert AuditEvent.objects.filter(action="guidelines.cells_changed").exists()


def test_kind_lifecycle(hr_client) -> None:
    hr_client.get(f"{API}/guide")
    created = hr_client.post(
        f"{API}/guide/kinds",
        {"name": "Restructuring", "sensitivity": "high"},
        content_type="application/json",
    )
    assert created.status_code == 201
    kind_id = created.json()["id"]
    patched = hr_client.patch(
        f"{API}/guide/kinds/{kind_id}",
        {"name": "Reorganisation", "position": 0},
        content_type="application/json",
    ).json()
    assert (patched["name"], patched["position"]) == ("Reorganisation", 0)
    duplicate = hr_client.patch(
        f"{API}/guide/kinds/{kind_id}", {"name": "Feedback"}, content_type="application/json"
    )
    assert duplicate.status_code == 400
    assert duplicate.json()["detail"].startswith("Name:")
    assert hr_client.delete(f"{API}/guide/kinds/{kind_id}").status_code == 204
    assert hr_client.post(f"{API}/guide/reset").status_code == 200
    assert not ConversationKind.objects.filter(pk=kind_id).exists()


def test_bad_cells_name_the_field(hr_client) -> None:
    kind = hr_client.get(f"{API}/guide").json()[0]
    response = hr_client.put(
        f"{API}/guide/kinds/{kind['id']}/cells",
        {"cells": [{"channel": "fax", "fit": "good", "why": "x"}]},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "channel" in str(response.json()["detail"])


def test_advice_for_a_sensitive_conversation_far_apart(employee_client, employee) -> None:
    tokyo = PersonFactory(city="Tokyo", country="JP", timezone="Asia/Tokyo")
    response = employee_client.post(
        f"{API}/advice",
        {"kind": "health", "urgency": "today", "colleague": tokyo.pk},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["recommended"]["channel"] == "video"
    assert body["distance"] == "far_apart" and body["distance_worked_out"]
    assert body["zone_gap_hours"] == pytest.approx(9.0, abs=1)
    assert "chat" in {o["channel"] for o in body["not_advised"]}
    assert body["next_step"]["kind"] == "call"
    assert "no-store" in response["Cache-Control"]


def test_advice_errors_name_the_field(employee_client) -> None:
    response = employee_client.post(
        f"{API}/advice", {"kind": "health"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "How far apart" in response.json()["detail"]
    missing = employee_client.post(
        f"{API}/advice", {"kind": "nope", "distance": "same_zone"}, content_type="application/json"
    )
    assert missing.status_code == 404


def test_propose_call_sends_ics_and_is_rate_limited(employee_client) -> None:
    other = PersonFactory()
    start = timezone.now() + dt.timedelta(days=2)

    def payload(hours: int) -> dict[str, object]:
        when = (start + dt.timedelta(hours=hours)).isoformat()
        return {"colleague": other.pk, "starts_at": when, "channel": "phone"}

    for hour in range(int(PROPOSAL_RATE.split("/")[0])):
        response = employee_client.post(
            f"{API}/propose-call", payload(hour), content_type="application/json"
        )
        assert response.status_code == 201
    again = employee_client.post(f"{API}/propose-call", payload(0), content_type="application/json")
    assert again.status_code == 201  # the same proposal again: answered, not sent twice
    assert Notification.objects.filter(person=other, kind="guidelines.proposal").count() == 5
    over = employee_client.post(f"{API}/propose-call", payload(-1), content_type="application/json")
    assert over.status_code == 429
    assert "Retry-After" in over
