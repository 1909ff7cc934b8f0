from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from kith.communities.models import Community, Membership
from kith.directory.models import Person
from kith.events.models import Event

NOON = dt.time(12, 0)


def make_event(**fields: Any) -> Event:
    start = fields.pop("starts_at", timezone.now() + dt.timedelta(days=3))
    values: dict[str, Any] = {
        "title": "Board games night",
        "kind": Event.Kind.MEETUP,
        "host": Event.Host.HR,
        "mode": Event.Mode.IN_PERSON,
        "venue": "Café Rosa",
        "city": "Lisbon",
        "country": "PT",
        "timezone": "Europe/Lisbon",
        "starts_at": start,
        "ends_at": start + dt.timedelta(hours=2),
    }
    values.update(fields)
    return Event.objects.create(**values)


def community(name: str, visibility: str = Community.Visibility.PUBLIC) -> Community:
    return Community.objects.create(
        name=name, slug=name.lower().replace(" ", "-"), visibility=visibility
    )


def join(person: Person, group: Community, role: str = Membership.Role.MEMBER) -> Membership:
    return Membership.objects.create(community=group, person=person, role=role)


def make_town_hall(**fields: Any) -> Event:
    return make_event(**{"title": "Quarterly town hall", "kind": Event.Kind.TOWN_HALL, **fields})
