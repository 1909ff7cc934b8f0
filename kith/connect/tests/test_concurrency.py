"""Two processes drawing the same round at the same moment, on PostgreSQL: exactly one round,
one set of matches and one intro per person."""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter

import pytest
from django.db import connection

from kith.connect.models import MatchMember, Round
from kith.connect.tests.factories import ProgramFactory
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory
from kith.jobs.tests.test_concurrency import run_python_together
from kith.notify.models import Notification

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("KITH_TEST_DATABASE_URL"),
        reason="needs PostgreSQL: set KITH_TEST_DATABASE_URL",
    ),
    pytest.mark.django_db(transaction=True),
]

DRAW = """
import sys, time, datetime as dt
import django
django.setup()
from kith.connect import rounds
from kith.connect.models import Program
program = Program.objects.get(pk=int(sys.argv[2]))
time.sleep(max(0.0, float(sys.argv[1]) - time.time()))
try:
    drawn = rounds.round_run(program=program, round_date=dt.date.fromisoformat(sys.argv[3]))
    print("drew", drawn.pk)
except rounds.RoundAlreadyDrawn:
    print("already drawn")
"""


def test_two_processes_draw_a_round_exactly_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    teams = [OrgUnitFactory(name=f"Team {i}") for i in range(4)]
    for i in range(40):
        PersonFactory(org_unit=teams[i % 4])
    program = ProgramFactory(starts_on=dt.date(2026, 9, 1))
    outputs = [
        out.strip()
        for out in run_python_together(
            DRAW, [str(program.pk), "2026-09-02"], [str(program.pk), "2026-09-02"], timeout=120
        )
    ]
    assert sorted(o.split()[0] for o in outputs) == ["already", "drew"]
    assert Round.objects.count() == 1
    per_person = Counter(MatchMember.objects.values_list("person_id", flat=True))
    assert len(per_person) == 40 and set(per_person.values()) == {1}
    intros = Counter(
        Notification.objects.filter(kind="connect.intro").values_list("person_id", flat=True)
    )
    assert set(intros.values()) == {1}
