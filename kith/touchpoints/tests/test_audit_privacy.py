""" "Did this feel human?" is answered once per step and unlinkably (decision 0008): nothing
stored, audited or logged ties a person to an answer; figures go through the disclosure
layer, never below k, and in batches of k so that watching a figure tells nobody the newest
answer. Only the hourly job publishes: tests that watch a figure run it after each answer,
the most often it could run."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging

import numpy as np
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection

from kith.core.disclosure import ledger
from kith.core.models import AuditEvent, DisclosedCell
from kith.core.permissions import Viewer, viewer_for_user
from kith.directory.tests.factories import PersonFactory, login_for
from kith.touchpoints.audit_receipts import answered_steps, has_answered
from kith.touchpoints.engine.audit import Reason
from kith.touchpoints.models.audit import ProcessStep, StepFeedback, StepFigure, StepReceipt
from kith.touchpoints.selectors.audit import lifecycle_map_for_viewer, my_audit_data
from kith.touchpoints.services import audit as s


@pytest.fixture
def hr(db, hr_person):
    return viewer_for_user(login_for(hr_person, hr=True))


@pytest.fixture
def process(hr):
    return s.process_create(viewer=hr, data=s.ProcessInput(stage="perform", name="Reviews"))


def make_step(hr, process, name="Review form", **extra):
    data = s.StepInput(
        name=name, mode="automated", needs_human_touch=True, why_human="Pay.", **extra
    )
    return s.step_create(viewer=hr, process_id=process.pk, data=data)


@pytest.fixture
def step(hr, process):
    return make_step(hr, process)


@pytest.fixture
def people(db):
    return [
        PersonFactory(full_name=f"Answerer Number{i}", email=f"answerer{i}@example.com")
        for i in range(12)
    ]


def as_viewer(person):
    return Viewer(user=AnonymousUser(), person=person)


def answer(person, step, value="no"):
    s.step_feedback_submit(viewer=as_viewer(person), step_id=step.pk, answer=value)


def answer_then_job(person, step, value="no"):
    """An answer, then the hourly job at once: the soonest a figure could follow it."""
    answer(person, step, value)
    s.step_figures_publish()


def tallies(step):
    return dict(StepFeedback.objects.filter(step=step).values_list("answer", "count"))


def latest(step):
    return StepFigure.objects.filter(step=step).order_by("-up_to_receipt").first()


# --- once per step ---------------------------------------------------------------------------


def test_each_colleague_answers_a_step_once(step, people):
    answer(people[0], step, "partly")
    assert tallies(step) == {"yes": 0, "partly": 1, "no": 0}
    with pytest.raises(s.AlreadyAnswered, match="already told us"):
        answer(people[0], step, "yes")
    assert tallies(step) == {"yes": 0, "partly": 1, "no": 0}
    assert StepReceipt.objects.count() == 1
    assert has_answered(step.pk, people[0].pk) and not has_answered(step.pk, people[1].pk)
    assert answered_steps(people[0].pk, [step.pk]) == {step.pk}


def test_bad_answers_and_steps_that_do_not_ask_write_nothing(hr, process, step, people):
    with pytest.raises(ValidationError) as caught:
        answer(people[0], step, "maybe")
    assert list(caught.value.message_dict) == ["answer"]
    quiet = make_step(hr, process, name="Calibration", asks_feedback=False)
    with pytest.raises(ProcessStep.DoesNotExist):
        answer(people[0], quiet)
    with pytest.raises(ProcessStep.DoesNotExist):
        s.step_feedback_submit(viewer=as_viewer(people[0]), step_id=10**9, answer="yes")
    people[1].is_active = False
    people[1].save()
    with pytest.raises(PermissionDenied):
        answer(people[1], step)
    assert not StepReceipt.objects.exists()
    assert sum(tallies(step).values()) == 0


# --- nothing links a person to an answer -----------------------------------------------------


def dump() -> dict[tuple[str, object], dict]:
    out = io.StringIO()
    call_command("dumpdata", format="json", stdout=out)
    return {(row["model"], row["pk"]): row["fields"] for row in json.loads(out.getvalue())}


def test_the_dump_audit_log_and_logs_link_no_person_to_an_answer(step, people, caplog, settings):
    before = dump()
    audit_rows = AuditEvent.objects.count()
    given = ["no", "no", "partly", "yes", "no", "partly"]
    with caplog.at_level(logging.DEBUG):
        for person, value in zip(people, given, strict=False):
            answer(person, step, value)
    after = dump()

    changed = {key for key, fields in after.items() if before.get(key) != fields}
    # Only the receipts and the tallies changed: nothing about any person, no audit row, no
    # session, no notification, and no figure (only the hourly job publishes).
    assert {model for model, _ in changed} == {
        "touchpoints.stepreceipt",
        "touchpoints.stepfeedback",
    }
    with caplog.at_level(logging.DEBUG):
        assert s.step_figures_publish() == 1
    published = {key for key, fields in dump().items() if after.get(key) != fields}
    assert {model for model, _ in published} == {"touchpoints.stepfigure", "core.disclosedcell"}
    after = dump()
    assert AuditEvent.objects.count() == audit_rows
    for (model, _), fields in after.items():
        if model == "touchpoints.stepreceipt":
            assert set(fields) == {"step", "digest"}
        if model == "touchpoints.stepfeedback":
            assert set(fields) == {"step", "answer", "count"}  # no person, no time
        if model == "touchpoints.stepfigure":
            assert "person" not in json.dumps(fields)
    # The tallies are whole counts per answer, made with the step before anyone answered.
    assert tallies(step) == {"yes": 1, "partly": 2, "no": 3}
    tally_ids = sorted(StepFeedback.objects.filter(step=step).values_list("pk", flat=True))
    assert [key[1] for key in sorted(k for k in before if k[0] == "touchpoints.stepfeedback")] == (
        tally_ids
    )
    # No log line names anyone who answered, or says what anyone answered.
    said = " ".join(r.getMessage() for r in caplog.records)
    for person in people[:6]:
        assert person.email not in said and person.full_name not in said
        assert f"person {person.pk}" not in said and f"person:{person.pk}" not in said
    # Without the key a receipt says nothing: with another one, nobody seems to have answered.
    settings.SECRET_KEY = "another-key-" + "x" * 50
    settings.SECRET_KEY_FALLBACKS = []
    assert not any(has_answered(step.pk, p.pk) for p in people)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="transaction ids are PostgreSQL's")
def test_postgres_row_versions_do_not_tell_which_tally_the_newest_answer_raised(step, people):
    answer(people[0], step, "yes")
    answer(people[1], step, "no")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT xmin::text FROM touchpoints_stepfeedback WHERE step_id = %s",
            [step.pk],
        )
        versions = cursor.fetchall()
    assert len(versions) == 1  # all three rewritten together


# --- publishing through the disclosure layer -------------------------------------------------


def test_no_figure_below_k(hr, step, people):
    for person in people[:4]:
        answer(person, step)
    assert not StepFigure.objects.exists()
    assert not DisclosedCell.objects.exists()
    view = lifecycle_map_for_viewer(hr)
    assert view.steps[0].figure is None
    assert view.steps[0].assessment.reasons == (Reason.AUTOMATED_WITH_WEIGHT,)


def test_watching_the_figure_after_each_answer_tells_nothing_new(step, people):
    values = ["yes", "no", "no", "partly", "yes", "no", "no", "no", "yes", "partly", "no"]
    seen = []
    for person, value in zip(people, values, strict=False):
        answer_then_job(person, step, value)
        figure = latest(step)
        seen.append(
            None
            if figure is None
            else (figure.respondents, figure.felt_human, figure.partly, figure.not_human)
        )
    assert seen[:4] == [None] * 4
    # From the 5th answer to the 9th the published figure does not move at all…
    assert set(seen[4:9]) == {(5, 2, 1, 2)}
    # …and it changes only when 5 more have answered: the change sums 5 people.
    assert seen[9] == (10, 3, 2, 5)
    assert seen[10] == seen[9]
    cells = list(DisclosedCell.objects.order_by("pk").values_list("source", "batch", "key"))
    receipts = list(StepReceipt.objects.order_by("pk").values_list("pk", flat=True))
    assert cells == [
        (s.SOURCE, f"step:{step.pk}", f"step:{step.pk}|receipts:{receipts[4]}"),
        (s.SOURCE, f"step:{step.pk}", f"step:{step.pk}|receipts:{receipts[9]}"),
    ]


def test_the_engine_refuses_a_figure_that_would_single_someone_out(step, people, monkeypatch):
    """Even when asked after every answer (the batch rule switched off), the disclosure
    engine never publishes a change of fewer than k people."""
    monkeypatch.setattr(s, "due_for_publication", lambda n, last, k: n > last and n >= k)
    for person in people[:5]:
        answer_then_job(person, step)
    assert latest(step).respondents == 5
    for i, person in enumerate(people[5:9]):
        answer_then_job(person, step, "yes")
        assert latest(step).respondents == 5, f"published after {i + 1} more"
    answer_then_job(people[9], step, "yes")
    assert latest(step).respondents == 10


def test_the_ledger_resolves_each_figure_to_its_respondents(step, people):
    for person in people[:10]:
        answer_then_job(person, step)
    prior = ledger.prior_signatures(now=latest(step).published_at, sources=(s.SOURCE,))
    assert prior.persons.tolist() == sorted(p.pk for p in people[:10])
    by_person = dict(zip(prior.persons.tolist(), prior.signatures.tolist(), strict=True))
    first = {by_person[p.pk] for p in people[:5]}
    second = {by_person[p.pk] for p in people[5:10]}
    assert len(first) == len(second) == 1 and first != second  # two classes of five
    assert prior.populations.size == 2


def test_people_who_left_still_count_in_the_figures_they_were_part_of(step, people):
    for person in people[:5]:
        answer_then_job(person, step)
    people[0].is_active = False
    people[0].save()
    for person in people[5:10]:
        answer_then_job(person, step)
    assert latest(step).respondents == 10


def test_receipts_made_with_a_key_the_server_lost_withhold_the_figure(step, people, settings):
    old = settings.SECRET_KEY
    for person in people[:3]:
        answer(person, step)
    settings.SECRET_KEY = "rotated-" + "y" * 50
    settings.SECRET_KEY_FALLBACKS = []
    for person in people[3:5]:
        answer(person, step)
    assert s.step_figures_publish() == 0
    assert not StepFigure.objects.exists()  # fail closed: 3 receipts match nobody
    with pytest.raises(s.AlreadyAnswered):  # the fallback keeps "once per step"…
        settings.SECRET_KEY_FALLBACKS = [old]
        answer(people[0], step)
    assert s.step_figures_publish() == 1  # …and lets the figure be published
    assert latest(step).respondents == 5


def test_each_step_is_checked_against_its_own_figures(hr, process, step, people):
    other = make_step(hr, process, name="Pay letter")
    for person in people[:5]:
        answer_then_job(person, step)
    for person in people[2:7]:  # overlaps the first step's respondents by three
        answer_then_job(person, other)
    assert latest(step).respondents == latest(other).respondents == 5
    everything = ledger.prior_signatures(now=latest(other).published_at)
    assert everything.persons.tolist() == sorted(p.pk for p in people[:7])
    classes = np.unique(everything.signatures).size
    assert classes == 3  # only the first step, both, only the second


def test_k_follows_the_setting(step, people, settings):
    settings.KITH_AUDIT_MIN_GROUP = 3
    for person in people[:3]:
        answer_then_job(person, step)
    assert latest(step).respondents == 3
    settings.KITH_AUDIT_MIN_GROUP = 1  # never below the engine's floor
    assert s.min_group() == 3


def test_answering_never_publishes_only_the_hourly_job_does(hr, step, people):
    """The answer that completes a batch publishes nothing: a figure appearing (or dated) at
    that moment would tell whoever knows who went through the step then what they said."""
    for person in people[:6]:
        answer(person, step, "no")
    assert not StepFigure.objects.exists() and not DisclosedCell.objects.exists()
    assert lifecycle_map_for_viewer(hr).steps[0].figure is None
    from kith.touchpoints.tasks.audit import publish_human_touch_feedback

    assert publish_human_touch_feedback.call() == 1
    assert latest(step).respondents == 6
    assert publish_human_touch_feedback.call() == 0  # nothing new: nothing again


def test_a_figure_keeps_only_the_day_it_was_published(hr, step, people):
    for person in people[:5]:
        answer(person, step)
    moment = dt.datetime(2026, 3, 4, 23, 37, 12, 345678, tzinfo=dt.UTC)
    assert s.step_figures_publish(now=moment) == 1
    midnight = dt.datetime(2026, 3, 4, tzinfo=dt.UTC)
    assert latest(step).published_at == midnight
    assert list(DisclosedCell.objects.values_list("published_at", flat=True)) == [midnight]
    figure = lifecycle_map_for_viewer(hr).steps[0].figure
    assert figure is not None and figure.published_on == dt.date(2026, 3, 4)
    assert not hasattr(figure, "published_at")


def test_the_migration_moves_earlier_figures_to_their_day(step, people):
    import importlib

    from django.apps import apps

    for person in people[:5]:
        answer(person, step)
    s.step_figures_publish()
    exact = dt.datetime(2026, 12, 6, 5, 45, 46, 780001, tzinfo=dt.UTC)
    StepFigure.objects.update(published_at=exact)
    DisclosedCell.objects.filter(source=s.SOURCE).update(published_at=exact)
    migration = importlib.import_module("kith.touchpoints.migrations.0005_audit_publication_day")
    migration.to_the_day(apps, None)
    midnight = dt.datetime(2026, 12, 6, tzinfo=dt.UTC)
    assert latest(step).published_at == midnight
    assert set(DisclosedCell.objects.values_list("published_at", flat=True)) == {midnight}


def test_the_periodic_job_catches_up_after_k_is_lowered(step, people, settings):
    for person in people[:4]:
        answer(person, step)
    assert not StepFigure.objects.exists()
    settings.KITH_AUDIT_MIN_GROUP = 4
    from kith.touchpoints.tasks.audit import publish_human_touch_feedback

    assert publish_human_touch_feedback.call() == 1
    assert latest(step).respondents == 4


def test_my_export_lists_the_steps_i_answered_never_the_answer(step, people):
    answer(people[0], step, "no")
    mine = my_audit_data(people[0])
    assert mine["steps_answered"] == [
        {"stage": "perform", "process": "Reviews", "step": "Review form"}
    ]
    assert "no" not in json.dumps(mine["steps_answered"])
    assert my_audit_data(people[1])["steps_answered"] == []
