"""The human-touch audit's pages: HR maps the lifecycle and sees flagged steps on the journey
map (risk in words and shapes, not colour alone); colleagues answer "Did this feel human?"
once per step; employees cannot reach or change the map."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from kith.touchpoints.models.audit import LifecycleProcess, ProcessStep, StepFeedback, StepReceipt

MAP = reverse("touchpoints:audit_map")
FEEDBACK = reverse("touchpoints:audit_feedback")
NEW_PROCESS = reverse("touchpoints:audit_process_new")

AUTOMATED_REVIEW = {
    "name": "Review form",
    "description": "Ratings arrive in the HR system.",
    "mode": "automated",
    "needs_human_touch": "on",
    "why_human": "It decides pay.",
    "asks_feedback": "on",
}


def text(response) -> str:
    return response.content.decode()


def add_process(client, name="Performance review", stage="perform") -> LifecycleProcess:
    response = client.post(NEW_PROCESS, {"stage": stage, "name": name, "description": ""})
    assert response.status_code == 302, text(response)
    return LifecycleProcess.objects.get(name=name)


def add_step(client, process, data=AUTOMATED_REVIEW):
    return client.post(reverse("touchpoints:audit_step_new", args=[process.pk]), data)


@pytest.fixture
def mapped(hr_client):
    process = add_process(hr_client)
    assert add_step(hr_client, process).status_code == 302
    return process


def test_hr_maps_a_process_and_sees_its_automated_step_flagged(hr_client):
    empty = hr_client.get(MAP)
    assert empty.status_code == 200
    assert "Start from an example" in text(empty)
    process = add_process(hr_client)
    page = hr_client.get(reverse("touchpoints:audit_process", args=[process.pk]))
    assert "No steps yet" in text(page)
    response = add_step(hr_client, process)
    assert response.status_code == 302
    assert response["Location"] == reverse("touchpoints:audit_process", args=[process.pk])
    body = text(hr_client.get(MAP))
    assert "1 flagged step" in body
    assert "High risk" in body and "▲" in body  # a word and a shape, not colour alone
    assert "Review form" in body
    assert "It needs a human touch, but no person takes part in it." in body
    assert "Add a conversation with the manager before the form" in body
    assert "Why it matters: It decides pay." in body
    assert "Not enough answers yet" in body


def test_bad_input_shows_the_message_by_the_field_and_saves_nothing(hr_client, mapped):
    response = hr_client.post(NEW_PROCESS, {"stage": "perform", "name": "performance REVIEW"})
    assert response.status_code == 200
    assert "Perform already has a process called" in text(response)
    response = add_step(hr_client, mapped, {**AUTOMATED_REVIEW, "name": "Other", "why_human": ""})
    assert response.status_code == 200
    assert "why this step needs a human touch" in text(response)
    response = add_step(hr_client, mapped, {**AUTOMATED_REVIEW, "name": "x", "mode": "robot"})
    assert response.status_code == 200 and "Select a valid choice" in text(response)
    assert LifecycleProcess.objects.count() == 1
    assert ProcessStep.objects.count() == 1


def test_hr_edits_reorders_and_deletes(hr_client, mapped):
    step = ProcessStep.objects.get()
    edit = reverse("touchpoints:audit_step_edit", args=[step.pk])
    page = hr_client.get(edit)
    assert page.status_code == 200 and "Try this:" in text(page)
    changed = {**AUTOMATED_REVIEW, "mode": "human"}
    assert hr_client.post(edit, changed).status_code == 302
    assert "0 flagged steps" in text(hr_client.get(MAP))

    other = add_process(hr_client, "Calibration")
    move = reverse("touchpoints:audit_process_move", args=[other.pk])
    assert hr_client.post(move, {"direction": "up"}).status_code == 302
    assert list(LifecycleProcess.objects.order_by("position").values_list("name", flat=True)) == [
        "Calibration",
        "Performance review",
    ]

    rename = reverse("touchpoints:audit_process", args=[other.pk])
    moved = {"stage": "develop", "name": "Calibration", "description": "Once a year."}
    assert hr_client.post(rename, moved).status_code == 302
    assert LifecycleProcess.objects.get(pk=other.pk).stage == "develop"

    hr_client.post(reverse("touchpoints:audit_step_delete", args=[step.pk]))
    assert not ProcessStep.objects.exists()
    hr_client.post(reverse("touchpoints:audit_process_delete", args=[other.pk]))
    assert list(LifecycleProcess.objects.values_list("name", flat=True)) == ["Performance review"]


def test_start_from_the_example_only_when_empty(hr_client):
    response = hr_client.post(reverse("touchpoints:audit_example"), follow=True)
    assert "example is on your map: 32 steps" in text(response)
    body = text(response)
    for stage in ("Recruit", "Onboard", "Perform", "Engage", "Develop", "Resolve conflict"):
        assert f">{stage}</h3>" in body
    assert "Redundancy letter" in body and "Grievance web form" in body
    again = hr_client.post(reverse("touchpoints:audit_example"), follow=True)
    assert "only into an empty map" in text(again)


def test_employees_cannot_see_or_change_the_map(employee_client, hr_client, mapped):
    step = ProcessStep.objects.get()
    urls = [
        MAP,
        NEW_PROCESS,
        reverse("touchpoints:audit_process", args=[mapped.pk]),
        reverse("touchpoints:audit_step_new", args=[mapped.pk]),
        reverse("touchpoints:audit_step_edit", args=[step.pk]),
    ]
    for url in urls:
        assert employee_client.get(url).status_code == 403, url
    posts = [
        (NEW_PROCESS, {"stage": "recruit", "name": "Mine"}),
        (reverse("touchpoints:audit_example"), {}),
        (reverse("touchpoints:audit_process_delete", args=[mapped.pk]), {}),
        (reverse("touchpoints:audit_process_move", args=[mapped.pk]), {"direction": "up"}),
        (
            reverse("touchpoints:audit_step_edit", args=[step.pk]),
            {**AUTOMATED_REVIEW, "mode": "human"},
        ),
        (reverse("touchpoints:audit_step_delete", args=[step.pk]), {}),
    ]
    for url, data in posts:
        assert employee_client.post(url, data).status_code == 403, url
    assert LifecycleProcess.objects.count() == 1
    assert ProcessStep.objects.get().mode == "automated"


def test_unknown_and_huge_ids_are_not_found(hr_client):
    assert hr_client.get(reverse("touchpoints:audit_process", args=[999])).status_code == 404
    assert hr_client.get("/touchpoints/audit/steps/99999999999999999999/").status_code == 404


def test_colleagues_answer_each_step_once(employee_client, mapped):
    page = employee_client.get(FEEDBACK)
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]  # says which steps I answered
    assert "Did “Review form” feel human?" in text(page)
    step = ProcessStep.objects.get()
    url = reverse("touchpoints:audit_feedback_answer", args=[step.pk])
    response = employee_client.post(url, {"answer": "no"}, follow=True)
    assert "Your answer is in, without your name" in text(response)
    assert "You answered. Thank you!" in text(response)
    again = employee_client.post(url, {"answer": "yes"}, follow=True)
    assert "already told us about this step" in text(again)
    assert dict(StepFeedback.objects.values_list("answer", "count")) == {
        "yes": 0,
        "partly": 0,
        "no": 1,
    }
    assert StepReceipt.objects.count() == 1


def test_answering_with_htmx_swaps_just_the_step(employee_client, mapped):
    step = ProcessStep.objects.get()
    url = reverse("touchpoints:audit_feedback_answer", args=[step.pk])
    bad = employee_client.post(url, {"answer": ""}, HTTP_HX_REQUEST="true")
    assert "Choose yes, partly or no." in text(bad) and "<html" not in text(bad)
    good = employee_client.post(url, {"answer": "partly"}, HTTP_HX_REQUEST="true")
    assert good.status_code == 200
    assert f'id="step-{step.pk}"' in text(good) and "You answered" in text(good)
    assert 'id="feedback-progress" hx-swap-oob="true"' in text(good)
    assert "You have answered 1 of 1." in text(good)
    assert "<html" not in text(good)


def test_feedback_page_says_what_to_do_when_nothing_asks(employee_client):
    assert "There is nothing to answer yet" in text(employee_client.get(FEEDBACK))


def test_privacy_page_and_my_export_describe_the_feedback(employee_client, mapped):
    step = ProcessStep.objects.get()
    employee_client.post(
        reverse("touchpoints:audit_feedback_answer", args=[step.pk]), {"answer": "no"}
    )
    assert "Did it feel human?" in text(employee_client.get(reverse("privacy")))
    export = json.loads(employee_client.get(reverse("my_data_export")).content)
    assert export["human_touch_feedback"]["steps_answered"] == [
        {"stage": "perform", "process": "Performance review", "step": "Review form"}
    ]


def test_the_map_shows_the_day_a_figure_was_published_never_the_time(hr_client, mapped):
    import datetime as dt

    from django.contrib.auth.models import AnonymousUser

    from kith.core.permissions import Viewer
    from kith.directory.tests.factories import PersonFactory
    from kith.touchpoints.services import audit as services

    step = ProcessStep.objects.get()
    for value in ("no", "no", "yes", "partly", "no"):
        colleague = Viewer(user=AnonymousUser(), person=PersonFactory())
        services.step_feedback_submit(viewer=colleague, step_id=step.pk, answer=value)
    assert "Not enough answers yet" in text(hr_client.get(MAP))  # the job has not run
    services.step_figures_publish(now=dt.datetime(2026, 5, 6, 14, 3, 9, tzinfo=dt.UTC))
    body = text(hr_client.get(reverse("touchpoints:audit_process", args=[mapped.pk])))
    assert "5 answered: 20 % felt human" in body
    assert "(published 6 May 2026)" in body and "14:03" not in body
