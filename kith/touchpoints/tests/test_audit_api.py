"""/api/v1/touchpoints/audit/…: the same permissions and rules as the pages."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth.models import AnonymousUser

from kith.core.permissions import Viewer
from kith.directory.tests.factories import PersonFactory
from kith.touchpoints.models.audit import LifecycleProcess, ProcessStep, StepReceipt
from kith.touchpoints.services import audit as services

API = "/api/v1/touchpoints/audit"
REVIEW = {
    "name": "Review form",
    "mode": "automated",
    "needs_human_touch": True,
    "why_human": "It decides pay.",
}


def post(client, path, body=None, method="post"):
    send = getattr(client, method)
    return send(f"{API}{path}", json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def process_id(hr_client):
    response = post(hr_client, "/processes", {"stage": "perform", "name": "Reviews"})
    assert response.status_code == 201, response.content
    return response.json()["id"]


@pytest.fixture
def step_id(hr_client, process_id):
    response = post(hr_client, f"/processes/{process_id}/steps", REVIEW)
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_hr_maps_a_process_through_the_api_and_reads_the_flag(hr_client, process_id):
    made = post(hr_client, f"/processes/{process_id}/steps", REVIEW).json()
    assert made["risk"] == "high" and made["stage"] == "perform"
    assert made["reasons"] == ["It needs a human touch, but no person takes part in it."]
    assert made["figure"] is None
    journey = hr_client.get(f"{API}/map").json()
    assert journey["counts"] == {"high": 1, "medium": 0, "low": 0}
    assert [s["stage"] for s in journey["stages"]][:3] == ["recruit", "onboard", "perform"]
    assert journey["flagged"][0]["name"] == "Review form"
    perform = journey["stages"][2]
    assert perform["worst"] == "high" and perform["processes"][0]["steps"][0]["id"] == made["id"]


def test_hr_edits_moves_and_deletes(hr_client, process_id, step_id):
    changed = post(hr_client, f"/steps/{step_id}", {**REVIEW, "mode": "human"}, method="put")
    assert changed.status_code == 200 and changed.json()["risk"] == "low"
    second = post(hr_client, f"/processes/{process_id}/steps", {"name": "Talk", "mode": "human"})
    moved = post(hr_client, f"/steps/{second.json()['id']}/move", {"direction": "up"})
    assert moved.json()["position"] == 0
    renamed = post(
        hr_client,
        f"/processes/{process_id}",
        {"stage": "develop", "name": "Growth", "description": ""},
        method="put",
    )
    assert renamed.json()["stage"] == "develop"
    assert hr_client.get(f"{API}/processes").json()[0]["name"] == "Growth"
    assert hr_client.delete(f"{API}/steps/{step_id}").status_code == 204
    assert hr_client.delete(f"{API}/processes/{process_id}").status_code == 204
    assert not LifecycleProcess.objects.exists()
    assert hr_client.get(f"{API}/processes/{process_id}").status_code == 404


def test_validation_errors_name_the_field_and_bad_json_is_a_400(hr_client, process_id):
    missing_why = post(hr_client, f"/processes/{process_id}/steps", {**REVIEW, "why_human": ""})
    assert missing_why.status_code == 422
    [error] = missing_why.json()["detail"]
    assert error["loc"] == ["body", "payload", "why_human"]
    duplicate = post(hr_client, "/processes", {"stage": "perform", "name": "REVIEWS"})
    assert duplicate.status_code == 409  # valid, but the name is taken
    assert "Perform already has a process called" in duplicate.json()["detail"]
    blank = post(hr_client, "/processes", {"stage": "perform", "name": " \t "})
    assert blank.status_code == 422  # the schema's pattern says so too
    wrong_stage = post(hr_client, "/processes", {"stage": "lunch", "name": "X"})
    assert wrong_stage.status_code == 422
    broken = hr_client.post(f"{API}/processes", "{not json", content_type="application/json")
    assert broken.status_code == 400
    assert ProcessStep.objects.count() == 0 and LifecycleProcess.objects.count() == 1


def test_example_only_into_an_empty_map(hr_client):
    loaded = hr_client.post(f"{API}/example")
    assert loaded.status_code == 201 and loaded.json()["steps"] == ProcessStep.objects.count()
    again = hr_client.post(f"{API}/example")
    assert again.status_code == 409 and "empty map" in again.json()["detail"]


def test_employees_get_403_on_everything_of_hr(employee_client, process_id, step_id):
    reads = ["/map", "/processes", f"/processes/{process_id}", f"/steps/{step_id}", "/figures"]
    for path in reads:
        assert employee_client.get(f"{API}{path}").status_code == 403, path
    writes = [
        ("post", "/processes", {"stage": "perform", "name": "Mine"}),
        ("put", f"/processes/{process_id}", {"stage": "perform", "name": "Mine"}),
        ("post", f"/processes/{process_id}/move", {"direction": "up"}),
        ("post", f"/processes/{process_id}/steps", REVIEW),
        ("put", f"/steps/{step_id}", {**REVIEW, "mode": "human"}),
        ("post", f"/steps/{step_id}/move", {"direction": "down"}),
        ("post", "/example", {}),
    ]
    for method, path, body in writes:
        assert post(employee_client, path, body, method=method).status_code == 403, path
    assert employee_client.delete(f"{API}/steps/{step_id}").status_code == 403
    assert employee_client.delete(f"{API}/processes/{process_id}").status_code == 403
    assert ProcessStep.objects.get().mode == "automated"


def test_colleagues_answer_once_and_hr_sees_figures_from_k(
    employee_client, employee, hr_client, step_id
):
    listed = employee_client.get(f"{API}/feedback").json()
    assert listed == [
        {
            "step_id": step_id,
            "stage": "perform",
            "process": "Reviews",
            "name": "Review form",
            "description": "",
            "answered": False,
        }
    ]
    first = post(employee_client, f"/feedback/{step_id}", {"answer": "no"})
    assert first.status_code == 201 and first.json()["answered"] is True
    assert post(employee_client, f"/feedback/{step_id}", {"answer": "yes"}).status_code == 409
    assert post(employee_client, f"/feedback/{step_id}", {"answer": "maybe"}).status_code == 422
    assert post(employee_client, "/feedback/424242", {"answer": "no"}).status_code == 404
    assert StepReceipt.objects.count() == 1
    [row] = hr_client.get(f"{API}/figures").json()
    assert row["figure"] is None  # one answer: not enough yet
    for i in range(4):
        colleague = Viewer(user=AnonymousUser(), person=PersonFactory())
        services.step_feedback_submit(
            viewer=colleague, step_id=step_id, answer="yes" if i % 2 else "no"
        )
    [row] = hr_client.get(f"{API}/figures").json()
    assert row["figure"] is None  # five answers, but only the hourly job publishes
    moment = dt.datetime(2026, 5, 6, 14, 3, 9, 123456, tzinfo=dt.UTC)
    assert services.step_figures_publish(now=moment) == 1
    [row] = hr_client.get(f"{API}/figures").json()
    assert row["figure"]["respondents"] == 5
    assert row["figure"]["not_human"] == 0.6 and row["figure"]["felt_human"] == 0.4
    # The day it was published, never the time.
    assert row["figure"]["published_on"] == "2026-05-06" and "published_at" not in row["figure"]
    assert "14:03" not in json.dumps(row)
    assert hr_client.get(f"{API}/map").json()["flagged"][0]["figure"]["respondents"] == 5


def test_feedback_needs_a_directory_entry(client, db, step_id):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(email="nobody@example.com", password="x-pass-1")
    client.force_login(user)
    assert client.get(f"{API}/feedback").status_code == 403
    assert post(client, f"/feedback/{step_id}", {"answer": "no"}).status_code == 403
