"""The events Kith sends to webhooks, and their payloads.

Ids and aggregates only: never a person's name or email, never free text someone wrote.
Each payload is `{"id", "type", "created_at", "data"}`; `id` is stable per occurrence (a
UUID derived from what happened, so hearing of the same thing twice makes one delivery per
endpoint, never two). docs/webhooks.md shows an example of each."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from kith.core.dates import org_today

PERSON_JOINED = "person.joined"
PERSON_LEFT = "person.left"
ROUND_DRAWN = "connect.round_drawn"
EVENT_CREATED = "events.event_created"
WAVE_CLOSED = "pulse.wave_closed"
PING = "kith.ping"

# What HR can subscribe an endpoint to (the test event goes to any endpoint on request).
EVENT_CHOICES = [
    (PERSON_JOINED, _("A person joined (added to the directory)")),
    (PERSON_LEFT, _("A person left (deactivated)")),
    (ROUND_DRAWN, _("A Connect round was drawn (counts only)")),
    (EVENT_CREATED, _("An event was created")),
    (WAVE_CLOSED, _("A survey wave closed (published aggregates only)")),
]
EVENT_TYPES = frozenset(key for key, _label in EVENT_CHOICES)

_NAMESPACE = uuid.UUID("0f6c3a52-3b7e-4b8e-9a43-6b1d5c0e7a11")

# Said in place of a figure the disclosure layer withheld.
WITHHELD_GROUP = "withheld: fewer than k respondents, or it would reveal such a group"
WITHHELD_FIGURE = "withheld: fewer than k people answered this"


@dataclass(frozen=True)
class Occurrence:
    """One thing that happened, ready to send: its stable id and its data."""

    event_id: uuid.UUID
    data: dict[str, Any]


def event_id_for(event_type: str, key: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"{event_type}:{key}")


def envelope(event_type: str, occurrence: Occurrence, created_at: dt.datetime) -> dict[str, Any]:
    return {
        "id": str(occurrence.event_id),
        "type": event_type,
        "created_at": created_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "data": occurrence.data,
    }


# --- Directory -------------------------------------------------------------------------------


def people_joined(person_ids: list[int]) -> list[Occurrence]:
    from kith.directory.models import Person

    people = Person.objects.filter(pk__in=person_ids, is_active=True).only(
        "pk", "employee_id", "org_unit_id", "start_date"
    )
    return [
        Occurrence(
            event_id_for(PERSON_JOINED, str(p.pk)),
            _person_data(p, (p.start_date or org_today())),
        )
        for p in people.order_by("pk")
    ]


def people_left(person_ids: list[int]) -> list[Occurrence]:
    """Only people still inactive when the write committed; one event per person and day (a
    second report of the same departure is the same event)."""
    from kith.directory.models import Person

    today = org_today()
    people = Person.objects.filter(pk__in=person_ids, is_active=False).only(
        "pk", "employee_id", "org_unit_id"
    )
    return [
        Occurrence(event_id_for(PERSON_LEFT, f"{p.pk}:{today}"), _person_data(p, today))
        for p in people.order_by("pk")
    ]


def _person_data(person: Any, day: dt.date) -> dict[str, Any]:
    return {
        "person_id": person.pk,
        "employee_id": person.employee_id or None,
        "org_unit_id": person.org_unit_id,
        "date": day.isoformat(),
    }


# --- Connect ---------------------------------------------------------------------------------


def round_drawn(round_id: int) -> list[Occurrence]:
    """The counts HR sees on the program page: groups and people matched."""
    from kith.connect.models import Round

    drawn = Round.objects.select_related("program").filter(pk=round_id).first()
    if drawn is None:
        return []
    stats = drawn.stats or {}
    data = {
        "program_id": drawn.program_id,
        "program_name": drawn.program.name,
        "program_kind": drawn.program.kind,
        "round_id": drawn.pk,
        "round_date": drawn.scheduled_for.isoformat(),
        "groups": int(stats.get("groups", 0)),
        "matched_people": int(stats.get("matched", 0)),
    }
    return [Occurrence(event_id_for(ROUND_DRAWN, str(drawn.pk)), data)]


# --- Events ----------------------------------------------------------------------------------


def event_created(event_id: int) -> list[Occurrence]:
    """What HR may see of any event: never a guest list, and nothing at all of a
    confidential community's events (they exist for its members only; HR has no exception)."""
    from kith.communities.models import Community
    from kith.events.models import Event

    event = Event.objects.select_related("community").filter(pk=event_id).first()
    if event is None:
        return []
    if event.community is not None and (
        event.community.visibility == Community.Visibility.CONFIDENTIAL
    ):
        return []
    data = {
        "event_id": event.pk,
        "title": event.title,
        "kind": event.kind,
        "host": event.host,
        "mode": event.mode,
        "starts_at": _utc(event.starts_at),
        "ends_at": _utc(event.ends_at),
        "timezone": event.timezone,
        "city": event.city or None,
        "country": event.country or None,
        "invite_only": event.invite_only,
    }
    return [Occurrence(event_id_for(EVENT_CREATED, str(event.pk)), data)]


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


# --- Pulse -----------------------------------------------------------------------------------


def wave_closed(wave_id: int) -> list[Occurrence]:
    """The figures HR's results page shows for the whole organisation and its top-level
    units, read from what the disclosure layer published (ResultCell rows: a withheld group
    has none) with the page's own selectors. Nothing is computed here."""
    from kith.pulse import selectors
    from kith.pulse.models import ResultCell, Wave

    wave = Wave.objects.select_related("campaign").filter(pk=wave_id).first()
    if wave is None or wave.results_at is None:
        return []
    shown = [i for i, depth in enumerate(_depths(wave.units)) if depth <= 1]
    cells = {
        c.unit: c for c in ResultCell.objects.filter(wave=wave, attr=-1, value=-1, unit__in=shown)
    }
    columns = selectors.columns_for(wave)
    data = {
        "campaign_id": wave.campaign_id,
        "wave_id": wave.pk,
        "wave_number": wave.number,
        "opened_on": wave.opens_on.isoformat(),
        "closed_on": wave.closes_on.isoformat(),
        "min_group": wave.campaign.min_group,
        "groups": [_group(wave, i, cells.get(i), columns) for i in shown],
    }
    return [Occurrence(event_id_for(WAVE_CLOSED, str(wave.pk)), data)]


def _depths(units: list[Any]) -> list[int]:
    depth: list[int] = []
    for _unit_id, _name, parent in units:
        depth.append(0 if parent < 0 else depth[parent] + 1)
    return depth


def _group(wave: Any, index: int, cell: Any, columns: list[Any]) -> dict[str, Any]:
    from kith.pulse import selectors

    unit_id = wave.units[index][0]
    group: dict[str, Any] = {
        "org_unit_id": unit_id,  # null: the whole organisation
        "level": 0 if index == 0 else 1,
        "withheld": cell is None,
    }
    if cell is None:
        group["reason"] = WITHHELD_GROUP
        return group
    figures = []
    for column in columns:
        value = selectors.cell_value(cell, column)
        figure: dict[str, Any] = {"key": column.key, "kind": column.kind, "value": value}
        if value is None:
            figure["reason"] = WITHHELD_FIGURE
        figures.append(figure)
    group.update(respondents=cell.respondents, invited=cell.invited, figures=figures)
    return group


def ping(endpoint_id: int) -> Occurrence:
    return Occurrence(uuid.uuid4(), {"endpoint_id": endpoint_id})
