"""Upload-page runs over time: big files checked in the background, runs whose worker died,
what is kept and for how long, failures that must not leak personal data, and imports that
take turns."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import traceback
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from kith.directory.importing import runs
from kith.directory.importing.apply import IMPORT_LOCK_KEY, people_import
from kith.directory.importing.progress import STAGE_WRITE, NoProgress
from kith.directory.importing.runs import (
    APPLY_FAILED,
    CHECK_FAILED,
    TIMED_OUT,
    ImportRunFailed,
    import_run_enqueue,
    import_runs_expire_stale,
    import_runs_purge,
)
from kith.directory.importing.tasks import apply_import_run, check_import_run
from kith.directory.models import ImportRun, Person
from kith.directory.tests.test_import_views import UPLOAD_URL, make_user, upload

DATA = Path(__file__).parent / "data"
CLEAN = (DATA / "import_clean.csv").read_bytes()
SECRET = "secret.person@example.com"

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr_client(client):
    client.force_login(make_user("harriet.hr@example.com", hr=True))
    return client


@pytest.fixture
def in_background(monkeypatch):
    """Every upload is big enough to be checked by the worker."""
    monkeypatch.setattr(runs, "INLINE_PREVIEW_MAX_ROWS", 0)


def run_url(run: ImportRun) -> str:
    return reverse("directory:import_run", args=[run.pk])


def poll(client, run: ImportRun) -> str:
    return client.get(run_url(run), headers={"HX-Request": "true"}).content.decode()


def make_run(status: str, *, age: dt.timedelta = dt.timedelta(0), **fields) -> ImportRun:
    fields.setdefault("content", CLEAN)
    fields.setdefault("summary", {"rows": 10, "created": 10, "samples": {"created": ["Ana"]}})
    run = ImportRun.objects.create(filename="people.csv", status=status, **fields)
    ImportRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - age)
    run.refresh_from_db()
    return run


def ago(**delta: float) -> str:
    return (timezone.now() - dt.timedelta(**delta)).isoformat()


# --- Big files are checked in the background ---------------------------------------------------


def test_big_file_is_checked_by_a_task_with_progress(
    hr_client, in_background, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(hr_client)
    run = ImportRun.objects.get()
    assert response["Location"] == run_url(run)
    assert run.status == ImportRun.Status.QUEUED and run.summary["stage"] == "check"
    assert bytes(run.content) == CLEAN
    task = DBTaskResult.objects.get()
    assert task.task_path.endswith("check_import_run") and task.args_kwargs["args"] == [run.pk]

    page = hr_client.get(run_url(run)).content.decode()
    assert 'hx-trigger="every 1s"' in page and "the background worker checks it" in page
    assert "Checking" in hr_client.get(UPLOAD_URL).content.decode()
    assert apply_import_run.call(run.pk) == ImportRun.Status.QUEUED  # not an apply: untouched

    assert check_import_run.call(run.pk) == ImportRun.Status.PREVIEWED
    run.refresh_from_db()
    assert run.progress_total == run.progress_done == 10  # the page saw the rows go by
    assert run.summary["created"] == 10 and "stage" not in run.summary
    assert bytes(run.content) == CLEAN  # kept for the apply
    partial = poll(hr_client, run)
    assert "hx-trigger" not in partial and "Ready to apply" in partial and "Ana Silva" in partial
    assert check_import_run.call(run.pk) == ImportRun.Status.PREVIEWED  # a duplicate: nothing

    with django_capture_on_commit_callbacks(execute=True):
        assert import_run_enqueue(run=run, actor=None)
    assert apply_import_run.call(run.pk) == ImportRun.Status.DONE
    assert Person.objects.count() == 11


def test_big_invalid_file_checked_in_the_background(
    hr_client, in_background, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(hr_client, "import_faults.csv")
    run = ImportRun.objects.get()
    assert check_import_run.call(run.pk) == ImportRun.Status.INVALID
    run.refresh_from_db()
    assert run.content == b"" and run.summary["problem_count"] == 19
    partial = poll(hr_client, run)
    assert "Nothing was imported" in partial and "19 problems" in partial
    assert Person.objects.count() == 1


def test_the_check_task_reports_progress_as_it_goes(in_background, client, monkeypatch):
    from kith.directory.importing import validate

    client.force_login(make_user("harriet.hr@example.com", hr=True))
    upload(client)
    run = ImportRun.objects.get()
    monkeypatch.setattr(validate, "PROGRESS_STEP", 3)
    seen: list[tuple[int, int]] = []
    advance = runs.RunProgress.advance

    def watch(self, n: int) -> None:
        advance(self, n)
        seen.append(
            ImportRun.objects.filter(pk=run.pk).values_list("progress_done", "progress_total").get()
        )

    monkeypatch.setattr(runs.RunProgress, "advance", watch)
    assert check_import_run.call(run.pk) == ImportRun.Status.PREVIEWED
    assert seen == [(3, 10), (6, 10), (9, 10), (10, 10)]


def test_checking_progress_on_the_page(hr_client):
    run = make_run(
        ImportRun.Status.RUNNING,
        summary={"stage": "check", "started_at": ago(seconds=5)},
        progress_total=5000,
        progress_done=2000,
    )
    partial = poll(hr_client, run)
    assert 'hx-trigger="every 1s"' in partial and "Checking the file" in partial
    assert "Checking rows: 2,000 of 5,000" in partial and 'max="5000" value="2000"' in partial
    assert "Applying" not in partial
    ImportRun.objects.filter(pk=run.pk).update(progress_done=5000)
    assert "Comparing the file with the directory" in poll(hr_client, run)


def test_a_failed_check_offers_a_new_upload(hr_client, in_background, monkeypatch):
    run = make_run(ImportRun.Status.QUEUED, summary={"stage": "check", "queued_at": ago(seconds=1)})
    monkeypatch.setattr(runs, "people_import", explode)
    with pytest.raises(ImportRunFailed):
        check_import_run.call(run.pk)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED and run.summary["error"] == CHECK_FAILED
    partial = poll(hr_client, run)
    assert "Checking the file failed" in partial and "Upload the file again" in partial
    assert "Try again" not in partial and "hx-trigger" not in partial
    assert not import_run_enqueue(run=run, actor=None)  # never checked: cannot be applied


# --- A failure does not leak the row it failed on -----------------------------------------------


def explode(**kwargs):
    raise IntegrityError(
        'duplicate key value violates unique constraint "directory_person_email_key"\n'
        f"DETAIL:  Key (email)=({SECRET}) already exists."
    )


def test_failed_apply_logs_and_stores_no_personal_data(hr_client, monkeypatch, caplog):
    run = make_run(ImportRun.Status.QUEUED, summary={"stage": "apply", "rows": 10, "created": 10})
    monkeypatch.setattr(runs, "people_import", explode)
    with caplog.at_level(logging.DEBUG), pytest.raises(ImportRunFailed) as info:
        apply_import_run.call(run.pk)
    shown = "".join(traceback.format_exception(info.value))
    assert SECRET not in shown and "IntegrityError" in shown and "DETAIL" not in shown
    assert SECRET not in caplog.text
    assert f"Import run {run.pk} failed: IntegrityError at " in caplog.text
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED and run.finished_at is not None
    assert run.summary["error"] == APPLY_FAILED and run.summary["error_type"] == "IntegrityError"
    assert SECRET not in str(run.summary)
    page = hr_client.get(run_url(run)).content.decode()
    assert "so nothing was changed" in page and "Try again" in page


def test_failed_task_result_row_holds_no_personal_data(monkeypatch, caplog):
    """Through the real worker: its log and the task's result row see only ImportRunFailed."""
    run = make_run(ImportRun.Status.PREVIEWED)
    assert import_run_enqueue(run=run, actor=None) is True
    apply_import_run.enqueue(run.pk, None)  # what the commit would have done
    monkeypatch.setattr(runs, "people_import", explode)
    # The worker's own code for one task (its loop would close the test's connection).
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=1,
        worker_id="test",
        excluded_queue_names=[],
    )
    with caplog.at_level(logging.DEBUG):
        worker.run_task(DBTaskResult.objects.get())
    result = DBTaskResult.objects.get()
    assert result.status == "FAILED"
    assert result.exception_class_path.endswith("ImportRunFailed")
    assert "IntegrityError" in result.traceback and SECRET not in result.traceback
    assert SECRET not in caplog.text


