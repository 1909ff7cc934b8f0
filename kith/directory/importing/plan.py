"""What an import would change: valid rows compared with a snapshot of the directory.
Pure Python; apply.py writes a plan, the dry run and the page only show it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_noop

from kith.directory.engine.text import search_text_for
from kith.directory.importing.snapshot import (
    COMPARED_FIELDS,
    CREATE_ONLY_FIELDS,
    ExistingPerson,
    ExistingUnits,
    Snapshot,
    unit_key,
)
from kith.directory.importing.validate import PersonRecord

SAMPLE_SIZE = 20  # names listed per kind of change; the counts are always complete

# What a person reading the preview calls each field (None: derived, not worth showing):
# stored in English in the run's summary, translated when shown (report.change_lines).
FIELD_LABELS: dict[str, str | None] = {
    "full_name": gettext_noop("name"),
    "email": gettext_noop("email"),
    "title": gettext_noop("title"),
    "employment_type": gettext_noop("employment type"),
    "start_date": gettext_noop("start date"),
    "city": gettext_noop("city"),
    "country": gettext_noop("country"),
    "latitude": gettext_noop("city"),
    "longitude": gettext_noop("city"),
    "timezone": gettext_noop("time zone"),
    "region": gettext_noop("holiday region"),
    "search_text": None,
    "org_unit": gettext_noop("team"),
    "manager": gettext_noop("manager"),
}
DEFAULTS: dict[str, object] = {
    "full_name": "",
    "email": "",
    "preferred_name": "",
    "pronouns": "",
    "title": "",
    "employment_type": "employee",
    "start_date": None,
    "city": "",
    "country": "",
    "latitude": None,
    "longitude": None,
    "timezone": "",
    "region": "",
}


@dataclass(slots=True)
class PersonChange:
    record: PersonRecord
    pk: int | None  # None for a new person
    values: dict[str, object]  # model attributes to write, without org unit and manager
    unit: tuple[str, str] | None  # set when the org unit changes; ("", "") means none
    manager_id: str | None  # set when the manager changes; "" means none
    changed: list[str] = field(default_factory=list)  # labels, for people to read
    reactivate: bool = False


@dataclass
class Plan:
    rows: int
    deactivate_missing: bool
    creates: list[PersonChange] = field(default_factory=list)
    updates: list[PersonChange] = field(default_factory=list)  # reactivations included
    unchanged: int = 0
    deactivate: list[ExistingPerson] = field(default_factory=list)
    new_departments: list[str] = field(default_factory=list)
    new_teams: list[tuple[str, str]] = field(default_factory=list)  # (department, team)

    @property
    def is_empty(self) -> bool:
        return not (self.creates or self.updates or self.deactivate)

    def summary(self) -> dict[str, Any]:
        reactivated = [c for c in self.updates if c.reactivate]
        updated = [c for c in self.updates if not c.reactivate]
        labels = Counter(label for c in self.updates for label in c.changed)
        return {
            "rows": self.rows,
            "created": len(self.creates),
            "updated": len(updated),
            "reactivated": len(reactivated),
            "unchanged": self.unchanged,
            "deactivated": len(self.deactivate),
            "departments_created": len(self.new_departments),
            "teams_created": len(self.new_teams),
            "deactivate_missing": self.deactivate_missing,
            "field_changes": dict(labels.most_common()),
            "samples": {
                "created": [c.record.name for c in self.creates[:SAMPLE_SIZE]],
                "updated": [_sample(c) for c in updated[:SAMPLE_SIZE]],
                "reactivated": [_sample(c) for c in reactivated[:SAMPLE_SIZE]],
                "deactivated": [str(p.values["full_name"]) for p in self.deactivate[:SAMPLE_SIZE]],
            },
        }


def _sample(change: PersonChange) -> dict[str, Any]:
    return {
        "name": change.record.name,
        "employee_id": change.record.employee_id,
        "fields": change.changed,
    }


def build_plan(
    records: list[PersonRecord], snapshot: Snapshot, *, rows: int, deactivate_missing: bool
) -> Plan:
    plan = Plan(rows=rows, deactivate_missing=deactivate_missing)
    for record in records:
        existing = snapshot.people.get(record.employee_id)
        if existing is None:
            plan.creates.append(_create(record))
            continue
        change = _update(record, existing, snapshot.units)
        if change.changed or change.reactivate or change.values:
            plan.updates.append(change)
        else:
            plan.unchanged += 1
    if deactivate_missing:
        in_file = {r.employee_id for r in records}
        plan.deactivate = [
            p for eid, p in snapshot.people.items() if p.is_active and eid not in in_file
        ]
    plan.new_departments, plan.new_teams = _new_units(records, snapshot.units)
    return plan


def _unit_name(unit: tuple[str, str] | None) -> str:
    return (unit[1] or unit[0]) if unit else ""


def _search_text(values: dict[str, object], unit_name: str, tags: tuple[str, ...] = ()) -> str:
    """The same text the profile services keep (kith.directory.services.person_search_text)."""
    return search_text_for(
        str(values["full_name"]),
        str(values["preferred_name"] or ""),
        str(values["title"] or ""),
        unit_name,
        str(values["city"] or ""),
        *tags,
    )


def _create(record: PersonRecord) -> PersonChange:
    values = {**DEFAULTS, **record.fields}
    values["search_text"] = _search_text(values, _unit_name(record.unit))
    return PersonChange(
        record=record,
        pk=None,
        values=values,
        unit=record.unit if record.unit and record.unit[0] else None,
        manager_id=record.manager_id or None,
    )


def _update(record: PersonRecord, existing: ExistingPerson, units: ExistingUnits) -> PersonChange:
    wanted = {k: v for k, v in record.fields.items() if k not in CREATE_ONLY_FIELDS}
    current = existing.values
    if record.unit is not None:
        unit_name = _unit_name(record.unit)
    else:
        unit_name = units.names.get(existing.org_unit_id or 0, "")
    merged = {**current, **wanted, "preferred_name": current["preferred_name"]}
    wanted["search_text"] = _search_text(merged, unit_name, existing.tags)
    values = {k: v for k, v in wanted.items() if k in COMPARED_FIELDS and current[k] != v}
    change = PersonChange(
        record=record,
        pk=existing.pk,
        values=values,
        unit=None,
        manager_id=None,
        reactivate=not existing.is_active,
    )
    if record.unit is not None:
        wanted_unit = units.find(*record.unit) if record.unit[0] else None
        if (wanted_unit is None and record.unit[0]) or wanted_unit != existing.org_unit_id:
            change.unit = record.unit
    if record.manager_id is not None and record.manager_id != existing.manager_employee_id:
        change.manager_id = record.manager_id
    change.changed = _labels(change)
    return change


def _labels(change: PersonChange) -> list[str]:
    names = [
        *change.values,
        *(["org_unit"] if change.unit else []),
        *(["manager"] if change.manager_id is not None else []),
    ]
    labels = [FIELD_LABELS.get(name) for name in names]
    return list(dict.fromkeys(label for label in labels if label))


def _new_units(
    records: list[PersonRecord], units: ExistingUnits
) -> tuple[list[str], list[tuple[str, str]]]:
    departments: dict[str, str] = {}
    teams: dict[tuple[str, str], tuple[str, str]] = {}
    for record in records:
        if not record.unit or not record.unit[0]:
            continue
        department, team = record.unit
        if units.find(department, "") is None:
            departments.setdefault(unit_key(department), department)
        if team and units.find(department, team) is None:
            teams.setdefault((unit_key(department), unit_key(team)), (department, team))
    return list(departments.values()), list(teams.values())
