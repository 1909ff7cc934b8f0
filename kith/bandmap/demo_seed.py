"""Demo data for the Band Map: people already have cities (several without an office), so
only a few colleagues who chose to hide from the map are added — never a demo login, so
every demo role shows up on the map."""

from __future__ import annotations

import datetime as dt
import random

from kith.bandmap.models import MapPreference
from kith.bandmap.selectors import map_changed
from kith.directory.models import Person

HIDDEN_SHARE = 0.03


def seed(*, today: dt.date, seed: int, demo_emails: list[str]) -> str:
    rng = random.Random(seed + 11)
    logins = {e.lower() for e in demo_emails}
    candidates = [
        pk
        for pk, email in Person.objects.filter(is_active=True, latitude__isnull=False)
        .order_by("id")
        .values_list("id", "email")
        if email.lower() not in logins
    ]
    if not candidates:
        return "Band Map: nobody to hide."
    hidden = rng.sample(candidates, max(1, round(len(candidates) * HIDDEN_SHARE)))
    MapPreference.objects.bulk_create(
        [MapPreference(person_id=pk, hidden=True) for pk in sorted(hidden)],
        update_conflicts=True,
        unique_fields=["person"],
        update_fields=["hidden"],
    )
    map_changed()  # bulk_create sends no post_save: the cached city counts must go
    return f"Band Map: {len(hidden)} people chose to hide from the map."
