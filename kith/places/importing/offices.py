"""Reading an offices CSV for `kith import_offices`, with the people import's rules for bad
rows (kith/directory/importing): UTF-8 with or without a byte-order mark, comma or semicolon
as the separator (the header decides), every problem listed with its row (the header is row
1), column and reason, and no office written when any row has one.

The rules for each office's fields are the services' own (office_fields), so a file and the
page can never disagree on what a valid office is.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from kith.directory.engine.geocoding import Geocoder
from kith.directory.engine.text import fold
from kith.directory.importing.parse import Problem, decode, detect_delimiter, header_key
from kith.places.engine.offices import split_amenities
from kith.places.services.offices import OfficeInput, office_fields

REQUIRED = ("name", "city", "country", "capacity")
OPTIONAL = ("address", "amenities", "timezone", "region")
ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("Name", "Office", "Office name"),
    "city": ("City", "Town"),
    "country": ("Country", "Country code"),
    "capacity": ("Capacity", "Desks", "Seats"),
    "address": ("Address", "Address line", "Street address"),
    "amenities": ("Amenities", "Facilities"),
    "timezone": ("Timezone", "Time zone", "TZ"),
    "region": ("Region", "State", "Province"),
}
INDEX = {header_key(alias): column for column, names in ALIASES.items() for alias in names}
AMENITY_SEPARATOR = ";"
MAX_ROWS = 10_000
_WHOLE = re.compile(r"\d{1,9}")


@dataclass
class OfficeRow:
    row: int
    fields: dict[str, Any]  # Office model fields, checked


@dataclass
class ReadFile:
    offices: list[OfficeRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def read(content: bytes, *, places: Geocoder) -> ReadFile:
    """Every row checked; `problems` lists every fault, `offices` the valid rows."""
    result = ReadFile()
    text, problems = decode(content)
    if problems:
        result.problems = problems
        return result
    if not text.strip():
        result.problems.append(Problem(None, "", "", "the file is empty"))
        return result
    try:
        rows = list(_rows(text))
    except csv.Error as exc:
        result.problems.append(Problem(None, "", "", f"the file cannot be read as CSV ({exc})"))
        return result
    header, body = rows[0][1], rows[1:]
    columns, labels = _columns(header, result.problems)
    if not body:
        result.problems.append(Problem(None, "", "", "the file has a header row but no office"))
    if len(body) > MAX_ROWS:
        result.problems.append(
            Problem(None, "", "", f"the file has {len(body)} offices; the most is {MAX_ROWS}")
        )
        return result
    if result.problems:
        return result
    first_row: dict[str, int] = {}
    for number, cells in body:
        if len(cells) != len(header):
            result.problems.append(_shape(number, cells, header))
            continue
        checked = _row(number, cells, columns, labels, places, result.problems)
        if checked is None:
            continue
        key = fold(checked.fields["name"])
        if key in first_row:
            result.problems.append(
                Problem(
                    number,
                    labels["name"],
                    checked.fields["name"],
                    f"the same office as on row {first_row[key]}: list each office once",
                )
            )
            continue
        first_row[key] = number
        result.offices.append(checked)
    return result


def _rows(text: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=detect_delimiter(text),
        strict=True,
        skipinitialspace=True,
    )
    rows = []
    for number, cells in enumerate(reader, start=1):
        if number == 1 or any(cell.strip() for cell in cells):
            rows.append((number, cells))
    return rows


def _columns(header: list[str], problems: list[Problem]) -> tuple[dict[str, int], dict[str, str]]:
    columns: dict[str, int] = {}
    for index, raw in enumerate(header):
        column = INDEX.get(header_key(raw.strip()))
        if column is None:
            continue  # a column Kith does not know is left alone
        if column in columns:
            first = header[columns[column]].strip()
            problems.append(
                Problem(1, column, raw.strip(), f'"{first}" and "{raw.strip()}" both mean {column}')
            )
            continue
        columns[column] = index
    for column in REQUIRED:
        if column not in columns:
            accepted = ", ".join(f'"{a}"' for a in ALIASES[column])
            problems.append(
                Problem(1, column, "", f"required column is missing (accepted headers: {accepted})")
            )
    labels = {c: header[i].strip() for c, i in columns.items()}
    return columns, {c: labels.get(c, c) for c in (*REQUIRED, *OPTIONAL)}


def _shape(number: int, cells: list[str], header: list[str]) -> Problem:
    return Problem(
        number,
        "",
        f"{len(cells)} cells",
        f"the header has {len(header)} columns but this row has {len(cells)}: check for a "
        "missing or extra separator, or an unquoted comma or semicolon in a cell",
    )


def _row(
    number: int,
    cells: list[str],
    columns: dict[str, int],
    labels: dict[str, str],
    places: Geocoder,
    problems: list[Problem],
) -> OfficeRow | None:
    def cell(column: str) -> str:
        index = columns.get(column)
        return cells[index].strip() if index is not None else ""

    found: list[Problem] = []
    capacity_text = cell("capacity")
    capacity = 0
    if capacity_text and not _WHOLE.fullmatch(capacity_text):
        found.append(
            Problem(
                number,
                labels["capacity"],
                capacity_text,
                "capacity is a whole number of desks or seats, 0 or more (empty = 0, not set)",
            )
        )
    elif capacity_text:
        capacity = int(capacity_text)
    data = OfficeInput(
        name=cell("name"),
        city=cell("city"),
        country=cell("country"),
        capacity=capacity,
        address=cell("address"),
        amenities=tuple(split_amenities(cell("amenities"), AMENITY_SEPARATOR)),
        timezone=cell("timezone"),
        region=cell("region"),
    )
    try:
        fields = office_fields(data, places=places)
    except ValidationError as exc:
        for column, messages in exc.message_dict.items():
            if column == "capacity" and found:
                continue  # already said, with the text as written
            for message in messages:
                found.append(Problem(number, labels.get(column, column), cell(column), message))
    problems.extend(found)
    return None if found else OfficeRow(number, fields)
