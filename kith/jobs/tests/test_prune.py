from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kith.jobs.models import JobRun
from kith.jobs.services import job_history_prune
from kith.jobs.tasks import prune_job_history

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2030, 3, 1, tzinfo=dt.UTC)


def days_ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def task_result(status: str, finished_days_ago: float | None) -> str:
    result = prune_job_history.enqueue()
    finished_at = days_ago(finished_days_ago) if finished_days_ago is not None else None
    DBTaskResult.objects.filter(id=result.id).update(status=status, finished_at=finished_at)
    return str(result.id)


def test_prune_deletes_old_claims_and_old_finished_results_only():
    for days in (31, 45, 29, 0):
        JobRun.objects.create(job="j", slot=days_ago(days), claimed_by="h:1")
    old_success = task_result("SUCCESSFUL", 15)
    old_failure = task_result("FAILED", 100)
    recent = task_result("SUCCESSFUL", 13)
    waiting = task_result("READY", None)  # enqueued long ago, never run: keep
    running = task_result("RUNNING", None)

    result = job_history_prune(now=NOW)

    assert (result.job_runs, result.task_results) == (2, 2)
    assert sorted(JobRun.objects.values_list("slot", flat=True)) == [days_ago(29), days_ago(0)]
    kept = set(DBTaskResult.objects.values_list("id", flat=True))
    assert {str(k) for k in kept} == {recent, waiting, running}
    assert {old_success, old_failure}.isdisjoint({str(k) for k in kept})


def test_prune_task_reports_what_it_deleted():
    JobRun.objects.create(job="j", slot=timezone.now() - dt.timedelta(days=40), claimed_by="h:1")
    assert prune_job_history.call() == {"job_runs": 1, "task_results": 0}


def test_prune_deletes_in_batches(monkeypatch):
    monkeypatch.setattr("kith.jobs.services.DELETE_BATCH", 3)
    JobRun.objects.bulk_create(
        JobRun(job="j", slot=days_ago(40 + n), claimed_by="h:1") for n in range(10)
    )
    assert job_history_prune(now=NOW).job_runs == 10
    assert not JobRun.objects.exists()
