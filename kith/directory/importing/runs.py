"""The upload page's import runs: a file is checked (in the request when it is small, by a
background task the page follows when it is big), previewed, applied by a task, and its
personal data deleted on a schedule.

Besides the preview's counts, `ImportRun.summary` carries a few bookkeeping keys:

- "stage": "check" or "apply" while a run is queued or running, so the page and the two
  tasks know which of them the run is waiting for;
- "queued_at", "started_at" (ISO): when it was queued and when a worker took it, so a run
  whose worker died can be told from a slow one (RUN_TIMEOUT);
- "error", "error_type": why it failed, in words that hold no personal data;
- "details_deleted": the names in the samples and the problem list are gone (DETAILS_KEPT).
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from kith.directory.importing.apply import ImportOutcome, people_import
from kith.directory.importing.progress import STAGE_CHECK
from kith.directory.importing.report import has_changes
from kith.directory.models import ImportRun

logger = logging.getLogger(__name__)

MAX_STORED_PROBLEMS = 1000  # an upload page cannot usefully show more
# A file of up to this many lines is checked within the upload request (well under a
# second); a bigger one by the worker, with a progress bar on the run's page.
INLINE_PREVIEW_MAX_ROWS = 2000
# A run queued or running for longer than this has lost its worker: 100,000 rows take about
# a minute, so half an hour is far beyond a slow import.
RUN_TIMEOUT = dt.timedelta(minutes=30)
# Retention: the uploaded file, then the names and emails in samples and problems.
CONTENT_KEPT = dt.timedelta(hours=24)
DETAILS_KEPT = dt.timedelta(days=30)

STAGE_PREVIEW = "check"
STAGE_APPLY = "apply"
BOOKKEEPING_KEYS = ("stage", "queued_at", "started_at", "error", "error_type")
WAITING = (ImportRun.Status.QUEUED, ImportRun.Status.RUNNING)
RETRYABLE = (ImportRun.Status.PREVIEWED, ImportRun.Status.FAILED)

# Stored in English in the run's summary and translated when the page shows them
# (views.failure_text), so a reader sees them in their own language.
CHECK_FAILED = gettext_noop(
    "Checking the file stopped on an unexpected error. Nothing was changed. Upload it again, "
    "or ask your Kith administrator to look at the worker's log."
)
APPLY_FAILED = gettext_noop(
    "The import stopped on an unexpected error, so nothing was changed. Try again, or ask "
    "your Kith administrator to look at the worker's log."
)
TIMED_OUT_TEXT = gettext_noop(
    "This did not finish within %(minutes)d minutes, so Kith stopped waiting for it: the "
    "background worker may have stopped. An import is saved in one go or not at all, so "
    "nothing was half written. Try again, and if it happens again ask your Kith "
    "administrator to check that the worker (kith db_worker) is running."
)
TIMED_OUT_MINUTES = int(RUN_TIMEOUT.total_seconds()) // 60
TIMED_OUT = TIMED_OUT_TEXT % {"minutes": TIMED_OUT_MINUTES}


class ImportRunFailed(Exception):
    """What the tasks raise instead of the original error. A database error's message can
    quote the row it choked on (on PostgreSQL an IntegrityError names the clashing email),
    and the task's result row keeps the traceback of whatever the task raised."""


# --- Uploading and checking ---------------------------------------------------------------------


def import_run_upload(
    *, content: bytes, filename: str, deactivate_missing: bool, uploaded_by: Any
) -> ImportRun:
    """Keep an uploaded file and check it: small files straight away, big ones by a task
    (check_import_run) whose progress the run's page shows."""
    if content.count(b"\n") <= INLINE_PREVIEW_MAX_ROWS:
        return import_run_preview(
            content=content,
            filename=filename,
            deactivate_missing=deactivate_missing,
            uploaded_by=uploaded_by,
        )
    from kith.directory.importing.tasks import check_import_run

    run = ImportRun.objects.create(
        uploaded_by=_user_or_none(uploaded_by),
        filename=filename[:255],
        deactivate_missing=deactivate_missing,
        content=content,
        status=ImportRun.Status.QUEUED,
        summary={"stage": STAGE_PREVIEW, "queued_at": timezone.now().isoformat()},
    )
    run_id = run.pk
    transaction.on_commit(lambda: check_import_run.enqueue(run_id))
    return run


def import_run_preview(
    *, content: bytes, filename: str, deactivate_missing: bool, uploaded_by: Any
) -> ImportRun:
    """Check an uploaded file now and keep what applying it would do, for the page to show."""
    outcome = people_import(
        content=content,
        filename=filename,
        deactivate_missing=deactivate_missing,
        dry_run=True,
        actor=uploaded_by,
    )
    run = ImportRun(
        uploaded_by=_user_or_none(uploaded_by),
        filename=filename[:255],
        deactivate_missing=deactivate_missing,
        content=content,
    )
    _record_preview(run, outcome)
    run.save()
    return run


