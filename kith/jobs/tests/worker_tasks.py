"""A task for the worker tests: it records each run in a table the test creates."""

from __future__ import annotations

import os

from django.db import connection
from django_tasks import task

RUNS_TABLE = "kith_test_task_runs"


@task()
def record_run(token: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {RUNS_TABLE} (token, pid) VALUES (%s, %s)",
            [token, os.getpid()],
        )