# --- Runs whose worker died ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "summary"),
    [
        (ImportRun.Status.RUNNING, {"stage": "apply", "started_at": ago(minutes=31)}),
        (ImportRun.Status.QUEUED, {"stage": "apply", "queued_at": ago(minutes=45)}),
        (ImportRun.Status.RUNNING, {"stage": "check", "started_at": ago(hours=3)}),
    ],
)
def test_a_run_whose_worker_died_fails_and_polling_stops(hr_client, status, summary):
    run = make_run(status, summary={**summary, "rows": 10, "created": 10})
    partial = poll(hr_client, run)
    assert "hx-trigger" not in partial and "failed" in partial
    assert "did not finish within 30 minutes" in partial and "Upload" in partial
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED and run.summary["error"] == TIMED_OUT
    assert run.summary["error_type"] == "timeout"
    assert apply_import_run.call(run.pk) == ImportRun.Status.FAILED  # a late task does nothing


def test_slow_but_recent_runs_keep_polling(hr_client):
    started = make_run(ImportRun.Status.RUNNING, summary={"started_at": ago(minutes=29)})
    # Previewed long ago, queued just now: the queue time counts, not the upload time.
    queued = make_run(
        ImportRun.Status.QUEUED, age=dt.timedelta(hours=5), summary={"queued_at": ago(minutes=1)}
    )
    assert import_runs_expire_stale() == 0
    assert 'hx-trigger="every 1s"' in poll(hr_client, started)
    assert 'hx-trigger="every 1s"' in poll(hr_client, queued)