def import_run_check(*, run_id: int) -> str:
    """Check a big uploaded file (the check task's body); returns the run's status."""
    run = _claim(run_id, STAGE_PREVIEW)
    if run is None:
        return _status_of(run_id)  # already taken by another worker, or not waiting
    try:
        with _language_of(run.uploaded_by):  # the problems and warnings are stored as read
            outcome = people_import(
                content=bytes(run.content),
                filename=run.filename,
                deactivate_missing=run.deactivate_missing,
                dry_run=True,
                actor=run.uploaded_by,
                progress=RunProgress(run_id),
            )
    except Exception as exc:
        _fail(run_id, exc, CHECK_FAILED)
    _record_preview(run, outcome)
    fields = ["status", "summary", "errors", "progress_total"]
    if run.status == ImportRun.Status.INVALID:
        fields.append("content")  # cleared; a valid file stays for the apply
    run.save(update_fields=fields)
    return str(run.status)


def _record_preview(run: ImportRun, outcome: ImportOutcome) -> None:
    run.status = ImportRun.Status.PREVIEWED if outcome.ok else ImportRun.Status.INVALID
    if not outcome.ok:
        run.content = b""  # an invalid file is never applied: Kith does not keep its data
    run.progress_total = int(outcome.summary.get("rows", 0))
    _store_outcome(run, outcome)


def _store_outcome(run: ImportRun, outcome: ImportOutcome) -> None:
    run.summary = {**outcome.summary, "problem_count": len(outcome.problems)}
    run.errors = [p.as_dict() for p in outcome.problems[:MAX_STORED_PROBLEMS]]


def _user_or_none(user: Any) -> Any:
    return user if getattr(user, "pk", None) else None


# --- Applying ----------------------------------------------------------------------------------


def import_run_enqueue(*, run: ImportRun, actor: Any) -> bool:
    """Queue a previewed (or failed) run that still has its file; a second click does
    nothing. Returns whether this call queued it."""
    from kith.directory.importing.tasks import apply_import_run

    retryable = ImportRun.objects.filter(pk=run.pk, status__in=RETRYABLE)
    summary = retryable.exclude(content=b"").values_list("summary", flat=True).first()
    if summary is None or not has_changes(summary):
        return False
    summary = {k: v for k, v in summary.items() if k not in BOOKKEEPING_KEYS}
    summary.update(stage=STAGE_APPLY, queued_at=timezone.now().isoformat())
    claimed = retryable.update(
        status=ImportRun.Status.QUEUED, progress_done=0, finished_at=None, summary=summary
    )
    if claimed:
        run_id, actor_id = run.pk, getattr(actor, "pk", None)
        transaction.on_commit(lambda: apply_import_run.enqueue(run_id, actor_id))
    return bool(claimed)


class RunProgress:
    """Shows the row checks on the page. The writing happens in one transaction, which the
    page cannot see into, so that stage shows as "saving" until it commits."""

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.active = False
        self.done = 0

    def start(self, stage: str, total: int) -> None:
        self.active = stage == STAGE_CHECK
        if self.active:
            self.done = 0
            ImportRun.objects.filter(pk=self.run_id).update(progress_total=total, progress_done=0)

    def advance(self, n: int) -> None:
        if self.active and n:
            self.done += n
            ImportRun.objects.filter(pk=self.run_id).update(progress_done=self.done)

    def finish(self) -> None:
        self.active = False


def import_run_apply(*, run_id: int, actor_id: int | None = None) -> str:
    """Apply a queued run (the apply task's body); returns the run's status. Everything is
    checked again against the directory as it is now, since it may have changed since the
    preview."""
    from kith.accounts.models import User

    run = _claim(run_id, STAGE_APPLY)
    if run is None:
        return _status_of(run_id)  # already taken by another worker, or not queued
    actor = User.objects.filter(pk=actor_id).first() if actor_id else run.uploaded_by
    try:
        with _language_of(actor):
            outcome = people_import(
                content=bytes(run.content),
                filename=run.filename,
                deactivate_missing=run.deactivate_missing,
                actor=actor,
                progress=RunProgress(run_id),
            )
    except Exception as exc:
        _fail(run_id, exc, APPLY_FAILED)
    run.status = ImportRun.Status.DONE if outcome.ok else ImportRun.Status.INVALID
    _store_outcome(run, outcome)
    run.content = b""  # applied or refused: the people's data now lives in the directory only
    run.progress_done = run.progress_total
    run.finished_at = timezone.now()
    run.save(
        update_fields=["status", "summary", "errors", "content", "progress_done", "finished_at"]
    )
    return str(run.status)


def _language_of(user: Any) -> translation.override:
    """The worker has no request: it writes a run's problems and warnings in the language of
    the HR admin who uploaded or applied it (their choice on My account, else the one Kith
    last showed them), as the page would have in the request."""
    language = getattr(user, "language", "") or getattr(user, "last_language", "") or None
    return translation.override(language or translation.get_language())


