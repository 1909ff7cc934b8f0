"""Small builders for the office-days tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from kith.bandmap.models import MapPreference
from kith.directory.models import ContactPreference, Office, Person
from kith.directory.tests.factories import PersonFactory
from kith.places.models import OfficeDay

TODAY = dt.date(2030, 3, 4)  # a Monday


def office(name: str = "Lisbon office", **fields: Any) -> Office:
    values: dict[str, Any] = {
        "city": "Lisbon",
        "country": "PT",
        "latitude": 38.72509,
        "longitude": -9.1498,
        "timezone": "Europe/Lisbon",
        "capacity": 50,
    }
    values.update(fields)
    return Office.objects.create(name=name, **values)


def plan(person: Person, where: Office, day: dt.date) -> OfficeDay:
    return OfficeDay.objects.create(person=person, office=where, starts_on=day, ends_on=day)


def weekly(person: Person, where: Office, weekday: int, starts_on: dt.date = TODAY) -> OfficeDay:
    return OfficeDay.objects.create(
        person=person, office=where, weekday=weekday, starts_on=starts_on
    )


def hide(person: Person) -> None:
    MapPreference.objects.create(person=person, hidden=True)


def prefer(person: Person, **fields: Any) -> None:
    ContactPreference.objects.update_or_create(person=person, defaults=fields)


def people(n: int, **fields: Any) -> list[Person]:
    return [PersonFactory(**fields) for _ in range(n)]


def at(day: dt.date, hour: int = 8) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)), dt.UTC)
