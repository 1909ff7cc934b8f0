"""Housekeeping for the job tables, so they do not grow forever."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db.models import Model, QuerySet
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kith.jobs.models import JobRun

log = logging.getLogger(__name__)

JOB_RUNS_KEPT = dt.timedelta(days=30)
TASK_RESULTS_KEPT = dt.timedelta(days=14)
DELETE_BATCH = 5_000  # short transactions: workers and schedulers keep going meanwhile


@dataclass(frozen=True)
class PruneResult:
    job_runs: int
    task_results: int


def job_history_prune(*, now: dt.datetime | None = None) -> PruneResult:
    """Delete claims older than 30 days and finished task results older than 14 days.

    Waiting and running tasks are never touched, however old.
    """
    now = now or timezone.now()
    job_runs = _delete_in_batches(JobRun.objects.filter(slot__lt=now - JOB_RUNS_KEPT))
    finished = DBTaskResult.objects.finished().filter(finished_at__lt=now - TASK_RESULTS_KEPT)
    task_results = _delete_in_batches(finished)
    log.info("pruned %s job runs and %s finished task results", job_runs, task_results)
    return PruneResult(job_runs=job_runs, task_results=task_results)


def _delete_in_batches(rows: QuerySet[Model]) -> int:
    deleted = 0
    while batch := list(rows.values_list("pk", flat=True)[:DELETE_BATCH]):
        deleted += rows.model._default_manager.filter(pk__in=batch).delete()[0]
    return deleted
