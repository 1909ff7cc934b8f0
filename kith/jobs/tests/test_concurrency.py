"""Several schedulers and several workers at once, as real OS processes on PostgreSQL.

The processes use the production settings (config.settings) with DATABASE_URL pointing at the
test database, so they see what the test wrote and the test sees what they wrote
(transactional tests: nothing is hidden in an open transaction). They import Django first and
then wait for a common start time, so their work overlaps as much as it can.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django_tasks_db.models import DBTaskResult

from kith.jobs.models import JobRun
from kith.jobs.registry import registered_jobs
from kith.jobs.tests.conftest import DAILY, MINUTELY
from kith.jobs.tests.worker_tasks import RUNS_TABLE, record_run

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("KITH_TEST_DATABASE_URL"),
        reason="needs PostgreSQL: set KITH_TEST_DATABASE_URL",
    ),
    pytest.mark.django_db(transaction=True),
]

PROJECT_ROOT = Path(settings.BASE_DIR)
START_DELAY = 3.0  # seconds for every process to import Django before the common start

RUNNER = """
import sys, time
import django
django.setup()
from django.core.management import call_command
start_at = float(sys.argv[1])
time.sleep(max(0.0, start_at - time.time()))
call_command(*sys.argv[2:])
"""


def database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"])
    host, port = db["HOST"] or "localhost", db["PORT"] or 5432
    return f"postgres://{auth}@{host}:{port}/{quote(db['NAME'])}"


def run_together(*commands: list[str], timeout: float = 60) -> list[str]:
    """Run management commands in separate processes, starting together; their stdouts."""
    return run_python_together(RUNNER, *commands, timeout=timeout)


def run_python_together(script: str, *arg_lists: list[str], timeout: float = 60) -> list[str]:
    """Run `python -c script START_AT *args` once per argument list, in separate processes
    against the test database, all starting at the same moment; their stdouts."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        "KITH_MODE": "development",
        "KITH_LOG_LEVEL": "WARNING",
    }
    start_at = str(time.time() + START_DELAY)
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, start_at, *args],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in arg_lists
    ]
    outputs = []
    try:
        for process in processes:
            stdout, stderr = process.communicate(timeout=timeout)
            assert process.returncode == 0, f"exit {process.returncode}:\n{stderr}"
            outputs.append(stdout)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    return outputs


@pytest.fixture
def skip_unless_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")


def test_two_scheduler_processes_claim_every_slot_exactly_once(skip_unless_postgres):
    first = dt.datetime(2030, 1, 1, 8, 0, tzinfo=dt.UTC)
    minutes = [first + dt.timedelta(minutes=n) for n in range(100)]
    # Every process ticks each minute twice, in the same order, at the same time as the other.
    ticks = [f"--at={minute.isoformat()}" for minute in minutes for _ in range(2)]

    jobs = registered_jobs()

    outputs = run_together(["scheduler", *ticks], ["scheduler", *ticks])

    runs = list(JobRun.objects.values_list("job", "slot", "task_result_id"))
    claimed = Counter((job, slot) for job, slot, _ in runs)
    # The processes load the same code, so the same jobs, as this one.
    expected = {(job.name, job.slot_for(minute)) for job in jobs for minute in minutes}
    assert {(MINUTELY, minutes[-1]), (DAILY, first.replace(hour=0))} <= expected
    assert set(claimed) == expected
    assert set(claimed.values()) == {1}
    # Exactly one queued task per claim, and every claim points at its own task.
    queued = dict(DBTaskResult.objects.values_list("id", "task_path"))
    assert {str(task_id) for task_id in queued} == {task_id for *_, task_id in runs}
    assert Counter(queued.values()) == Counter(job for job, _ in expected)
    assert Counter(queued.values())[MINUTELY] == len(minutes)
    # What the processes said they enqueued adds up to the same, with no run reported twice.
    reported = [line for out in outputs for line in out.splitlines() if line.startswith("enq")]
    assert len(reported) == len(set(reported)) == len(expected)
    claimers = Counter(JobRun.objects.values_list("claimed_by", flat=True))
    print(f"claims per scheduler process: {dict(claimers)}")


@pytest.fixture
def runs_table(skip_unless_postgres) -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {RUNS_TABLE} (id serial PRIMARY KEY, token text NOT NULL, pid int)"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {RUNS_TABLE}")


def test_two_worker_processes_run_every_task_exactly_once(runs_table):
    tokens = [f"task-{n:03}" for n in range(100)]
    for token in tokens:
        record_run.enqueue(token)
    worker = ["db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval=0"]

    run_together([*worker, "--worker-id=one"], [*worker, "--worker-id=two"])

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token, pid FROM {RUNS_TABLE}")
        rows = cursor.fetchall()
    assert sorted(token for token, _ in rows) == tokens  # each ran, and only once
    results = DBTaskResult.objects.all()
    assert Counter(result.status for result in results) == {"SUCCESSFUL": len(tokens)}
    assert all(len(result.worker_ids) == 1 for result in results)
    print(f"tasks per worker process: {dict(Counter(pid for _, pid in rows))}")
