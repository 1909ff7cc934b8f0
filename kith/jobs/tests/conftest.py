from __future__ import annotations

import pytest

from kith.jobs import registry

MINUTELY = "kith.notify.tasks.deliver_due_notifications"
DAILY = "kith.jobs.tasks.prune_job_history"


@pytest.fixture
def only_known_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Just the two jobs these tests know, whatever other apps register later."""
    known = {name: job for name, job in registry._REGISTRY.items() if name in (MINUTELY, DAILY)}
    assert set(known) == {MINUTELY, DAILY}
    monkeypatch.setattr(registry, "_REGISTRY", known)