def test_a_run_from_before_the_timestamps_uses_its_upload_time():
    old = make_run(ImportRun.Status.RUNNING, age=dt.timedelta(hours=1), summary={})
    new = make_run(ImportRun.Status.RUNNING, summary={})
    assert import_runs_expire_stale() == 1
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == (ImportRun.Status.FAILED, ImportRun.Status.RUNNING)


def test_expired_apply_can_be_tried_again(hr_client, django_capture_on_commit_callbacks):
    run = make_run(
        ImportRun.Status.RUNNING,
        summary={"stage": "apply", "started_at": ago(hours=1), "rows": 10, "created": 10},
    )
    assert "Try again" in hr_client.get(run_url(run)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        hr_client.post(reverse("directory:import_apply", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == ImportRun.Status.QUEUED
    assert "error" not in run.summary and "started_at" not in run.summary
    assert apply_import_run.call(run.pk) == ImportRun.Status.DONE


def test_the_upload_page_lists_expired_runs_as_failed(hr_client):
    make_run(ImportRun.Status.RUNNING, summary={"started_at": ago(hours=2)})
    page = hr_client.get(UPLOAD_URL).content.decode()
    assert "<td>Failed</td>" in page


# --- Retention ----------------------------------------------------------------------------------


def test_uploaded_files_are_deleted_after_a_day(hr_client):
    previewed = make_run(ImportRun.Status.PREVIEWED, age=dt.timedelta(hours=25))
    failed = make_run(ImportRun.Status.FAILED, age=dt.timedelta(hours=30))
    fresh = make_run(ImportRun.Status.PREVIEWED, age=dt.timedelta(hours=23))
    # Uploaded long ago but queued a minute ago: its worker still needs the file.
    queued = make_run(
        ImportRun.Status.QUEUED, age=dt.timedelta(hours=30), summary={"queued_at": ago(minutes=1)}
    )
    result = import_runs_purge()
    assert (result.expired, result.files_deleted, result.details_deleted) == (0, 2, 0)
    for run in (previewed, failed, fresh, queued):
        run.refresh_from_db()
    assert previewed.content == b"" and failed.content == b""
    assert bytes(fresh.content) == CLEAN and bytes(queued.content) == CLEAN
    assert previewed.summary["created"] == 10  # the preview's counts stay

    page = hr_client.get(run_url(previewed)).content.decode()
    assert "This preview has expired" in page and "Apply these changes" not in page
    assert "Try again" not in hr_client.get(run_url(failed)).content.decode()
    assert not import_run_enqueue(run=previewed, actor=None)
    assert not import_run_enqueue(run=failed, actor=None)
    assert "Apply these changes" in hr_client.get(run_url(fresh)).content.decode()


def test_names_and_problems_are_deleted_after_30_days(hr_client):
    problems = [{"row": 3, "column": "email", "value": SECRET, "reason": "duplicate email"}]
    invalid = make_run(
        ImportRun.Status.INVALID,
        age=dt.timedelta(days=31),
        content=b"",
        errors=problems,
        summary={"problem_count": 1},
    )
    done = make_run(
        ImportRun.Status.DONE,
        age=dt.timedelta(days=31),
        content=b"",
        summary={"rows": 10, "created": 1, "samples": {"created": ["Ana Silva"]}},
    )
    recent = make_run(ImportRun.Status.INVALID, age=dt.timedelta(days=29), errors=problems)
    result = import_runs_purge()
    assert result.details_deleted == 2 and result.files_deleted == 1  # `recent`'s file
    for run in (invalid, done, recent):
        run.refresh_from_db()
    assert invalid.errors == [] and invalid.summary["problem_count"] == 1
    assert "samples" not in done.summary and done.summary["created"] == 1
    assert recent.errors == problems
    assert SECRET not in str(invalid.summary) and "Ana Silva" not in str(done.summary)

    page = hr_client.get(run_url(invalid)).content.decode()
    assert "1 problem" in page and "list of problems was deleted" in page and SECRET not in page
    page = hr_client.get(run_url(done)).content.decode()
    assert "Names are no longer listed" in page and "Ana Silva" not in page

    assert import_runs_purge() == runs.PurgeResult(0, 0, 0)  # nothing left to do


def test_the_hourly_job_expires_and_purges():
    from kith.directory.tasks import purge_import_runs
    from kith.jobs.registry import registered_jobs

    [job] = [j for j in registered_jobs() if j.name == "kith.directory.tasks.purge_import_runs"]
    assert job.every == dt.timedelta(hours=1)
    make_run(ImportRun.Status.RUNNING, summary={"started_at": ago(hours=2)})
    make_run(ImportRun.Status.PREVIEWED, age=dt.timedelta(days=2))
    assert purge_import_runs.call() == {"expired": 1, "files_deleted": 1, "details_deleted": 0}


# --- Imports take turns -------------------------------------------------------------------------


def test_an_import_takes_the_import_lock_first():
    with CaptureQueriesContext(connection) as queries:
        outcome = people_import(content=CLEAN, filename="people.csv")
    assert outcome.applied
    locks = [i for i, q in enumerate(queries) if "pg_advisory_xact_lock" in q["sql"]]
    if connection.vendor == "postgresql":
        # Taken once, before the snapshot is read.
        first_read = next(i for i, q in enumerate(queries) if "directory_person" in q["sql"])
        assert len(locks) == 1 and locks[0] < first_read
    else:
        assert locks == []  # SQLite's IMMEDIATE transaction is the lock


def other_session_gets_the_lock() -> bool:
    """Ask from another connection, as a second import would."""
    got: list[bool] = []

    def ask() -> None:
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])
                got.append(cursor.fetchone()[0])
        finally:
            connections["default"].close()

    thread = threading.Thread(target=ask)
    thread.start()
    thread.join()
    return got[0]


class LockProbe(NoProgress):
    def __init__(self) -> None:
        self.while_writing: bool | None = None

    def start(self, stage: str, total: int) -> None:
        if stage == STAGE_WRITE:
            self.while_writing = other_session_gets_the_lock()


def test_a_second_import_waits_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers with IMMEDIATE transactions")
    assert other_session_gets_the_lock() is True
    probe = LockProbe()
    assert people_import(content=CLEAN, filename="people.csv", progress=probe).applied
    assert probe.while_writing is False