def _claim(run_id: int, stage: str) -> ImportRun | None:
    """Take a queued run for this stage, once: a duplicate task finds it taken."""
    run = ImportRun.objects.defer("content").filter(pk=run_id).first()
    if run is None or run.status != ImportRun.Status.QUEUED:
        return None
    if run.summary.get("stage", STAGE_APPLY) != stage:
        return None
    summary = {**run.summary, "started_at": timezone.now().isoformat()}
    claimed = ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.QUEUED).update(
        status=ImportRun.Status.RUNNING, progress_done=0, summary=summary
    )
    if not claimed:
        return None
    run.status, run.summary, run.progress_done = ImportRun.Status.RUNNING, summary, 0
    return run


def _status_of(run_id: int) -> str:
    return str(ImportRun.objects.filter(pk=run_id).values_list("status", flat=True).first())


def _fail(run_id: int, exc: Exception, reason: str) -> NoReturn:
    """Mark the run failed and raise a bare ImportRunFailed in place of `exc`. Neither the log
    nor the task's result gets the exception's message, which may hold personal data: only
    the run id, the exception's type and where in the code it happened."""
    kind = type(exc).__name__
    logger.error("Import run %s failed: %s at %s", run_id, kind, _where(exc))
    try:
        summary = ImportRun.objects.filter(pk=run_id).values_list("summary", flat=True).first()
        ImportRun.objects.filter(pk=run_id).update(
            status=ImportRun.Status.FAILED,
            summary={**(summary or {}), "error": reason, "error_type": kind},
            finished_at=timezone.now(),
        )
    except Exception as marking:  # the database itself may be gone; RUN_TIMEOUT catches it
        logger.error("Import run %s could not be marked failed: %s", run_id, type(marking).__name__)
    raise ImportRunFailed(f"import run {run_id} failed with {kind}") from None


def _where(exc: BaseException) -> str:
    """The innermost frames as file:line, no source lines and no message."""
    frames = traceback.extract_tb(exc.__traceback__)[-4:]
    return " > ".join(f"{Path(f.filename).name}:{f.lineno}" for f in frames) or "?"


# --- Runs that lost their worker, and retention --------------------------------------------------


def import_runs_expire_stale(*, now: dt.datetime | None = None, run_id: int | None = None) -> int:
    """Mark failed the runs queued or running for longer than RUN_TIMEOUT: a worker that
    died never writes back, and the page would otherwise poll forever. If one was only slow
    and finishes after all, its result replaces the failure. Returns how many expired."""
    now = now or timezone.now()
    runs = ImportRun.objects.filter(status__in=WAITING).only(
        "pk", "status", "summary", "created_at"
    )
    if run_id is not None:
        runs = runs.filter(pk=run_id)
    expired = 0
    for run in runs:
        if now - _waiting_since(run) < RUN_TIMEOUT:
            continue
        summary = {**run.summary, "error": TIMED_OUT, "error_type": "timeout"}
        # Only if it is still in the state we saw: a worker may have just finished it.
        if ImportRun.objects.filter(pk=run.pk, status=run.status).update(
            status=ImportRun.Status.FAILED, summary=summary, finished_at=now
        ):
            logger.warning(
                "Import run %s was %s for over %s: marked failed", run.pk, run.status, RUN_TIMEOUT
            )
            expired += 1
    return expired


def _waiting_since(run: ImportRun) -> dt.datetime:
    stamp = run.summary.get("started_at") or run.summary.get("queued_at")
    try:
        return dt.datetime.fromisoformat(stamp) if stamp else run.created_at
    except (TypeError, ValueError):
        return run.created_at


@dataclass(frozen=True)
class PurgeResult:
    expired: int
    files_deleted: int
    details_deleted: int


def import_runs_purge(*, now: dt.datetime | None = None) -> PurgeResult:
    """Forget what uploads held about people once it is no longer needed (the hourly job):

    - the uploaded file of a run that was previewed and never applied, or failed, after
      CONTENT_KEPT (applied and refused runs lose it straight away);
    - the names and emails in the preview's samples and in the problem list after
      DETAILS_KEPT. The counts stay, so the list of imports still says what each did.

    Runs still queued or running are left alone (they expire first)."""
    now = now or timezone.now()
    expired = import_runs_expire_stale(now=now)
    settled = ImportRun.objects.exclude(status__in=WAITING)
    files = (
        settled.filter(created_at__lt=now - CONTENT_KEPT).exclude(content=b"").update(content=b"")
    )
    details = 0
    old = settled.filter(created_at__lt=now - DETAILS_KEPT).exclude(
        summary__has_key="details_deleted"
    )
    for run in old.only("pk", "summary"):
        summary = {k: v for k, v in run.summary.items() if k != "samples"}
        summary["details_deleted"] = True
        details += settled.filter(pk=run.pk).update(errors=[], summary=summary)
    if expired or files or details:
        logger.info(
            "Import runs: %s expired, %s files and %s problem lists or samples deleted",
            expired,
            files,
            details,
        )
    return PurgeResult(expired=expired, files_deleted=files, details_deleted=details)
