"""Periodic jobs are declared in code, next to the task they run:

    @periodic(every_seconds=60)
    @task()
    def deliver_due_notifications(): ...

Every scheduler computes the same due slots from the clock alone, so a slot is a shared name
for "this run" that all of them can agree on without talking to each other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # a Saturday, midnight UTC
MAX_NAME_LENGTH = 100  # JobRun.job


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: dt.timedelta
    task: Any  # a django_tasks Task

    def slot_for(self, now: dt.datetime) -> dt.datetime:
        """The start of the interval `now` falls in (UTC): daily jobs at midnight UTC."""
        if now.tzinfo is None:
            raise ValueError("slot_for needs an aware datetime")
        intervals = (now - EPOCH) // self.every
        return EPOCH + intervals * self.every


_REGISTRY: dict[str, PeriodicJob] = {}


def periodic(*, every_seconds: int) -> Callable[[T], T]:
    """Register a django-tasks task to be enqueued once per `every_seconds` interval."""
    if every_seconds < 1:
        raise ValueError("a periodic job needs an interval of at least one second")

    def register(task: T) -> T:
        name = getattr(task, "module_path", None)
        if not isinstance(name, str) or not hasattr(task, "enqueue"):
            raise TypeError("@periodic goes above @task(): it registers a django-tasks task")
        if len(name) > MAX_NAME_LENGTH:
            raise ValueError(f"periodic job name {name!r} is longer than {MAX_NAME_LENGTH}")
        every = dt.timedelta(seconds=every_seconds)
        _REGISTRY[name] = PeriodicJob(name=name, every=every, task=task)
        return task

    return register


def registered_jobs() -> list[PeriodicJob]:
    return sorted(_REGISTRY.values(), key=lambda job: job.name)
