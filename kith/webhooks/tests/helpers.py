from __future__ import annotations

import json
from typing import Any

from kith.core.permissions import Viewer, viewer_for_user
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory, login_for
from kith.webhooks import events, services
from kith.webhooks.models import Delivery, Endpoint

ALL_EVENTS = sorted(events.EVENT_TYPES)


def hr_viewer(person: Any = None) -> Viewer:
    if person is None:
        unit = OrgUnitFactory(name="Integrations team", kind="department")
        person = PersonFactory(org_unit=unit)
    return viewer_for_user(login_for(person, hr=True))


def endpoint(
    viewer: Viewer, url: str, event_types: list[str] | None = None, name: str = "Warehouse"
) -> tuple[Endpoint, str]:
    return services.endpoint_create(
        viewer=viewer, name=name, url=url, event_types=event_types or ALL_EVENTS
    )


def send_all() -> None:
    """What the task enqueued on commit and the sweep both do, one after the other."""
    ids = list(Delivery.objects.values_list("pk", flat=True))
    services.deliveries_send(delivery_ids=ids)
    services.deliveries_send_due()


def bodies(receiver: Any, event_type: str) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in receiver.of_type(event_type)]
