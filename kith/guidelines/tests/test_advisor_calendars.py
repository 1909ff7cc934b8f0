"""The channel advisor's call times never read calendars: anyone may propose a call to anyone,
so times shaped by a colleague's calendar would tell the proposer when they are busy."""

from __future__ import annotations

import datetime as dt

import pytest

from kith.connect import inputs
from kith.core import calendars
from kith.directory.models import Person
from kith.guidelines.services.guide import call_times

AFTER = dt.datetime(2030, 5, 13, 6, 0, tzinfo=dt.UTC)  # a Monday


@pytest.fixture
def always_busy(monkeypatch):
    def everything(ids, start, end):
        return {pid: [(start, end)] for pid in ids}

    monkeypatch.setitem(calendars._busy_sources, "test-always-busy", everything)


def test_call_times_ignore_calendars_but_connect_reads_them(db, always_busy):
    people = [
        Person.objects.create(
            employee_id=f"A{i}", full_name=f"P {i}", email=f"p{i}@example.org", timezone="UTC"
        )
        for i in range(2)
    ]
    assert len(call_times(people, after=AFTER)) == 3
    busy = inputs.busy_by_person(people, AFTER)
    assert all(spans for spans in busy)  # Connect's own suggestions do avoid the calendar
    assert inputs.busy_by_person(people, AFTER, calendars_too=False) == [[], []]
