from __future__ import annotations

import io
import signal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError

from kith.jobs.management.commands import scheduler as command_module
from kith.jobs.models import JobRun
from kith.jobs.tests.conftest import MINUTELY

pytestmark = pytest.mark.usefixtures("only_known_jobs")


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("scheduler", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_once_claims_the_current_slots_and_says_so():
    out, _ = run("--once")
    assert "Scheduler: 2 periodic jobs" in out
    assert f"enqueued {MINUTELY} for " in out
    assert JobRun.objects.count() == 2
    out, _ = run("--once")
    assert "enqueued" not in out


@pytest.mark.django_db
def test_at_runs_one_pass_per_given_moment():
    out, _ = run("--at", "2030-01-01T09:00:30Z", "--at", "2030-01-01T10:00:00+01:00")
    assert out.count(f"enqueued {MINUTELY} for 2030-01-01 09:00:00 UTC") == 1
    assert out.count("enqueued") == 2  # the daily job once, the minutely job once: same slot


def test_bad_arguments_are_explained():
    with pytest.raises(CommandError, match="at least 1 second"):
        run("--interval", "0")
    with pytest.raises(CommandError, match="needs a UTC offset"):
        run("--at", "2030-01-01T09:00")


def test_once_reports_an_unavailable_database_as_an_error(monkeypatch):
    def unavailable(**_):
        raise OperationalError("connection refused")

    monkeypatch.setattr(command_module, "scheduler_tick", unavailable)
    with pytest.raises(CommandError, match="the database is unavailable: connection refused"):
        run("--once")


class Stop(Exception):
    pass


def test_loop_backs_off_while_the_database_is_down_and_recovers(monkeypatch):
    outcomes = [OperationalError("down"), OperationalError("down"), OperationalError("down"), []]

    def tick(**_):
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    slept: list[float] = []

    def sleep(seconds, stopping):
        slept.append(seconds)
        if not outcomes:
            raise Stop

    monkeypatch.setattr(command_module, "scheduler_tick", tick)
    monkeypatch.setattr(command_module.Command, "sleep", staticmethod(sleep))
    monkeypatch.setattr(command_module, "close_old_connections", lambda: None)
    sigint = signal.getsignal(signal.SIGINT)

    err = io.StringIO()
    with pytest.raises(Stop):
        call_command("scheduler", "--interval", "30", stdout=io.StringIO(), stderr=err)

    assert "the database is unavailable: down; retrying in 4 s" in err.getvalue()
    assert slept == [1, 2, 4, 30]  # doubling backoff, then the normal interval once it works
    assert signal.getsignal(signal.SIGINT) is sigint  # handlers restored on the way out


def test_loop_stops_cleanly_on_sigterm(monkeypatch):
    ticks = []

    def tick(**_):
        ticks.append(1)
        signal.raise_signal(signal.SIGTERM)
        return []

    monkeypatch.setattr(command_module, "scheduler_tick", tick)
    monkeypatch.setattr(command_module, "close_old_connections", lambda: None)
    out, _ = run("--interval", "3600")
    assert ticks == [1]
    assert "Scheduler: stopped" in out


def test_running_for_good_it_lists_what_it_enqueues_only_when_asked(monkeypatch):
    def tick(**_):
        signal.raise_signal(signal.SIGTERM)
        return [
            JobRun(
                job=MINUTELY,
                slot=command_module.dt.datetime(2030, 1, 1, tzinfo=command_module.dt.UTC),
            )
        ]

    monkeypatch.setattr(command_module, "scheduler_tick", tick)
    monkeypatch.setattr(command_module, "close_old_connections", lambda: None)
    quiet, _ = run("--interval", "3600")
    assert "Scheduler: 2 periodic jobs" in quiet and MINUTELY not in quiet
    told, _ = run("--interval", "3600", "-v", "2")
    assert f"enqueued {MINUTELY} for 2030-01-01 00:00:00 UTC" in told
    assert "Scheduler: 2 periodic jobs: " in told
