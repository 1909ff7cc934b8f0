"""The scheduler: enqueue each periodic job once per due slot, however many schedulers run.

A claim is the insert of JobRun(job, slot) under a unique constraint, in the same transaction
as the enqueue (the task queue is a table in the same database), so a run is either claimed
and queued, or neither.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket

from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone

from kith.jobs.models import JobRun
from kith.jobs.registry import PeriodicJob, registered_jobs

log = logging.getLogger(__name__)

# The database itself is unreachable or busy: no job can be claimed, so the caller backs off.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def scheduler_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def job_claim_and_enqueue(
    *, job: PeriodicJob, now: dt.datetime | None = None, claimed_by: str = ""
) -> JobRun | None:
    """Claim and enqueue this job's current slot; None when another scheduler has it."""
    slot = job.slot_for(now or timezone.now())
    try:
        with transaction.atomic():
            run = JobRun.objects.create(
                job=job.name, slot=slot, claimed_by=claimed_by or scheduler_identity()
            )
            result = job.task.enqueue()
            run.task_result_id = str(result.id)
            run.save(update_fields=["task_result_id"])
    except IntegrityError:
        return None  # another scheduler claimed this slot first
    # DEBUG: the scheduler command reports its claims itself (one line each, not two).
    log.debug("enqueued %s for %s", job.name, slot.isoformat())
    return run


def scheduler_tick(*, now: dt.datetime | None = None, claimed_by: str = "") -> list[JobRun]:
    """One pass over every registered job; returns the runs this scheduler claimed.

    A job that cannot be enqueued is logged and skipped, so it never holds up the others.
    Only an unavailable database stops the pass (raised, for the caller to back off).
    """
    now = now or timezone.now()
    claimed = []
    for job in registered_jobs():
        try:
            run = job_claim_and_enqueue(job=job, now=now, claimed_by=claimed_by)
        except DATABASE_UNAVAILABLE:
            raise
        except Exception:
            log.exception("could not enqueue periodic job %s", job.name)
            continue
        if run is not None:
            claimed.append(run)
    return claimed
