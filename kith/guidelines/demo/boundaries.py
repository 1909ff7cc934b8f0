"""Demo boundaries: a wellness week in the past (kept for the record), Friday-afternoon
tech-free hours for two teams, and a few people's contact preferences."""

from __future__ import annotations

import datetime as dt
import random

from kith.directory.models import ContactPreference, OrgUnit, Person
from kith.guidelines.models import TechFreeHours, WellnessWeek


def seed(*, today: dt.date, seed: int, demo_emails: list[str]) -> str:
    rng = random.Random(seed)
    # The Monday about three months ago, Monday to Friday.
    monday = today - dt.timedelta(days=today.weekday() + 7 * 13)
    WellnessWeek.objects.get_or_create(
        name="Spring log-off",
        defaults={
            "starts_on": monday,
            "ends_on": monday + dt.timedelta(days=4),
            "message": "Rest well: everything that waited arrives on Monday.",
        },
    )
    teams = list(
        OrgUnit.objects.filter(kind=OrgUnit.Kind.TEAM, members__isnull=False)
        .distinct()
        .order_by("pk")[:2]
    )
    TechFreeHours.objects.bulk_create(
        [
            TechFreeHours(org_unit=team, weekday=5, starts_at=dt.time(14), ends_at=dt.time(17))
            for team in teams
            if not TechFreeHours.objects.filter(org_unit=team).exists()
        ]
    )
    ids = list(
        Person.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)[:400]
    )
    chosen = rng.sample(ids, min(len(ids), 12))
    modes = ["virtual", "in_person", "either"]
    frequencies = ["every_round", "monthly", "quarterly"]
    channels = ["email", "email", "in_app"]
    ContactPreference.objects.bulk_create(
        [
            ContactPreference(
                person_id=pk,
                meeting_mode=modes[i % 3],
                intro_frequency=frequencies[(i // 3) % 3],
                preferred_channel=channels[i % 3],
                office_day_nudges=i % 4 != 0,
            )
            for i, pk in enumerate(chosen)
        ],
        ignore_conflicts=True,
    )
    return (
        f"boundaries: 1 past wellness week, Friday tech-free hours for {len(teams)} teams, "
        f"{len(chosen)} people's preferences"
    )
