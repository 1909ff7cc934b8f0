"""Mapping the lifecycle: HR creates, edits, reorders and deletes processes and steps, with a
clear message for bad input and nothing half-written; Kith's example loads only into an
empty map; employees cannot change anything."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kith.core.models import AuditEvent
from kith.core.permissions import viewer_for_user
from kith.directory.tests.factories import login_for
from kith.touchpoints.engine.audit import Risk
from kith.touchpoints.engine.audit_example import EXAMPLE_MAP
from kith.touchpoints.models.audit import LifecycleProcess, ProcessStep, StepFeedback
from kith.touchpoints.selectors.audit import lifecycle_map_for_viewer
from kith.touchpoints.services import audit as s

AUTOMATED_REVIEW = s.StepInput(
    name="Review form",
    mode="automated",
    needs_human_touch=True,
    why_human="It decides pay.",
)


@pytest.fixture
def hr(db, hr_person):
    return viewer_for_user(login_for(hr_person, hr=True))


@pytest.fixture
def colleague(db, employee):
    return viewer_for_user(login_for(employee))


def process(hr, name="Performance review", stage="perform"):
    return s.process_create(viewer=hr, data=s.ProcessInput(stage=stage, name=name))


def names(stage):
    return list(
        LifecycleProcess.objects.filter(stage=stage)
        .order_by("position", "id")
        .values_list("name", flat=True)
    )


def test_hr_creates_processes_in_order_with_an_audit_row(hr):
    first = process(hr, "Hiring", "recruit")
    second = process(hr, "Referrals", "recruit")
    other = process(hr, "Reviews", "perform")
    assert (first.position, second.position, other.position) == (0, 1, 0)
    row = AuditEvent.objects.get(
        action="touchpoints.audit.process_created", target=f"process:{first.pk}"
    )
    assert row.actor == hr.user and row.detail["name"] == "Hiring"


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (s.ProcessInput(stage="lunch", name="X"), "stage", "seven lifecycle stages"),
        (s.ProcessInput(stage="recruit", name="   "), "name", "Give the process a name"),
        (s.ProcessInput(stage="recruit", name="x" * 161), "name", "161"),
        (s.ProcessInput(stage="recruit", name="Ok", description="d" * 2001), "description", "2000"),
    ],
)
def test_bad_process_input_names_the_field_and_writes_nothing(hr, data, field, words):
    with pytest.raises(ValidationError) as caught:
        s.process_create(viewer=hr, data=data)
    assert field in caught.value.message_dict
    assert words in " ".join(caught.value.message_dict[field])
    assert not LifecycleProcess.objects.exists()
    assert not AuditEvent.objects.exists()


def test_process_names_are_unique_per_stage_whatever_the_case(hr):
    process(hr, "Hiring", "recruit")
    with pytest.raises(ValidationError) as caught:
        process(hr, "  hiring ", "recruit")
    assert "Recruit already has a process called “hiring”" in caught.value.message_dict["name"][0]
    process(hr, "Hiring", "onboard")  # another stage may use it
    assert LifecycleProcess.objects.count() == 2


def test_nul_characters_are_dropped_and_text_trimmed(hr):
    made = s.process_create(
        viewer=hr, data=s.ProcessInput(stage="engage", name=" Pulse\x00 ", description="a\x00b ")
    )
    assert (made.name, made.description) == ("Pulse", "ab")


def test_moving_a_process_to_another_stage_puts_it_last_there(hr):
    a = process(hr, "A", "recruit")
    process(hr, "B", "onboard")
    moved = s.process_update(
        viewer=hr, process_id=a.pk, data=s.ProcessInput(stage="onboard", name="A2", description="x")
    )
    assert (moved.stage, moved.name, moved.description) == ("onboard", "A2", "x")
    assert names("onboard") == ["B", "A2"]
    assert names("recruit") == []


def test_reordering_processes_and_steps(hr):
    a, b, c = (process(hr, n, "engage") for n in "ABC")
    s.process_move(viewer=hr, process_id=c.pk, direction="up")
    assert names("engage") == ["A", "C", "B"]
    s.process_move(viewer=hr, process_id=a.pk, direction="up")  # already first: nothing
    s.process_move(viewer=hr, process_id=a.pk, direction="down")
    assert names("engage") == ["C", "A", "B"]
    with pytest.raises(ValidationError) as caught:
        s.process_move(viewer=hr, process_id=a.pk, direction="sideways")
    assert "direction" in caught.value.message_dict

    steps = [
        s.step_create(viewer=hr, process_id=b.pk, data=s.StepInput(name=n, mode="human"))
        for n in ("one", "two", "three")
    ]
    s.step_move(viewer=hr, step_id=steps[0].pk, direction="down")
    order = list(b.steps.order_by("position").values_list("name", flat=True))
    assert order == ["two", "one", "three"]
    s.step_delete(viewer=hr, step_id=steps[1].pk)
    assert list(b.steps.order_by("position").values_list("name", "position")) == [
        ("one", 0),
        ("three", 1),
    ]


def test_deleting_a_process_takes_its_steps_and_renumbers_the_stage(hr):
    a, b = process(hr, "A", "resolve"), process(hr, "B", "resolve")
    s.step_create(viewer=hr, process_id=a.pk, data=AUTOMATED_REVIEW)
    s.process_delete(viewer=hr, process_id=a.pk)
    assert not ProcessStep.objects.exists()
    assert not StepFeedback.objects.exists()
    b.refresh_from_db()
    assert b.position == 0
    assert (
        AuditEvent.objects.filter(action="touchpoints.audit.process_deleted").get().detail["steps"]
        == 1
    )


def test_a_step_that_needs_a_human_touch_says_why(hr):
    p = process(hr)
    with pytest.raises(ValidationError) as caught:
        s.step_create(
            viewer=hr,
            process_id=p.pk,
            data=s.StepInput(name="Review form", mode="automated", needs_human_touch=True),
        )
    assert "why this step needs a human touch" in caught.value.message_dict["why_human"][0]
    assert not ProcessStep.objects.exists()

    step = s.step_create(viewer=hr, process_id=p.pk, data=AUTOMATED_REVIEW)
    assert (step.mode, step.needs_human_touch, step.why_human) == (
        "automated",
        True,
        "It decides pay.",
    )
    # One tally per answer, made with the step (their ids never follow answers).
    assert sorted(step.feedback.values_list("answer", "count")) == [
        ("no", 0),
        ("partly", 0),
        ("yes", 0),
    ]
    # Unticking "needs a human touch" drops the why with it.
    changed = s.step_update(
        viewer=hr,
        step_id=step.pk,
        data=s.StepInput(name="Review form", mode="hybrid", why_human="stale"),
    )
    assert (changed.mode, changed.needs_human_touch, changed.why_human) == ("hybrid", False, "")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (s.StepInput(name="", mode="human"), "name"),
        (s.StepInput(name="Form", mode="robotic"), "mode"),
        (
            s.StepInput(name="Form", mode="human", needs_human_touch=True, why_human="w" * 301),
            "why_human",
        ),
    ],
)
def test_bad_step_input_names_the_field(hr, data, field):
    p = process(hr)
    with pytest.raises(ValidationError) as caught:
        s.step_create(viewer=hr, process_id=p.pk, data=data)
    assert list(caught.value.message_dict) == [field]
    assert not ProcessStep.objects.exists()


def test_step_names_are_unique_within_a_process(hr):
    p, q = process(hr, "P"), process(hr, "Q")
    s.step_create(viewer=hr, process_id=p.pk, data=AUTOMATED_REVIEW)
    with pytest.raises(ValidationError, match="already has a step"):
        s.step_create(
            viewer=hr, process_id=p.pk, data=s.StepInput(name="REVIEW FORM", mode="human")
        )
    s.step_create(viewer=hr, process_id=q.pk, data=AUTOMATED_REVIEW)
    assert ProcessStep.objects.count() == 2


def test_employees_cannot_map_anything(hr, colleague):
    p = process(hr)
    step = s.step_create(viewer=hr, process_id=p.pk, data=AUTOMATED_REVIEW)
    attempts = [
        lambda: s.process_create(viewer=colleague, data=s.ProcessInput(stage="recruit", name="X")),
        lambda: s.process_update(
            viewer=colleague, process_id=p.pk, data=s.ProcessInput(stage="recruit", name="X")
        ),
        lambda: s.process_delete(viewer=colleague, process_id=p.pk),
        lambda: s.process_move(viewer=colleague, process_id=p.pk, direction="up"),
        lambda: s.step_create(viewer=colleague, process_id=p.pk, data=AUTOMATED_REVIEW),
        lambda: s.step_update(viewer=colleague, step_id=step.pk, data=AUTOMATED_REVIEW),
        lambda: s.step_delete(viewer=colleague, step_id=step.pk),
        lambda: s.step_move(viewer=colleague, step_id=step.pk, direction="up"),
        lambda: s.example_map_load(viewer=colleague),
        lambda: lifecycle_map_for_viewer(colleague),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    assert list(LifecycleProcess.objects.values_list("name", "stage")) == [
        ("Performance review", "perform")
    ]
    assert ProcessStep.objects.get().mode == "automated"


def test_example_loads_only_into_an_empty_map(hr):
    steps = s.example_map_load(viewer=hr)
    assert steps == sum(len(p.steps) for p in EXAMPLE_MAP) == ProcessStep.objects.count()
    assert StepFeedback.objects.count() == 3 * steps
    view = lifecycle_map_for_viewer(hr)
    assert [c.key for c in view.stages if c.processes] == [
        "recruit",
        "onboard",
        "perform",
        "engage",
        "develop",
        "resolve",
        "offboard",
    ]
    high = {v.step.name for v in view.flagged if v.assessment.risk is Risk.HIGH}
    assert {"Performance-review form", "Redundancy letter", "Grievance web form"} <= high
    with pytest.raises(ValidationError, match="only into an empty map"):
        s.example_map_load(viewer=hr)
    assert ProcessStep.objects.count() == steps
    assert AuditEvent.objects.filter(action="touchpoints.audit.example_loaded").count() == 1


def test_example_is_refused_when_hr_has_mapped_anything(hr):
    process(hr, "Our own", "onboard")
    with pytest.raises(ValidationError, match="only into an empty map"):
        s.example_map_load(viewer=hr)
    assert names("onboard") == ["Our own"]
    assert not ProcessStep.objects.exists()


def test_journey_map_puts_the_flagged_step_first_with_reason_and_suggestion(hr):
    p = process(hr, "Reviews", "perform")
    s.step_create(viewer=hr, process_id=p.pk, data=s.StepInput(name="Goals", mode="human"))
    s.step_create(viewer=hr, process_id=p.pk, data=AUTOMATED_REVIEW)
    view = lifecycle_map_for_viewer(hr)
    perform = next(c for c in view.stages if c.key == "perform")
    assert perform.counts == {"high": 1, "medium": 0, "low": 1}
    assert perform.worst == "high"
    [flagged] = view.flagged
    assert flagged.step.name == "Review form"
    assert flagged.reasons == ["It needs a human touch, but no person takes part in it."]
    assert "conversation with the manager before the form" in flagged.suggestions[0]
    assert flagged.figure is None  # not enough answers yet
