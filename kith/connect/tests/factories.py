from __future__ import annotations

import datetime as dt

import factory

from kith.connect.models import Program


class ProgramFactory(factory.django.DjangoModelFactory[Program]):
    class Meta:
        model = Program

    name = factory.Sequence(lambda n: f"Coffee chat {n}")
    kind = Program.Kind.COFFEE
    join_mode = Program.JoinMode.OPT_OUT
    cadence = Program.Cadence.WEEKLY
    weekday = 2
    local_hour = 10
    starts_on = dt.date(2026, 1, 5)
