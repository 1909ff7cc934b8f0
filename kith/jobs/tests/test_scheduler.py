from __future__ import annotations

import datetime as dt
import logging
import socket
from types import SimpleNamespace

import pytest
from django.db import OperationalError
from django_tasks_db.models import DBTaskResult

from kith.jobs import registry
from kith.jobs.models import JobRun
from kith.jobs.registry import PeriodicJob
from kith.jobs.scheduler import job_claim_and_enqueue, scheduler_tick
from kith.jobs.tests.conftest import DAILY, MINUTELY

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("only_known_jobs")]

NOON = dt.datetime(2030, 1, 1, 12, 0, 5, tzinfo=dt.UTC)


def claims() -> list[tuple[str, dt.datetime]]:
    return sorted(JobRun.objects.values_list("job", "slot"))


def test_tick_claims_and_enqueues_each_job_once_for_its_slot():
    runs = scheduler_tick(now=NOON)

    assert sorted(run.job for run in runs) == [DAILY, MINUTELY]
    assert claims() == [
        (DAILY, dt.datetime(2030, 1, 1, tzinfo=dt.UTC)),
        (MINUTELY, dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)),
    ]
    queued = {str(r.id): r.task_path for r in DBTaskResult.objects.all()}
    assert queued == {run.task_result_id: run.job for run in runs}
    assert {run.claimed_by.rsplit(":", 1)[0] for run in runs} == {socket.gethostname()}


def test_second_tick_in_the_same_slot_claims_nothing():
    scheduler_tick(now=NOON)
    assert scheduler_tick(now=NOON + dt.timedelta(seconds=50)) == []
    assert JobRun.objects.count() == DBTaskResult.objects.count() == 2


def test_next_minute_claims_only_the_minutely_job():
    scheduler_tick(now=NOON)
    runs = scheduler_tick(now=NOON + dt.timedelta(minutes=1))
    assert [run.job for run in runs] == [MINUTELY]
    assert JobRun.objects.count() == DBTaskResult.objects.count() == 3


def test_a_claim_lost_to_another_scheduler_enqueues_nothing():
    [job] = [j for j in registry.registered_jobs() if j.name == MINUTELY]
    assert job_claim_and_enqueue(job=job, now=NOON, claimed_by="other-host:1") is not None
    assert job_claim_and_enqueue(job=job, now=NOON, claimed_by="this-host:2") is None
    assert JobRun.objects.get().claimed_by == "other-host:1"
    assert DBTaskResult.objects.count() == 1


def broken_job(error: Exception) -> PeriodicJob:
    def enqueue() -> None:
        raise error

    task = SimpleNamespace(enqueue=enqueue)
    return PeriodicJob(name="aaa.broken", every=dt.timedelta(minutes=1), task=task)


def test_a_job_that_cannot_be_enqueued_is_logged_and_skipped(monkeypatch, caplog):
    jobs = {job.name: job for job in registry.registered_jobs()}
    monkeypatch.setattr(
        registry, "_REGISTRY", {"aaa.broken": broken_job(RuntimeError("boom")), **jobs}
    )

    with caplog.at_level(logging.ERROR, logger="kith.jobs.scheduler"):
        runs = scheduler_tick(now=NOON)

    assert sorted(run.job for run in runs) == [DAILY, MINUTELY]
    assert "could not enqueue periodic job aaa.broken" in caplog.text
    assert not JobRun.objects.filter(job="aaa.broken").exists()  # claim rolled back with it
    # It is tried again next time (the claim did not stick), and still does not block others.
    assert scheduler_tick(now=NOON + dt.timedelta(minutes=1))[0].job == MINUTELY


def test_an_unavailable_database_stops_the_tick_for_the_caller_to_back_off(monkeypatch):
    monkeypatch.setattr(
        registry, "_REGISTRY", {"aaa.broken": broken_job(OperationalError("server closed"))}
    )
    with pytest.raises(OperationalError):
        scheduler_tick(now=NOON)
