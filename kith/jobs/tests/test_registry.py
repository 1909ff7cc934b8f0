from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django_tasks import task
from hypothesis import given, settings
from hypothesis import strategies as st

from kith.jobs.registry import EPOCH, PeriodicJob, periodic, registered_jobs
from kith.jobs.tests.conftest import DAILY, MINUTELY


def job(seconds: int) -> PeriodicJob:
    return PeriodicJob(name="test", every=dt.timedelta(seconds=seconds), task=None)


def utc(y: int, m: int, d: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0):
    return dt.datetime(y, m, d, hour, minute, second, us, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("seconds", "now", "slot"),
    [
        (60, utc(2030, 1, 1, 12, 34, 56, 789), utc(2030, 1, 1, 12, 34)),
        (60, utc(2030, 1, 1, 12, 34), utc(2030, 1, 1, 12, 34)),
        (300, utc(2030, 1, 1, 12, 34, 59), utc(2030, 1, 1, 12, 30)),
        (3600, utc(2030, 1, 1, 0, 59, 59), utc(2030, 1, 1, 0, 0)),
        (86400, utc(2030, 6, 15, 23, 59, 59), utc(2030, 6, 15)),
        (7 * 86400, utc(2030, 1, 1, 12), utc(2029, 12, 29)),  # weeks start on Saturday (EPOCH)
    ],
)
def test_slot_is_the_start_of_the_interval_now_falls_in(seconds, now, slot):
    assert job(seconds).slot_for(now) == slot


def test_slot_does_not_depend_on_the_zone_now_is_written_in():
    lisbon_morning = dt.datetime(2030, 7, 1, 0, 30, tzinfo=ZoneInfo("Europe/Lisbon"))
    assert job(86400).slot_for(lisbon_morning) == utc(2030, 6, 30)


def test_slot_needs_an_aware_time():
    with pytest.raises(ValueError, match="aware"):
        job(60).slot_for(dt.datetime(2030, 1, 1))


@settings(max_examples=200, deadline=None)
@given(
    seconds=st.integers(1, 7 * 86400),
    now=st.datetimes(
        min_value=dt.datetime(2000, 1, 1),
        max_value=dt.datetime(2100, 1, 1),
        timezones=st.sampled_from([dt.UTC, ZoneInfo("Pacific/Kiritimati"), ZoneInfo("Etc/GMT+12")]),
    ),
)
def test_every_moment_belongs_to_exactly_one_aligned_slot(seconds, now):
    periodic_job = job(seconds)
    slot = periodic_job.slot_for(now)
    assert slot <= now < slot + periodic_job.every
    assert (slot - EPOCH) % periodic_job.every == dt.timedelta(0)
    assert periodic_job.slot_for(slot) == slot
    assert periodic_job.slot_for(slot + periodic_job.every) == slot + periodic_job.every


def test_the_project_registers_its_periodic_jobs():
    jobs = {j.name: j.every for j in registered_jobs()}
    assert jobs[MINUTELY] == dt.timedelta(minutes=1)
    assert jobs[DAILY] == dt.timedelta(days=1)
    assert list(jobs) == sorted(jobs)


def test_periodic_refuses_nonsense(monkeypatch):
    monkeypatch.setattr("kith.jobs.registry._REGISTRY", {})
    with pytest.raises(ValueError, match="at least one second"):
        periodic(every_seconds=0)
    with pytest.raises(TypeError, match="above @task"):
        periodic(every_seconds=60)(lambda: None)


def _a_task_with_a_name_far_too_long_for_the_job_run_table_to_hold_it_at_all_really() -> None:
    pass


def test_periodic_refuses_a_name_the_table_cannot_hold(monkeypatch):
    monkeypatch.setattr("kith.jobs.registry._REGISTRY", {})
    long_task = task()(
        _a_task_with_a_name_far_too_long_for_the_job_run_table_to_hold_it_at_all_really
    )
    with pytest.raises(ValueError, match="longer than 100"):
        periodic(every_seconds=60)(long_task)
